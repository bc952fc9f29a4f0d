// Starts the design system's components (menus, accordions, details) on every page.
// A plain script, not a module: the CSP allows only files from our own origin.
(function () {
  'use strict';
  document.documentElement.classList.add('js');
  if (window.DKFDS && typeof window.DKFDS.init === 'function') {
    window.DKFDS.init();
  }
})();
