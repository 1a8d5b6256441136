/*
 * Embeds, private until the reader asks (public/embeds.py renders the facades).
 *
 * Nothing is loaded from a provider with the page. "Show the post from X" replaces the
 * facade with the provider's iframe, whose address the server built from the matched
 * URL (data-embed-src). "Always show X posts" is remembered in this browser only
 * (localStorage), never sent to us; those embeds then load with the page.
 */
(function () {
  "use strict";

  var PREFIX = "newsroom:embeds:always:";

  function remembered(provider) {
    try {
      return window.localStorage.getItem(PREFIX + provider) === "1";
    } catch (error) {
      return false; // storage blocked: ask every time
    }
  }

  function remember(provider, always) {
    try {
      if (always) {
        window.localStorage.setItem(PREFIX + provider, "1");
      } else {
        window.localStorage.removeItem(PREFIX + provider);
      }
    } catch (error) {
      /* storage blocked: nothing to remember */
    }
  }

  function load(figure, moveFocus) {
    var facade = figure.querySelector(".embed__facade");
    if (!facade || !figure.dataset.embedSrc) {
      return;
    }
    var frame = document.createElement("iframe");
    frame.src = figure.dataset.embedSrc;
    frame.title = figure.dataset.embedTitle || "Embedded post";
    frame.className = "embed__frame";
    frame.height = figure.dataset.embedHeight || "480";
    frame.loading = "lazy";
    frame.referrerPolicy = "strict-origin-when-cross-origin";
    frame.setAttribute("allow", "fullscreen; picture-in-picture; encrypted-media");
    frame.setAttribute("allowfullscreen", "");
    var link = facade.querySelector(".embed__title a");
    var source = document.createElement("p");
    source.className = "embed__source";
    if (link) {
      var original = link.cloneNode(false);
      original.textContent = "Open the original";
      source.appendChild(original);
    }
    facade.replaceWith(frame, source);
    figure.classList.add("embed--loaded");
    if (moveFocus) {
      frame.focus();
    }
  }

  function setUp(figure) {
    if (figure.dataset.embedReady) {
      return;
    }
    figure.dataset.embedReady = "1";
    var provider = figure.dataset.embedProvider;
    if (remembered(provider)) {
      load(figure, false);
      return;
    }
    var actions = figure.querySelector(".embed__actions");
    var always = figure.querySelector(".embed__always");
    var button = figure.querySelector(".embed__load");
    var box = figure.querySelector(".embed__always-box");
    if (actions) {
      actions.hidden = false;
    }
    if (always) {
      always.hidden = false;
    }
    if (button) {
      button.addEventListener("click", function () {
        if (box && box.checked) {
          remember(provider, true);
          Array.prototype.forEach.call(
            document.querySelectorAll('figure.embed[data-embed-provider="' + provider + '"]'),
            function (other) {
              if (other !== figure) {
                load(other, false);
              }
            }
          );
        }
        load(figure, true);
      });
    }
  }

  function setUpWithin(root) {
    Array.prototype.forEach.call(root.querySelectorAll("figure.embed[data-embed-src]"), setUp);
  }

  setUpWithin(document);
  // Content added after load (a live page's new updates: live/follow.js) announces itself.
  document.addEventListener("newsroom:inserted", function (event) {
    setUpWithin(event.target.parentNode || document);
  });
})();
