/* campaigns.js — a small toolbar over the call notice's text area: heading,
 * bold, lists.  The text stays plain Markdown the server renders; without
 * JavaScript the area and the preview button work as they are. */
(function () {
  'use strict';
  var bar = document.querySelector('.md-toolbar');
  if (!bar) return;
  var area = document.getElementById(bar.getAttribute('data-for'));
  if (!area) return;
  bar.hidden = false;
  function lines(prefix, numbered) {
    var s = area.selectionStart, e = area.selectionEnd, v = area.value;
    var start = v.lastIndexOf('\n', s - 1) + 1;
    var block = v.slice(start, e).split('\n');
    for (var i = 0; i < block.length; i++)
      block[i] = (numbered ? (i + 1) + '. ' : prefix) + block[i];
    var text = block.join('\n');
    area.value = v.slice(0, start) + text + v.slice(e);
    area.setSelectionRange(start, start + text.length);
  }
  function wrap(mark) {
    var s = area.selectionStart, e = area.selectionEnd, v = area.value;
    area.value = v.slice(0, s) + mark + v.slice(s, e) + mark + v.slice(e);
    area.setSelectionRange(s + mark.length, e + mark.length);
  }
  bar.addEventListener('click', function (ev) {
    var kind = ev.target.getAttribute('data-md');
    if (!kind) return;
    if (kind === 'bold') wrap('**');
    else if (kind === 'heading') lines('## ');
    else if (kind === 'list') lines('- ');
    else if (kind === 'numbered') lines('', true);
    area.focus();
  });
})();
