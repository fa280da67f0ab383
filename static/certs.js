// certs.js — the certificates' progress on /admin/results: while the batch
// runs, ask the page's JSON twin once a second and move the bar; reload the
// page when the batch is done, so that its downloads show.
(function () {
  var box = document.querySelector('.certs-batch[data-state="running"]');
  if (!box) return;
  var bar = box.querySelector('progress'), count = box.querySelector('.certs-count');
  function poll() {
    fetch('/api/v1/admin/results', {headers: {Accept: 'application/json'}, credentials: 'same-origin'})
      .then(function (r) { return r.json(); })
      .then(function (m) {
        var c = m.certs || {};
        if (c.state !== 'running') { location.reload(); return; }
        if (bar) { bar.max = c.total || 1; bar.value = c.done; }
        if (count) count.textContent = c.done + ' / ' + c.total;
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 1000);
})();
