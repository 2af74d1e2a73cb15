/* Forms that ask before they act: <form data-confirm="Remove dev from Vision?">.
   A static file, not an inline onsubmit: the Content-Security-Policy allows no inline handlers. */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });
})();
