/*
 * submit.js — live character counters for the case form (progressive
 * enhancement: the form works without it, and the server checks every
 * limit).  Counts code points, as the server does; line breaks count one.
 * Each section's toolbar writes the formatting (heading, bold, lists)
 * around the selection, so that clerks need not know its syntax.
 */
(function () {
  'use strict';
  var form = document.getElementById('submit-form');
  if (!form) return;
  function count(s) {
    var n = 0;
    for (var i = 0; i < s.length; i++) {
      var c = s.charCodeAt(i);
      if (c < 0xdc00 || c > 0xdfff) n++; /* a low surrogate ends a pair counted once */
    }
    return n;
  }
  var total = document.getElementById('total-count');
  var fields = form.querySelectorAll('[data-max]');
  function update() {
    var sum = 0;
    for (var i = 0; i < fields.length; i++) {
      var f = fields[i];
      if (f === total) continue;
      var n = count(f.value.replace(/\r\n/g, '\n'));
      var max = parseInt(f.getAttribute('data-max'), 10);
      var out = document.getElementById(f.id + '-count');
      if (out) {
        out.hidden = false;
        out.textContent = n + ' / ' + max;
        out.classList.toggle('over', n > max);
      }
      if (f.hasAttribute('data-section')) sum += n;
    }
    if (total) {
      var tmax = parseInt(total.getAttribute('data-max'), 10);
      var tmin = parseInt(total.getAttribute('data-min'), 10);
      var span = total.querySelector('span');
      if (span) span.textContent = sum;
      total.classList.toggle('over', sum > tmax);
      total.classList.toggle('under', sum < tmin);
    }
  }
  form.addEventListener('input', update);
  update();

  function lines(area, prefix, numbered) {
    var s = area.selectionStart, e = area.selectionEnd, v = area.value;
    var start = v.lastIndexOf('\n', s - 1) + 1;
    var block = v.slice(start, e).split('\n');
    for (var i = 0; i < block.length; i++)
      block[i] = (numbered ? (i + 1) + '. ' : prefix) + block[i];
    var text = block.join('\n');
    area.value = v.slice(0, start) + text + v.slice(e);
    area.setSelectionRange(start, start + text.length);
  }
  function wrap(area, mark) {
    var s = area.selectionStart, e = area.selectionEnd, v = area.value;
    area.value = v.slice(0, s) + mark + v.slice(s, e) + mark + v.slice(e);
    area.setSelectionRange(s + mark.length, e + mark.length);
  }
  var bars = form.querySelectorAll('.md-toolbar');
  for (var b = 0; b < bars.length; b++) {
    bars[b].hidden = false;
    bars[b].addEventListener('click', function (ev) {
      var kind = ev.target.getAttribute('data-md');
      var area = document.getElementById(this.getAttribute('data-for'));
      if (!kind || !area) return;
      if (kind === 'bold') wrap(area, '**');
      else if (kind === 'heading') lines(area, '### ');
      else if (kind === 'list') lines(area, '- ');
      else if (kind === 'numbered') lines(area, '', true);
      area.focus();
      update();
    });
  }
})();
