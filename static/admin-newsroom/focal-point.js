// Photo admin: click on the preview to set the focal point. The click writes the
// focal_x / focal_y inputs (0–1 from the left / top edge), which stay editable by
// hand and are all the form sends; without JavaScript the inputs alone work.
"use strict";

(function () {
  const DECIMALS = 3;

  function clamp(value) {
    return Math.min(1, Math.max(0, value));
  }

  function init() {
    const box = document.querySelector("[data-focal-point]");
    const inputX = document.getElementById("id_focal_x");
    const inputY = document.getElementById("id_focal_y");
    if (!box || !inputX || !inputY) return;
    const image = box.querySelector("img");
    const marker = box.querySelector(".focal-point__marker");
    if (!image || !marker) return;

    function showMarker() {
      const x = parseFloat(inputX.value);
      const y = parseFloat(inputY.value);
      if (Number.isNaN(x) || Number.isNaN(y)) {
        marker.hidden = true;
        return;
      }
      marker.style.left = clamp(x) * 100 + "%";
      marker.style.top = clamp(y) * 100 + "%";
      marker.hidden = false;
    }

    box.classList.add("focal-point--active");
    const help = box.parentNode.querySelector(".focal-point__help");
    if (help) help.hidden = false;
    image.addEventListener("click", function (event) {
      const rect = image.getBoundingClientRect();
      if (!rect.width || !rect.height) return;
      inputX.value = clamp((event.clientX - rect.left) / rect.width).toFixed(DECIMALS);
      inputY.value = clamp((event.clientY - rect.top) / rect.height).toFixed(DECIMALS);
      inputX.dispatchEvent(new Event("change", { bubbles: true }));
      inputY.dispatchEvent(new Event("change", { bubbles: true }));
      showMarker();
    });
    inputX.addEventListener("input", showMarker);
    inputY.addEventListener("input", showMarker);
    showMarker();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
