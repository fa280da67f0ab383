/*
 * export_search.js — search in a static export of the site (laurel
 * export-site): the search page's ?q= looked up in search-index.json
 * (src/web/export_index.c says its shape), the hits listed as the live
 * site's case list.  A word of two characters or more is the intersection
 * of its character pairs' lists, checked against the text; one character is
 * a scan.  Every word must match.
 */
(function () {
  'use strict';
  var hits = document.getElementById('export-hits');
  var count = document.getElementById('export-count');
  if (!hits || !count) return;
  var q = new URLSearchParams(location.search).get('q') || '';
  var box = document.getElementById('q');
  if (box) box.value = q;
  var words = lower(q).split(/\s+/).filter(function (w) { return w.length > 0; });
  if (!words.length) return;
  var indexUrl = new URL(hits.getAttribute('data-index'), location.href);
  var root = new URL('.', indexUrl);

  function lower(s) {
    return s.replace(/[A-Z]/g, function (c) { return c.toLowerCase(); });
  }

  function text(doc) {
    return lower([doc[1], doc[2], doc[3], doc[7]].join('\n'));
  }

  /* The docs holding word: by its pairs' lists, or all of them for one character. */
  function candidates(index, word) {
    var chars = Array.from(word);
    if (chars.length < 2) return null;
    var found = null;
    for (var i = 0; i + 1 < chars.length; i++) {
      var list = index.grams[chars[i] + chars[i + 1]] || [];
      if (found === null) {
        found = list.slice();
      } else {
        var keep = new Set(list);
        found = found.filter(function (d) { return keep.has(d); });
      }
      if (!found.length) break;
    }
    return found;
  }

  function search(index) {
    var docs = index.docs;
    var pool = null;
    words.forEach(function (w) {
      var c = candidates(index, w);
      if (c === null) return;
      if (pool === null) {
        pool = c;
      } else {
        var keep = new Set(c);
        pool = pool.filter(function (d) { return keep.has(d); });
      }
    });
    if (pool === null) pool = docs.map(function (d, i) { return i; });
    return pool.filter(function (d) {
      var t = text(docs[d]);
      return words.every(function (w) { return t.indexOf(w) >= 0; });
    });
  }

  function el(tag, cls, content) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (content) e.textContent = content;
    return e;
  }

  function show(index, found) {
    count.hidden = false;
    if (!found.length) {
      count.className = 'empty';
      count.textContent = count.getAttribute('data-none');
      return;
    }
    count.textContent = count.getAttribute('data-before') + ' ' + found.length + ' ' +
      count.getAttribute('data-after');
    found.slice(0, 500).forEach(function (d) {
      var doc = index.docs[d];
      var li = el('li', 'case-item');
      var h = el('h3');
      var a = el('a', '', doc[1]);
      a.href = new URL(doc[0], root).href;
      h.appendChild(a);
      li.appendChild(h);
      var meta = el('p', 'meta');
      meta.appendChild(el('span', 'region', doc[3]));
      meta.appendChild(document.createTextNode(' '));
      meta.appendChild(el('span', 'track', doc[4]));
      if (doc[5]) {
        meta.appendChild(document.createTextNode(' '));
        meta.appendChild(el('span', 'tier tier-' + doc[8], doc[5]));
      }
      meta.appendChild(document.createTextNode(' '));
      var time = el('time', '', doc[6]);
      time.setAttribute('datetime', doc[6]);
      meta.appendChild(time);
      li.appendChild(meta);
      li.appendChild(el('p', 'summary', doc[2]));
      hits.appendChild(li);
    });
  }

  fetch(indexUrl.href)
    .then(function (r) { return r.json(); })
    .then(function (index) { show(index, search(index)); })
    .catch(function () {
      count.hidden = false;
      count.textContent = count.getAttribute('data-none');
    });
})();
