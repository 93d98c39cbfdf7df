// The 申报表 edit page: expert rows (add via htmx, remove in place, warning when a
// certificate copy goes with the row) and a guard against leaving with unsaved typing.
(function () {
  "use strict";

  const form = document.getElementById("application-form");
  if (!form) return;
  const rows = document.getElementById("expert-rows");
  const total = document.getElementById("id_experts-TOTAL_FORMS");
  const addButton = document.getElementById("add-expert");
  const empty = document.getElementById("experts-empty");
  const status = document.getElementById("experts-status");
  let dirty = false;
  let removed = 0;
  // Removed rows whose expert has a certificate copy uploaded: it goes with them on save.
  let removedCertificates = 0;

  function allRows() {
    return Array.from(rows.querySelectorAll("tr[data-expert-row]"));
  }

  // Visible rows are numbered 1..n; removed rows stay in the form (DELETE ticked) but hidden.
  function renumber() {
    let n = 0;
    for (const row of allRows()) {
      if (row.hidden) continue;
      n += 1;
      row.querySelector(".expert-number").textContent = n;
      // The hidden labels name each input by its row: "第2位专家 姓名".
      for (const number of row.querySelectorAll("[data-expert-number]")) {
        number.textContent = n;
      }
      const remove = row.querySelector("[data-remove-expert]");
      if (remove) remove.setAttribute("aria-label", "移除第" + n + "位专家");
    }
    if (empty) empty.hidden = n > 0;
  }

  // The next row's prefix index is the number of forms the management form announces.
  document.body.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.elt !== addButton) return;
    const params = event.detail.parameters;
    if (typeof params.set === "function") params.set("index", total.value);
    else params.index = total.value;
  });

  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target !== rows) return;
    total.value = allRows().length;
    dirty = true;
    renumber();
    const last = allRows().pop();
    // The new row's first visible field (never the hidden DELETE box), so typing goes on there.
    const first =
      last &&
      Array.from(last.querySelectorAll("input:not([type=hidden]), select, textarea")).find(
        (field) => field.getClientRects().length > 0 && !field.name.endsWith("-DELETE")
      );
    if (first) first.focus();
  });

  // An upload or delete below replaces the attachments block: bring the table's
  // certificate column (and the warning on removing such an expert) in step with it.
  document.body.addEventListener("htmx:load", function (event) {
    const block = event.target;
    if (!(block instanceof HTMLElement) || block.id !== "attachments") return;
    const certified = new Set((block.dataset.certifiedExperts || "").split(",").filter(Boolean));
    for (const row of allRows()) {
      const id = row.querySelector("input[type=hidden][name$='-id']");
      const cell = row.querySelector("[data-testid=expert-certificate]");
      if (!id || !id.value || !cell) continue;
      const has = certified.has(id.value);
      row.toggleAttribute("data-has-certificate", has);
      const badge = document.createElement("span");
      badge.className = "badge " + (has ? "text-bg-success" : "text-bg-warning");
      badge.textContent = has ? "已上传" : "未上传";
      cell.replaceChildren(badge);
    }
  });

  // The session ended: a redirect would replace the table, so explain instead.
  document.body.addEventListener("htmx:responseError", function (event) {
    if (event.detail.elt !== addButton) return;
    const xhr = event.detail.xhr;
    const known = xhr.status === 401 || xhr.status === 409;
    window.alert(known && xhr.responseText ? xhr.responseText : "添加失败，请稍后重试。");
  });

  rows.addEventListener("click", function (event) {
    const button = event.target.closest("[data-remove-expert]");
    if (!button) return;
    const row = button.closest("tr[data-expert-row]");
    const typed = Array.from(row.querySelectorAll("input[type=text], select")).some(
      (input) => input.value.trim() !== ""
    );
    const certified = row.hasAttribute("data-has-certificate");
    if (certified) {
      // Saving deletes the uploaded certificate too: always ask, and say so.
      const nameInput = row.querySelector("input[name$='-name']");
      const name = nameInput && nameInput.value.trim();
      const who = name ? "专家“" + name + "”" : "这位专家";
      const question = "确定移除" + who + "吗？其证书复印件也将一并删除。保存草稿后生效。";
      if (!window.confirm(question)) return;
    } else if (typed && !window.confirm("确定移除这位专家吗？保存草稿后生效。")) {
      return;
    }
    const checkbox = row.querySelector("input[type=checkbox][name$='-DELETE']");
    if (checkbox) checkbox.checked = true;
    row.hidden = true;
    dirty = true;
    removed += 1;
    if (certified) removedCertificates += 1;
    if (status) {
      status.textContent =
        "已移除 " +
        removed +
        " 位专家" +
        (removedCertificates ? "（其中 " + removedCertificates + " 位的证书复印件将一并删除）" : "") +
        "，保存草稿后生效。";
    }
    renumber();
  });

  form.addEventListener("input", function () {
    dirty = true;
  });
  form.addEventListener("change", function () {
    dirty = true;
  });
  form.addEventListener("submit", function () {
    dirty = false;
  });
  window.addEventListener("beforeunload", function (event) {
    if (!dirty) return;
    event.preventDefault();
    event.returnValue = "";
  });

  renumber();
})();
