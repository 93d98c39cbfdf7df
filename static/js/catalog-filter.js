// The catalog page: empty filters are left out of the request so shared links stay short.
document.addEventListener("htmx:configRequest", function (evt) {
  if (evt.detail.elt.id !== "catalog-filter") return;
  Array.from(evt.detail.formData.entries()).forEach(function ([name, value]) {
    if (value === "") evt.detail.formData.delete(name);
  });
});
