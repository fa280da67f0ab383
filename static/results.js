/*
 * results.js — sorts the results' table by region when a column's heading
 * is clicked (again: the other way), numbers largest first.  Without
 * scripts the table keeps its order by region code.
 */
(function () {
  'use strict';
  document.querySelectorAll('table[data-sortable]').forEach(function (table) {
    var heads = table.querySelectorAll('thead th[data-sort]');
    var help = document.querySelector('.sort-help');
    if (help) help.hidden = false;
    heads.forEach(function (th, col) {
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'sort';
      button.textContent = th.textContent;
      th.textContent = '';
      th.appendChild(button);
      th.setAttribute('aria-sort', 'none');
      button.addEventListener('click', function () {
        var numeric = th.getAttribute('data-sort') === 'number';
        var down = th.getAttribute('aria-sort') !== (numeric ? 'descending' : 'ascending');
        var rows = Array.prototype.slice.call(table.tBodies[0].rows);
        function key(row) {
          var cell = row.cells[col];
          var v = cell.getAttribute('data-value') || cell.textContent;
          return numeric ? Number(v) : v;
        }
        rows.sort(function (a, b) {
          var x = key(a), y = key(b);
          var c = x < y ? -1 : x > y ? 1 : 0;
          if (numeric) c = -c;
          return down ? c : -c;
        });
        rows.forEach(function (r) { table.tBodies[0].appendChild(r); });
        heads.forEach(function (h) { h.setAttribute('aria-sort', 'none'); });
        th.setAttribute('aria-sort', down === numeric ? 'descending' : 'ascending');
      });
    });
  });
})();
