/* confirm.js — before a step that cannot be taken back (submit a case,
 * endorse it, release assignments), the button's data-confirm text says
 * what will happen and asks; cancelling sends nothing.  Without JavaScript
 * the forms work as they are, and the server's rules hold either way. */
(function () {
  'use strict';
  document.addEventListener('click', function (ev) {
    var b = ev.target.closest ? ev.target.closest('[data-confirm]') : null;
    if (b && !window.confirm(b.getAttribute('data-confirm'))) ev.preventDefault();
  });
})();
