/* A menu inside a table region that scrolls sideways would be clipped by that region: while it
   is open it is placed against the viewport, under its button (above it when there is no room
   below), and follows the button when the page or the region scrolls. */
(function () {
  "use strict";
  var GAP = 4, MARGIN = 8;

  function place(details) {
    var menu = details.querySelector(".menu");
    var summary = details.querySelector("summary");
    if (!menu || !summary) return;
    menu.classList.add("floating");
    var button = summary.getBoundingClientRect();
    var height = menu.offsetHeight, width = menu.offsetWidth;
    var top = button.bottom + GAP;
    if (top + height > window.innerHeight && button.top - GAP - height >= 0) top = button.top - GAP - height;
    var left = Math.max(MARGIN, Math.min(button.right - width, window.innerWidth - width - MARGIN));
    menu.style.top = top + "px";
    menu.style.left = left + "px";
  }

  function placeOpenMenus() {
    document.querySelectorAll(".table-scroll details[open]").forEach(place);
  }

  // "toggle" does not bubble: listen in the capture phase.
  document.addEventListener("toggle", function (event) {
    var details = event.target;
    if (details instanceof HTMLDetailsElement && details.open && details.closest(".table-scroll")) place(details);
  }, true);
  document.addEventListener("scroll", placeOpenMenus, true);
  window.addEventListener("resize", placeOpenMenus);
})();
