/*
 * The article form as a writing screen (articles/admin/writing.py): counters, previews,
 * the byline's order and keyboard shortcuts.
 *
 * Beside the body: words, characters and reading time, by the public page's own rule
 * (articles/text.py: 230 words a minute, plus 500 characters a minute for scripts
 * written without spaces, at least 1). Under the headline, dek and SEO fields: their
 * length against the limit. Under the body: the story as a search result and as a social
 * card, following the typing and the lead photo picked (its card from lead-photo/?photo=).
 * The byline's rows move by dragging their handle (or with the arrow keys on it); the
 * positions are renumbered 1, 2, 3… as shown. Ctrl/Cmd+S saves and continues editing;
 * Ctrl/Cmd+Shift+P saves and opens the page as staff see it.
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
        var preview = document.querySelector('input[name="_preview"]');
        if (preview) {
          event.preventDefault();
          preview.click();
        }
      }
    });
  }

  // Share previews ------------------------------------------------------------------

  function onSelectChange(select, handler) {
    // Autocomplete widgets (select2) announce a pick through jQuery only.
    if (window.django && window.django.jQuery) {
      window.django.jQuery(select).on("change", handler);
    } else {
      select.addEventListener("change", handler);
    }
  }

  function value(id) {
    var field = document.getElementById(id);
    return field ? field.value : "";
  }

  function describe(text, length) {
    var line = text.replace(/\s+/g, " ").trim();
    return line.length > length ? line.slice(0, length - 1) + "\u2026" : line;
  }

  function previews() {
    var box = document.getElementById("share-previews");
    if (!box) {
      return;
    }
    var length = parseInt(box.dataset.descriptionLength, 10) || 160;
    var shown = {};
    box.querySelectorAll("[data-preview]").forEach(function (node) {
      shown[node.dataset.preview] = node;
    });
    function update() {
      // Article.shared_title and shared_summary, cut as text.describe cuts them.
      var headline = value("id_headline").trim();
      var title = value("id_seo_title").trim() || headline || "Headline";
      var description = describe(
        value("id_seo_description").trim() || value("id_dek").trim() || headline,
        length
      );
      var slug = value("id_slug").trim();
      var placeholder = box.dataset.slugPlaceholder;
      shown.title.textContent = title;
      shown["card-title"].textContent = title;
      shown.description.textContent = description;
      shown["card-description"].textContent = description;
      shown.url.textContent = slug
        ? box.dataset.urlPattern.replace(placeholder, slug)
        : box.dataset.urlPattern.replace(placeholder + "/", "");
    }
    ["id_headline", "id_dek", "id_seo_title", "id_seo_description", "id_slug"].forEach(
      function (id) {
        var field = document.getElementById(id);
        if (field) {
          field.addEventListener("input", update);
          field.addEventListener("change", update);
        }
      }
    );
    update();
    var photo = document.getElementById("id_lead_photo");
    if (photo) {
      onSelectChange(photo, function () {
        leadPhoto(box, shown, photo.value);
      });
    }
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function drawPhotoCard(card, photo) {
    card.replaceChildren();
    if (!photo) {
      card.append(
        element(
          "p",
          "lead-photo-card__none",
          "No lead photo. Pick one from the library above; its credit and alt text show here."
        )
      );
      return;
    }
    if (photo.thumb_url) {
      var image = element("img", "lead-photo-card__image");
      image.src = photo.thumb_url;
      image.width = photo.thumb_width;
      image.height = photo.thumb_height;
      image.alt = photo.alt_text;
      card.append(image);
    }
    var facts = element("dl", "lead-photo-card__facts");
    [
      ["Credit", photo.credit],
      ["Alt text", photo.alt_text],
    ].forEach(function (fact) {
      facts.append(element("dt", "", fact[0]));
      facts.append(element("dd", fact[1] ? "" : "lead-photo-card__missing", fact[1] || "Missing"));
    });
    card.append(facts);
    if (photo.problems.length) {
      var problems = element("ul", "lead-photo-card__problems");
      photo.problems.forEach(function (problem) {
        problems.append(element("li", "", problem));
      });
      card.append(problems);
    }
    var link = element("a", "", "Edit this photo in the library");
    link.href = photo.change_url;
    var paragraph = element("p");
    paragraph.append(link);
    card.append(paragraph);
  }

  function leadPhoto(box, shown, id) {
    var card = document.getElementById("lead-photo-card");
    if (!id) {
      shown.image.src = box.dataset.defaultCard;
      shown["crop-note"].hidden = true;
      if (card) {
        drawPhotoCard(card, null);
      }
      return;
    }
    var url = box.dataset.leadPhotoUrl + "?photo=" + encodeURIComponent(id);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : Promise.reject(response);
      })
      .then(function (photo) {
        shown.image.src = photo.card_url || box.dataset.defaultCard;
        shown["crop-note"].hidden = photo.card_is_crop;
        if (card) {
          drawPhotoCard(card, photo);
        }
      })
      .catch(function () {
        if (card) {
          card.replaceChildren(
            element("p", "lead-photo-card__missing", "Could not load this photo's details.")
          );
        }
      });
  }

  // The byline's order --------------------------------------------------------------

  function bylineOrder() {
    var group = document.getElementById("bylines-group");
    var body = group && group.querySelector("tbody");
    if (!body) {
      return;
    }
    var status = element("p", "byline-order-status");
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    group.querySelector("fieldset").append(status);

    function rows() {
      return Array.prototype.filter.call(body.children, function (row) {
        return row.matches("tr.form-row:not(.empty-form)");
      });
    }
    function authorOf(row) {
      var select = row.querySelector("td.field-author select");
      return select && select.value ? select : null;
    }
    function nameOf(row) {
      var select = authorOf(row);
      var option = select && select.options[select.selectedIndex];
      return option ? option.textContent.trim() : "This author";
    }
    function renumber() {
      var position = 0;
      rows().forEach(function (row) {
        var deleted = row.querySelector('td.delete input[type="checkbox"]');
        var field = row.querySelector("td.field-position input");
        if (!field || !authorOf(row) || (deleted && deleted.checked)) {
          return; // an empty row stays empty: giving it a number would make it a byline
        }
        position += 1;
        field.value = String(position);
      });
    }
    function moved(row) {
      renumber();
      var field = row.querySelector("td.field-position input");
      status.textContent = nameOf(row) + " is now number " + (field ? field.value : "?") +
        " in the byline.";
      row.closest("form").dispatchEvent(new Event("change", { bubbles: true }));
    }
    function move(row, step) {
      var list = rows();
      var index = list.indexOf(row) + step;
      if (index < 0 || index >= list.length) {
        return;
      }
      var other = list[index];
      body.insertBefore(row, step < 0 ? other : other.nextSibling);
      moved(row);
    }
    function addHandle(row) {
      var cell = row.querySelector("td.original");
      if (!cell || cell.querySelector(".byline-handle")) {
        return;
      }
      var handle = element("button", "byline-handle", "\u2630");
      handle.type = "button";
      handle.title = "Drag to reorder (or use the arrow keys)";
      handle.setAttribute("aria-label", "Move in the byline: drag, or press the up and down arrow keys");
      cell.prepend(handle);
      // Moving the row takes the handle out of the page for an instant, which ends a
      // pointer capture: the document follows the pointer instead.
      function follow(event) {
        var over = rows().find(function (other) {
          var box = other.getBoundingClientRect();
          return other !== row && event.clientY >= box.top && event.clientY <= box.bottom;
        });
        if (!over) {
          return;
        }
        var box = over.getBoundingClientRect();
        var before = event.clientY < box.top + box.height / 2;
        body.insertBefore(row, before ? over : over.nextSibling);
      }
      function drop() {
        document.removeEventListener("pointermove", follow);
        document.removeEventListener("pointerup", drop);
        document.removeEventListener("pointercancel", drop);
        row.classList.remove("byline--dragging");
        moved(row);
      }
      handle.addEventListener("pointerdown", function (event) {
        if (event.button !== 0) {
          return;
        }
        event.preventDefault();
        row.classList.add("byline--dragging");
        document.addEventListener("pointermove", follow);
        document.addEventListener("pointerup", drop);
        document.addEventListener("pointercancel", drop);
      });
      handle.addEventListener("keydown", function (event) {
        if (event.key === "ArrowUp" || event.key === "ArrowDown") {
          event.preventDefault();
          move(row, event.key === "ArrowUp" ? -1 : 1);
          handle.focus();
        }
      });
    }
    rows().forEach(addHandle);
    document.addEventListener("formset:added", function (event) {
      if (event.detail && event.detail.formsetName === "bylines") {
        addHandle(event.target);
      }
    });
    body.addEventListener("change", function (event) {
      // Picking an author in a new row puts it last; unticking "delete" brings it back.
      if (event.target.matches("td.field-author select, td.delete input")) {
        renumber();
      }
    });
    if (window.django && window.django.jQuery) {
      window.django.jQuery(body).on("change", "td.field-author select", renumber);
    }
  }

  // Labels for the inline tables' controls ------------------------------------------

  function labelRow(group, row) {
    // A table cell's control is named by its column's header ("Author", "Delete?").
    var headers = {};
    group.querySelectorAll("thead th[class*='column-']").forEach(function (th) {
      var name = /column-([\w-]+)/.exec(th.className)[1];
      headers[name] = th.textContent.trim();
    });
    headers.DELETE = "Delete?";
    row.querySelectorAll("input, select, textarea").forEach(function (control) {
      if (control.type === "hidden" || control.labels.length || control.getAttribute("aria-label")) {
        return;
      }
      var name = (control.name || "").split("-").pop();
      if (headers[name]) {
        control.setAttribute("aria-label", headers[name]);
      }
    });
    // The autocomplete's own box (select2) takes its select's name.
    row.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var box = select.nextElementSibling;
      var label = select.getAttribute("aria-label") ||
        (select.labels[0] && select.labels[0].textContent.replace(/:$/, "").trim());
      if (!label || !box || !box.classList.contains("select2")) {
        return;
      }
      box.querySelectorAll("[role=combobox], [role=textbox]").forEach(function (part) {
        part.setAttribute("aria-label", label);
      });
    });
  }

  function labelControls() {
    var form = document.getElementById("article_form");
    form.querySelectorAll(".inline-group").forEach(function (group) {
      group.querySelectorAll("tbody tr.form-row:not(.empty-form)").forEach(function (row) {
        labelRow(group, row);
      });
    });
    form.querySelectorAll("fieldset.module .form-row").forEach(function (row) {
      labelRow(row, row);
    });
  }

  function labels() {
    var later = function () {
      window.setTimeout(labelControls, 0); // after the autocompletes are set up
    };
    if (window.django && window.django.jQuery) {
      window.django.jQuery(later);
    } else {
      later();
    }
    document.addEventListener("formset:added", function (event) {
      window.setTimeout(function () {
        var group = event.target.closest(".inline-group");
        if (group) {
          labelRow(group, event.target);
        }
      }, 0);
    });
  }

  function start() {
    if (!document.getElementById("article_form")) {
      return;
    }
    bodyCounter();
    lengthCounters();
    previews();
    bylineOrder();
    labels();
    shortcuts();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
