// Behaviours shared by every page, declared in the markup with data- attributes so that no
// page needs an inline script or an on*= handler (the Content-Security-Policy forbids both).
(function () {
  "use strict";

  // <form data-confirm="…"> or <button data-confirm="…">: ask before submitting. The text is
  // read from an attribute, so user text (a centre's name) never becomes JavaScript source.
  document.addEventListener("submit", function (evt) {
    const form = evt.target;
    const submitter = evt.submitter;
    const text = (submitter && submitter.dataset.confirm) || form.dataset.confirm;
    if (text && !window.confirm(text)) {
      evt.preventDefault();
      evt.stopImmediatePropagation();
    }
  }, true);

  // <select data-auto-submit>: choosing an option submits its form.
  document.addEventListener("change", function (evt) {
    const el = evt.target;
    if (el.matches && el.matches("select[data-auto-submit]") && el.form) {
      el.form.requestSubmit ? el.form.requestSubmit() : el.form.submit();
    }
  });

  // A list changed inside a form tells the form "select-changed", so htmx forms can trigger on
  // it (hx-trigger="select-changed") without an event filter, which htmx would have to eval.
  document.addEventListener("change", function (evt) {
    const el = evt.target;
    if (el.tagName === "SELECT" && el.form) {
      el.form.dispatchEvent(new CustomEvent("select-changed"));
    }
  });

  // <input type="checkbox" data-select-all="CSS selector">: ticks every box it names.
  document.addEventListener("change", function (evt) {
    const el = evt.target;
    if (!el.matches || !el.matches("input[data-select-all]")) return;
    for (const box of document.querySelectorAll(el.dataset.selectAll)) {
      box.checked = el.checked;
    }
  });
})();

// A rate-limited htmx request answers 429 with a short Chinese notice: show it in place.
document.addEventListener("htmx:beforeSwap", function (evt) {
  if (evt.detail.xhr.status === 429) {
    evt.detail.shouldSwap = true;
    evt.detail.isError = false;
  }
});
