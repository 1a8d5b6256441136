/*
 * The article form as a writing screen: live counters and keyboard shortcuts.
 *
 * Beside the body: words, characters and reading time, by the public page's own rule
 * (articles/text.py: 230 words a minute, plus 500 characters a minute for scripts
 * written without spaces, at least 1). Under the headline, dek and SEO fields: their
 * length against the limit. Ctrl/Cmd+S saves and continues editing; Ctrl/Cmd+Shift+P
 * opens the saved article as readers (and staff) see it.
 */
(function () {
  "use strict";

  var WORDS_PER_MINUTE = 230;
  var CHARACTERS_PER_MINUTE = 500;
  var UNSPACED = /[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]/g;
  var WORDLIKE = /[\p{L}\p{N}]/u;
  var LIMITS = { id_headline: 200, id_dek: 600, id_seo_title: 70, id_seo_description: 160 };

  function textOf(html) {
    var doc = new DOMParser().parseFromString("<body>" + html + "</body>", "text/html");
    doc.querySelectorAll("script, style, template, noscript").forEach(function (node) {
      node.remove();
    });
    doc.querySelectorAll("p, br, li, h2, h3, h4, blockquote, figure, figcaption, td, th, pre").forEach(
      function (node) {
        node.append(" ");
      }
    );
    return (doc.body.textContent || "").replace(/\s+/g, " ").trim();
  }

  function measure(html) {
    var text = textOf(html);
    var unspaced = (text.match(UNSPACED) || []).length;
    var words = text
      .replace(UNSPACED, " ")
      .split(" ")
      .filter(function (token) {
        return WORDLIKE.test(token);
      }).length;
    var minutes = Math.max(1, Math.ceil(words / WORDS_PER_MINUTE + unspaced / CHARACTERS_PER_MINUTE));
    return { words: words + unspaced, characters: text.length, minutes: minutes };
  }

  function counter(after, id) {
    var output = document.createElement("p");
    output.className = "writing-counter";
    output.id = id;
    after.insertAdjacentElement("afterend", output);
    return output;
  }

  function bodyCounter() {
    var body = document.getElementById("id_body");
    if (!body) {
      return;
    }
    var output = counter(body.closest(".form-row") || body, "body-counter");
    function show(html) {
      var m = measure(html);
      output.textContent =
        m.words.toLocaleString() + " words · " + m.characters.toLocaleString() +
        " characters · " + m.minutes + " min read";
    }
    show(body.value);
    if (window.CKEDITOR) {
      var attach = function (editor) {
        if (editor.name !== "id_body") {
          return;
        }
        var update = function () {
          show(editor.getData());
        };
        editor.on("change", update);
        editor.on("key", function () {
          window.setTimeout(update, 0);
        });
        update();
      };
      if (window.CKEDITOR.instances.id_body) {
        attach(window.CKEDITOR.instances.id_body);
      }
      window.CKEDITOR.on("instanceReady", function (event) {
        attach(event.editor);
      });
    }
  }

  function lengthCounters() {
    Object.keys(LIMITS).forEach(function (id) {
      var field = document.getElementById(id);
      if (!field) {
        return;
      }
      var limit = LIMITS[id];
      var output = counter(field, id + "-counter");
      field.setAttribute(
        "aria-describedby",
        ((field.getAttribute("aria-describedby") || "") + " " + output.id).trim()
      );
      var show = function () {
        var length = field.value.length;
        output.textContent = length + " / " + limit + " characters";
        output.classList.toggle("writing-counter--over", length > limit);
      };
      field.addEventListener("input", show);
      show();
    });
  }

  function shortcuts() {
    document.addEventListener("keydown", function (event) {
      var mod = event.ctrlKey || event.metaKey;
      if (!mod) {
        return;
      }
      var key = event.key.toLowerCase();
      if (key === "s" && !event.shiftKey) {
        var save = document.querySelector('input[name="_continue"]');
        if (save) {
          event.preventDefault();
          save.click();
        }
      } else if (key === "p" && event.shiftKey) {
        var view = document.querySelector("a.viewsitelink");
        if (view) {
          event.preventDefault();
          window.open(view.href, "_blank", "noopener");
        }
      }
    });
  }

  function start() {
    if (!document.getElementById("article_form")) {
      return;
    }
    bodyCounter();
    lengthCounters();
    shortcuts();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
