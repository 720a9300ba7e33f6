// Binds the export page's "Select all" box to django-import-export's own handler: the
// package wires it with an inline onchange attribute, which the Content Security Policy blocks.
document.addEventListener("DOMContentLoaded", () => {
  const toggle = document.querySelector(".select-toggle");
  if (toggle && typeof onSelectToggleChange === "function") {
    toggle.addEventListener("change", onSelectToggleChange);
  }
});
