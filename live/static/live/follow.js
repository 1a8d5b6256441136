/*
 * Following a live page without reloading (live/views.py: updates_since).
 *
 * Every data-poll-seconds the page asks its updates URL what is new after the newest
 * update it holds. New updates wait behind a button ("2 new updates") and are inserted
 * when the reader asks, keeping what they are reading where it is; edits and removals
 * of the updates shown are applied quietly. The browser revalidates each poll with the
 * answer's ETag, so a poll with nothing new is a 304. Paused while the tab is hidden.
 * Without JavaScript, a reload shows the same.
 */
(function () {
  "use strict";

  var live = document.getElementById("live");
  focusLinkedUpdate();
  if (!live || !live.dataset.updatesUrl) {
    return;
  }
  var list = document.getElementById("live-updates");
  var notice = live.querySelector(".live__notice");
  var button = live.querySelector(".live__show");
  var announce = live.querySelector(".live__announce");
  var latest = live.dataset.latest || "0";
  var every = Math.max(5, parseInt(live.dataset.pollSeconds, 10) || 20) * 1000;
  var pending = [];
  var timer = null;
  var failures = 0;

  function focusLinkedUpdate() {
    var focus = document.querySelector(".live-update--focus");
    if (focus) {
      focus.setAttribute("tabindex", "-1");
      focus.scrollIntoView({ block: "start" });
      focus.focus({ preventScroll: true });
    }
  }

  function fromHtml(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  }

  // Run change() without moving what the reader looks at: the first update still in
  // view stays at the same place on the screen.
  function keepingPlace(change) {
    var anchor = null;
    var items = list.querySelectorAll(".live-update");
    for (var i = 0; i < items.length; i++) {
      if (items[i].getBoundingClientRect().bottom > 0) {
        anchor = items[i];
        break;
      }
    }
    var before = anchor ? anchor.getBoundingClientRect().top : 0;
    change();
    if (anchor && anchor.isConnected && window.scrollY > 0) {
      window.scrollBy(0, anchor.getBoundingClientRect().top - before);
    }
  }

  function shown() {
    return Array.prototype.slice.call(list.querySelectorAll(".live-update[id^='update-']"));
  }

  function label(count) {
    return count === 1 ? "1 new update" : count + " new updates";
  }

  function showNotice() {
    if (!pending.length) {
      notice.hidden = true;
      return;
    }
    button.textContent = label(pending.length) + " — show";
    notice.hidden = false;
    announce.textContent = label(pending.length);
  }

  function insertPending() {
    var empty = list.querySelector(".live__empty");
    keepingPlace(function () {
      if (empty) {
        empty.remove();
      }
      for (var i = pending.length - 1; i >= 0; i--) {
        var node = fromHtml(pending[i].html);
        var old = document.getElementById("update-" + pending[i].id);
        if (old) {
          old.remove();
        }
        list.insertBefore(node, list.firstChild);
        node.dispatchEvent(new CustomEvent("newsroom:inserted", { bubbles: true }));
      }
    });
    var first = list.querySelector(".live-update");
    pending = [];
    showNotice();
    announce.textContent = "";
    if (first) {
      first.setAttribute("tabindex", "-1");
      first.focus({ preventScroll: true });
    }
  }

  function applyChanges(data) {
    var recent = {};
    var oldest = null;
    data.recent.forEach(function (item) {
      recent[item.id] = item;
      oldest = item.published;
    });
    var edited = {};
    data.edited.forEach(function (item) {
      edited[item.id] = item.html;
    });
    keepingPlace(function () {
      shown().forEach(function (node) {
        var id = node.id.slice("update-".length);
        var item = recent[id];
        if (item) {
          if (String(item.version) !== node.dataset.version && edited[id]) {
            var fresh = fromHtml(edited[id]);
            node.replaceWith(fresh);
            fresh.dispatchEvent(new CustomEvent("newsroom:inserted", { bubbles: true }));
          }
        } else if (oldest && data.recent.length && node.dataset.published >= oldest) {
          node.remove(); // deleted or unpublished since the page was loaded
        }
      });
    });
  }

  function schedule(delay) {
    clearTimeout(timer);
    timer = setTimeout(poll, delay);
  }

  function poll() {
    if (document.hidden) {
      return; // visibilitychange polls again
    }
    var url = live.dataset.updatesUrl + "?after=" + encodeURIComponent(latest);
    fetch(url, { headers: { Accept: "application/json" }, cache: "no-cache", credentials: "omit" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        failures = 0;
        if (data.updates.length) {
          var known = {};
          pending.forEach(function (item) {
            known[item.id] = true;
          });
          pending = data.updates.filter(function (item) {
            return !known[item.id];
          }).concat(pending);
          latest = String(data.updates[0].id);
          showNotice();
        }
        applyChanges(data);
        if (!data.ended) {
          schedule(every);
        }
      })
      .catch(function () {
        failures += 1;
        schedule(every * Math.min(8, Math.pow(2, failures))); // back off while it fails
      });
  }

  button.addEventListener("click", insertPending);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) {
      schedule(0);
    }
  });
  schedule(every);
})();
