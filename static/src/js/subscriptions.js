// The summary-email settings: Enter in the initiative search box searches (elsewhere in the form
// it saves), and after a search the focus goes to its result, so a screen reader reads it out.
(function () {
  'use strict';
  var query = document.getElementById('id_initiative_query');
  var find = document.getElementById('find-initiatives');
  if (query && find) {
    query.addEventListener('keydown', function (event) {
      if (event.key === 'Enter') {
        event.preventDefault();
        find.click();
      }
    });
  }
  var matches = document.getElementById('initiative-matches');
  if (matches) {
    matches.focus();
  }
})();
