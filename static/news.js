/*
 * news.js — the news editor's toolbar: buttons that write the Markdown
 * syntax around the selection in the body (bold, a heading, lists, a
 * quote, a link, an uploaded image), so clerks need not know it.  Without
 * scripts the toolbar stays hidden and the text area works as typed.
 */
(function () {
  'use strict';
  var body = document.getElementById('body');
  var bar = document.querySelector('.md-toolbar');
  if (!body || !bar) return;
  bar.hidden = false;

  function replace(before, inner, after) {
    var s = body.selectionStart, e = body.selectionEnd, v = body.value;
    body.value = v.slice(0, s) + before + inner + after + v.slice(e);
    body.focus();
    body.setSelectionRange(s + before.length, s + before.length + inner.length);
  }
  /*
   * Prefix each selected line (the whole current line when nothing is
   * selected), with a blank line before and after, so that the block does
   * not run into the text around it.
   */
  function lines(prefix) {
    var v = body.value, s = v.lastIndexOf('\n', body.selectionStart - 1) + 1;
    var e = v.indexOf('\n', body.selectionEnd);
    if (e < 0) e = v.length;
    var n = 0;
    var text = v.slice(s, e).split('\n').map(function (l) {
      n += 1;
      return (typeof prefix === 'function' ? prefix(n) : prefix) + l;
    }).join('\n');
    var before = s > 0 && v.slice(s - 2, s) !== '\n\n' ? '\n' : '';
    var after = e < v.length && v.slice(e, e + 2) !== '\n\n' ? '\n' : '';
    body.value = v.slice(0, s) + before + text + after + v.slice(e);
    body.focus();
    body.setSelectionRange(s + before.length, s + before.length + text.length);
  }
  function selected() {
    return body.value.slice(body.selectionStart, body.selectionEnd);
  }
  var tools = {
    bold: function () { replace('**', selected() || '加粗文字', '**'); },
    heading: function () { lines('## '); },
    ul: function () { lines('- '); },
    ol: function () { lines(function (n) { return n + '. '; }); },
    quote: function () { lines('> '); },
    link: function (b) {
      var url = window.prompt(b.getAttribute('data-prompt') || 'URL', 'https://');
      if (url) replace('[', selected() || url, '](' + url + ')');
    },
    image: function () {
      var list = document.getElementById('images');
      if (list) list.scrollIntoView();
    }
  };
  bar.addEventListener('click', function (ev) {
    var b = ev.target.closest('button[data-md]');
    if (b && tools[b.getAttribute('data-md')]) tools[b.getAttribute('data-md')](b);
  });
  document.querySelectorAll('button[data-insert]').forEach(function (b) {
    b.hidden = false;
    b.addEventListener('click', function () {
      replace('\n' + b.getAttribute('data-insert') + '\n', '', '');
      body.scrollIntoView();
    });
  });
})();
