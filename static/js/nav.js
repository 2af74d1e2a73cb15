/* The header on a narrow screen: the page links and Sign out fold behind a "Menu" button
   (a disclosure: aria-expanded on the button, Escape or a click elsewhere closes it).
   Without this script the header simply wraps onto more lines. */
(function () {
  "use strict";
  var toggle = document.querySelector("[data-nav-toggle]");
  if (!toggle) return;
  var panel = document.getElementById(toggle.getAttribute("aria-controls"));
  var header = toggle.closest("header");
  header.classList.add("collapsible");

  function setOpen(open) {
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    panel.classList.toggle("open", open);
  }

  toggle.addEventListener("click", function () {
    setOpen(toggle.getAttribute("aria-expanded") !== "true");
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || toggle.getAttribute("aria-expanded") !== "true") return;
    setOpen(false);
    toggle.focus();
  });
  document.addEventListener("click", function (event) {
    if (toggle.getAttribute("aria-expanded") === "true" && !header.contains(event.target)) setOpen(false);
  });
})();
