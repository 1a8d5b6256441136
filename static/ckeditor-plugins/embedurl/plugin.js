/*
 * The Embed button (CKEditor 4): asks for the address of a post, a video or a chart and
 * inserts it as a paragraph of its own. The server turns such a paragraph into an embed
 * when the article is saved (embeds.bodies.convert_paragraphs), for allowlisted
 * providers only; any other address stays a plain link. Nothing from the provider is
 * loaded here. A static file: the admin's CSP admits it as 'self'.
 */
(function () {
  "use strict";

  var PROVIDERS =
    "YouTube, Vimeo, X, Telegram, Instagram, Facebook, TikTok, Datawrapper, Flourish, SoundCloud";

  CKEDITOR.plugins.add("embedurl", {
    icons: "embedurl",
    hidpi: true,
    init: function (editor) {
      editor.addCommand(
        "embedurl",
        new CKEDITOR.dialogCommand("embedurl", { allowedContent: "p", requiredContent: "p" })
      );
      editor.ui.addButton("EmbedUrl", {
        label: "Embed a post by its address",
        command: "embedurl",
        toolbar: "insert",
      });

      CKEDITOR.dialog.add("embedurl", function () {
        return {
          title: "Embed a post",
          minWidth: 420,
          minHeight: 90,
          contents: [
            {
              id: "main",
              label: "Embed",
              elements: [
                {
                  type: "text",
                  id: "url",
                  label: "Address of the post (" + PROVIDERS + ")",
                  validate: CKEDITOR.dialog.validate.regex(
                    /^\s*https?:\/\/[^\s<>"'`]{1,2040}\s*$/i,
                    "Enter the post's address, starting with https://"
                  ),
                },
                {
                  type: "html",
                  html:
                    "<p style=\"white-space:normal;max-width:420px\">The page shows the post " +
                    "only when a reader asks for it. Addresses of other sites stay links.</p>",
                },
              ],
            },
          ],
          onOk: function () {
            var url = CKEDITOR.tools.trim(this.getValueOf("main", "url"));
            var paragraph = editor.document.createElement("p");
            paragraph.setText(url);
            editor.insertElement(paragraph);
          },
        };
      });
    },
  });
})();
