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
// Every page: buttons that start slow work show they are busy and cannot be pressed twice;
// the 申报表's sticky save bar never hides the field the keyboard is on.
// No inline script anywhere (strict CSP): behaviour hangs off data- attributes and events.
(function () {
  "use strict";

  const BUSY_TEXT = "正在处理，请稍候…";
  // A download or a slow server may leave the page in place: give the button back after this.
  const BUSY_TIMEOUT_MS = 20000;

  // The button keeps its label and gains a spinner (portal.css); screen readers hear the
  // polite announcement of base.html's #busy-status region.
  function setBusy(button, busy) {
    if (!button || !(button instanceof HTMLElement)) return;
    const status = document.getElementById("busy-status");
    if (busy) {
      button.setAttribute("aria-busy", "true");
      button.setAttribute("aria-disabled", "true");
      if (status) status.textContent = button.dataset.busyText || BUSY_TEXT;
    } else {
      button.removeAttribute("aria-busy");
      button.removeAttribute("aria-disabled");
      if (status) status.textContent = "";
    }
  }

  // Ordinary form posts: the first submit goes through, any further one is dropped.
  // The decision waits until every listener has run (setTimeout 0): a confirmation step in a
  // form's own handler or in another script may still cancel the submission, and a cancelled
  // one (defaultPrevented) must never leave a busy button or a blocked form behind.
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || event.defaultPrevented) return;
    if (form.hasAttribute("data-no-busy")) return;
    if (form.dataset.busy === "true") {
      event.preventDefault();
      return;
    }
    const button = event.submitter || form.querySelector("[type=submit]");
    window.setTimeout(function () {
      if (event.defaultPrevented) return;
      form.dataset.busy = "true";
      setBusy(button, true);
      window.setTimeout(function () {
        delete form.dataset.busy;
        setBusy(button, false);
      }, BUSY_TIMEOUT_MS);
    }, 0);
  });

  // Coming back with the browser's back button shows the page as it was: not busy.
  window.addEventListener("pageshow", function () {
    for (const form of document.querySelectorAll("form[data-busy]")) delete form.dataset.busy;
    for (const button of document.querySelectorAll("[aria-busy=true]")) setBusy(button, false);
  });

  // htmx requests started by a button: busy until the answer has arrived.
  document.addEventListener("htmx:beforeRequest", function (event) {
    const elt = event.detail.elt;
    const button =
      elt instanceof HTMLButtonElement ? elt : elt.querySelector && elt.querySelector("[type=submit]");
    if (button) setBusy(button, true);
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    const elt = event.detail.elt;
    const button =
      elt instanceof HTMLButtonElement ? elt : elt.querySelector && elt.querySelector("[type=submit]");
    if (button && document.contains(button)) setBusy(button, false);
  });

  // The sticky save bar's real height (it wraps to two lines on a phone) becomes the page's
  // scroll padding, so a field reached with Tab is scrolled above the bar, not under it.
  const bar = document.querySelector("[data-sticky-savebar]");
  if (bar) {
    const measure = function () {
      document.documentElement.style.setProperty(
        "--portal-savebar-height",
        bar.getBoundingClientRect().height + 16 + "px"
      );
    };
    measure();
    window.addEventListener("resize", measure);
    // A tall field (a textarea) is scrolled only as far as its caret: lift the rest of it
    // above the bar too, as long as its top stays on screen.
    const lift = function (field) {
      const box = field.getBoundingClientRect();
      const overlap = box.bottom + 8 - bar.getBoundingClientRect().top;
      if (overlap > 0) window.scrollBy({ top: Math.min(overlap, box.top - 8), behavior: "instant" });
    };
    document.addEventListener("focusin", function (event) {
      const field = event.target;
      if (!(field instanceof HTMLElement) || bar.contains(field)) return;
      window.requestAnimationFrame(function () {
        lift(field);
      });
    });
  }
})();
