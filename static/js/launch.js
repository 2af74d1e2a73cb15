/* Launch form: show only the fields the chosen type uses. Each type-specific field's row names
   its types in data-shown-for (rendered from the type registry); without script every field shows. */
(function () {
  "use strict";
  var type = document.getElementById("id_type");
  if (!type) return;
  function update() {
    document.querySelectorAll("[data-shown-for]").forEach(function (row) {
      row.hidden = row.dataset.shownFor.split(" ").indexOf(type.value) === -1;
    });
  }
  type.addEventListener("change", update);
  update();
})();
