// The export form's "Select all" toggle, wired here because the Content-Security-Policy blocks the
// inline onchange handler django-import-export's template carries (templates/admin/import_export/export.html).
// onSelectToggleChange comes from import_export/export_selectable_fields.js, loaded with the form's media.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("input.select-toggle").forEach((toggle) => {
    toggle.addEventListener("change", (event) => onSelectToggleChange(event));
  });
});
