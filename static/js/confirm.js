/* Forms that ask before they act: <form data-confirm="Remove dev from Vision?">, or the button
   that submits one: <button form="scale-form" data-confirm="Stop nb?"> (its question wins).
   A static file, not an inline onsubmit: the Content-Security-Policy allows no inline handlers. */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    var question = (event.submitter && event.submitter.dataset.confirm) || form.dataset.confirm;
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
})();
