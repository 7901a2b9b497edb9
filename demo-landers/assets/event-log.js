// The demo's event log: a small panel listing the kfunnel:* events of this visit, newest first, kept in
// sessionStorage so a purchase fired just before a page change still shows on the next page. A file,
// not inline, so the demo's strict Content-Security-Policy holds. It shows no personal data: event
// names, actions, codes and, for kfunnel:purchase, the GA4 fields (transaction_id, value, currency).
(function () {
  var KEY = 'kf_demo_events';
  var NAMES = ['ready', 'session', 'before-submit', 'success', 'error', 'redirect', 'purchase'];
  var entries = [];
  try { entries = JSON.parse(sessionStorage.getItem(KEY) || '[]'); } catch (e) { entries = []; }

  function summary(name, detail) {
    detail = detail || {};
    if (name === 'purchase') {
      return [detail.transaction_id, detail.value != null ? detail.value + ' ' + (detail.currency || '') : '', (detail.items || []).length + ' item(s)'].join(' \u00b7 ');
    }
    if (name === 'error') return [detail.action, detail.code].filter(Boolean).join(' \u00b7 ');
    if (name === 'session' || name === 'ready') return detail.pageType || '';
    if (name === 'redirect') return detail.action || '';
    return [detail.action, detail.partial ? 'partial' : '', detail.replayed ? 'replayed' : ''].filter(Boolean).join(' \u00b7 ');
  }

  var panel = document.createElement('details');
  panel.className = 'event-log';
  panel.id = 'event-log';
  var title = document.createElement('summary');
  var list = document.createElement('ol');
  panel.appendChild(title);
  panel.appendChild(list);

  function render() {
    title.textContent = 'kfunnel events (' + entries.length + ')';
    list.textContent = '';
    entries.forEach(function (entry) {
      var item = document.createElement('li');
      item.setAttribute('data-event', entry.name);
      var name = document.createElement('code');
      name.textContent = 'kfunnel:' + entry.name;
      item.appendChild(name);
      item.appendChild(document.createTextNode(' ' + entry.page + (entry.text ? ' \u2014 ' + entry.text : '')));
      list.appendChild(item);
    });
  }

  NAMES.forEach(function (name) {
    document.addEventListener('kfunnel:' + name, function (event) {
      // A purchase fires just before the page moves on: marked fresh, it opens the panel on the next page too.
      entries.unshift({ name: name, page: location.pathname, text: summary(name, event.detail), fresh: name === 'purchase' || undefined });
      entries = entries.slice(0, 30);
      save();
      if (name === 'purchase') panel.open = true;
      render();
    });
  });

  function save() {
    try { sessionStorage.setItem(KEY, JSON.stringify(entries)); } catch (e) { /* private mode: this page only */ }
  }

  function mount() {
    if (entries.some(function (entry) { return entry.fresh; })) {
      panel.open = true;
      entries.forEach(function (entry) { delete entry.fresh; });
      save();
    }
    render();
    document.body.appendChild(panel);
  }
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount);
})();
