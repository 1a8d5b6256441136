// CKEditor's "Browse Server" popup over the photo library: a click on a photo hands
// its URL (and its library alt text) to the image dialog that opened this window.
"use strict";

(function () {
  function dialogField(dialog) {
    // The classic image plugin names its alt field "txtAlt", image2 "alt".
    if (dialog.getName() === "image") return dialog.getContentElement("info", "txtAlt");
    if (dialog.getName() === "image2") return dialog.getContentElement("info", "alt");
    return null;
  }

  function init() {
    const root = document.querySelector("[data-func-num]");
    if (!root) return;
    const funcNum = root.dataset.funcNum;
    const editor = window.opener && !window.opener.closed && window.opener.CKEDITOR;
    if (!funcNum || !editor) {
      const note = root.querySelector(".photo-browser__no-editor");
      if (note) note.hidden = false;
      return;
    }
    root.addEventListener("click", function (event) {
      const button = event.target.closest("[data-insert-url]");
      if (!button) return;
      const alt = button.dataset.insertAlt || "";
      editor.tools.callFunction(funcNum, button.dataset.insertUrl, function () {
        const field = dialogField(this.getDialog());
        if (field && alt) field.setValue(alt);
      });
      window.close();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
