// The centre's decision form: the reason for differing from the unit's intention is asked
// for only when the chosen recommendation differs from it.
(function () {
  "use strict";
  const box = document.getElementById("differs-field");
  const form = document.getElementById("decision-form");
  if (!box || !form) return;
  const text = box.querySelector("textarea");
  const update = () => {
    const chosen = form.querySelector('input[name="recommendation"]:checked')?.value;
    const differs = (chosen === "lead" || chosen === "participant") && chosen !== box.dataset.intention;
    box.hidden = !differs && !text.value.trim() && !text.classList.contains("is-invalid");
  };
  form.addEventListener("change", update);
  update();
})();
