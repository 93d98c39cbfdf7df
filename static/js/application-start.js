// The start page: the chosen qualifying condition, the unit search and the unit list.
(function () {
  var form = document.getElementById("start-form");
  if (!form) return;
  // Show only the fields of the chosen condition; hidden ones keep what was typed.
  function showBasis() {
    var checked = form.querySelector(".basis-radio:checked");
    var basis = checked ? checked.value : "catalog";
    form.querySelectorAll("[data-basis]").forEach(function (el) {
      el.hidden = el.dataset.basis.split(" ").indexOf(basis) < 0;
    });
  }
  form.addEventListener("change", function (evt) {
    if (evt.target.classList.contains("basis-radio")) showBasis();
  });
  // Enter in the search box searches; it must not create the application.
  document.getElementById("unit-search").addEventListener("keydown", function (evt) {
    if (evt.key === "Enter") evt.preventDefault();
  });
  // A unit chosen after a refused submit answers the list's error; the server checks again.
  var unitSelect = document.getElementById("id_unit");
  unitSelect.addEventListener("change", function () {
    var unitError = document.getElementById("id_unit_error");
    if (!unitSelect.value || !unitError) return;
    unitSelect.classList.remove("is-invalid");
    unitSelect.removeAttribute("aria-invalid");
    unitError.hidden = true;
  });
  // Picking a search result selects it in the list, which loads its levels.
  form.addEventListener("click", function (evt) {
    var pick = evt.target.closest("[data-unit-pick]");
    if (!pick) return;
    var select = document.getElementById("id_unit");
    select.value = pick.dataset.unitPick;
    select.dispatchEvent(new Event("change", { bubbles: true }));
    form.querySelectorAll("[data-unit-pick]").forEach(function (el) {
      el.classList.toggle("active", el === pick);
    });
  });
})();
