// Accessible names the stock admin widgets lack (found by axe-core, tests/browser/test_axe_admin.py):
// - select2 (the autocomplete fields) names its combobox by the chosen value only, so an empty
//   one has no name: it is named by the field's label (or its column's header in a tabular
//   inline) followed by the chosen value (select2 re-renders on every choice: done again then);
// - the fields of tabular inline rows have their label only in the column header: each gets it
//   as its aria-label;
// - the filter_horizontal widget's search icon carries an aria-label without a role.
// Runs after the admin's own scripts have built the widgets, and again for every inline row added.
'use strict';
(function () {
  function labelText(field) {
    var label = field.id ? document.querySelector('label[for="' + field.id + '"]') : null;
    if (label) return label.textContent.replace(/[:*]\s*$/, '').trim();
    var cell = field.closest('td');
    var table = field.closest('table');
    if (!cell || !table) return '';
    var column = Array.prototype.slice.call(cell.classList).filter(function (name) {
      return name.indexOf('field-') === 0;
    })[0];
    var header = column ? table.querySelector('thead th.column-' + column.slice(6)) : null;
    if (!header && cell.classList.contains('delete')) header = table.querySelector('thead th:last-child');
    return header ? header.textContent.trim() : '';
  }

  function nameSelect2(select) {
    var selection = select.parentElement.querySelector('.select2-selection');
    var text = labelText(select);
    if (!selection || !text) return;
    var id = select.id + '-accessible-name';
    if (!document.getElementById(id)) {
      var name = document.createElement('span');
      name.id = id;
      name.hidden = true;
      name.textContent = text;
      select.parentElement.appendChild(name);
    }
    var rendered = selection.querySelector('.select2-selection__rendered');
    if (rendered && rendered.getAttribute('role') === 'textbox') {
      // A read-only "textbox" inside the combobox, named by nothing: it is only the chosen
      // value, which the combobox's name below includes.
      rendered.removeAttribute('role');
      rendered.removeAttribute('aria-readonly');
    }
    selection.setAttribute('aria-labelledby', id + (rendered && rendered.id ? ' ' + rendered.id : ''));
    var search = selection.querySelector('.select2-search__field');
    if (search) search.setAttribute('aria-label', text);
  }

  function nameInlineFields(root) {
    root.querySelectorAll('.tabular tbody td input, .tabular tbody td select, .tabular tbody td textarea').forEach(
      function (field) {
        if (field.type === 'hidden' || field.getAttribute('aria-label')) return;
        if (field.id && document.querySelector('label[for="' + field.id + '"]')) return;
        var text = labelText(field);
        if (text) field.setAttribute('aria-label', text);
      }
    );
  }

  function fix(root) {
    root.querySelectorAll('select.admin-autocomplete').forEach(function (select) {
      nameSelect2(select);
      if (!select.dataset.accessibleNameKept && window.django && window.django.jQuery) {
        select.dataset.accessibleNameKept = 'yes';
        window.django.jQuery(select).on('change', function () { nameSelect2(select); });
      }
    });
    nameInlineFields(root);
    root.querySelectorAll('.help-tooltip[aria-label]:not([role])').forEach(function (icon) {
      icon.setAttribute('role', 'img');
    });
  }

  window.addEventListener('load', function () {
    window.setTimeout(function () { fix(document); }, 0);  // after the admin's own load handlers
  });
  document.addEventListener('formset:added', function (event) {
    window.setTimeout(function () { fix(event.target); }, 0);
  });
})();
