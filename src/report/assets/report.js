// docsift report: builds the clusters and documents pages from the data files beside
// them. Data files are scripts that call DOCSIFT.meta/list/docs/clusters (browsers
// refuse to fetch file:// URLs, but run scripts from them). Text from captures is only ever set with
// textContent, never parsed as HTML.
'use strict';
var DOCSIFT = (function () {
  const store = { meta: null, list: [], docs: [], clusters: [] };
  const loading = new Map();

  function load(src) {
    if (!loading.has(src)) {
      loading.set(src, new Promise(function (resolve, reject) {
        const s = document.createElement('script');
        s.src = src;
        s.onload = function () { resolve(); };
        s.onerror = function () { reject(new Error('cannot load ' + src)); };
        document.head.appendChild(s);
      }));
    }
    return loading.get(src);
  }

  function el(tag, attrs) {
    const e = document.createElement(tag);
    if (attrs) {
      for (const k in attrs) {
        if (attrs[k] === null || attrs[k] === undefined || attrs[k] === false) continue;
        if (k === 'text') e.textContent = attrs[k];
        else if (k === 'cls') e.className = attrs[k];
        else e.setAttribute(k, attrs[k]);
      }
    }
    for (let i = 2; i < arguments.length; i++) {
      const c = arguments[i];
      if (c === null || c === undefined) continue;
      e.append(c);
    }
    return e;
  }

  const num = function (n) { return n === null || n === undefined ? '' : Number(n).toLocaleString('en-US'); };

  function params() {
    const p = new URLSearchParams(location.hash.replace(/^#/, ''));
    const o = {};
    p.forEach(function (v, k) { o[k] = v; });
    return o;
  }
  function hashOf(o) {
    const p = new URLSearchParams();
    for (const k in o) if (o[k] !== '' && o[k] !== null && o[k] !== undefined) p.set(k, o[k]);
    return p.toString();
  }
  function setParams(o) {
    const h = hashOf(o);
    if (('#' + h) !== location.hash && !(h === '' && location.hash === '')) location.hash = h;
  }
  function ready() {
    document.body.dataset.ready = '1';
    document.body.dataset.renderMs = String(Math.round(performance.now()));
  }
  function fail(err) {
    const app = document.getElementById('app');
    app.replaceChildren(el('p', { cls: 'error', text: 'The report could not load: ' + err.message }));
    ready();
  }

  // ---- the documents page --------------------------------------------------------
  const R = { source: 0, status: 1, site: 2, lang: 3, enc: 4, mask: 5, removed: 6, bytesIn: 7,
    bytesOut: 8, title: 9, error: 10, dupOf: 11, sim: 12, cluster: 13, malformed: 14 };
  const PAGE = 100;

  function row(i) {
    const m = store.meta;
    const chunk = store.list[Math.floor(i / m.listChunk)];
    return chunk ? chunk[i % m.listChunk] : null;
  }

  function reasonsOf(mask) {
    return store.meta.reasons.filter(function (_, b) { return mask & (1 << b); });
  }

  function documentsPage() {
    const m = store.meta;
    const form = document.getElementById('filters');
    const fill = function (id, values, label) {
      const s = document.getElementById(id);
      values.forEach(function (v, k) { s.append(el('option', { value: String(k), text: label ? label(v) : v })); });
    };
    fill('f-status', m.statuses);
    fill('f-reason', m.reasons.filter(function (r) { return r !== 'blank'; }));
    fill('f-site', m.sites);
    fill('f-lang', m.languages);
    document.getElementById('f-lang').append(el('option', { value: 'u', text: 'unknown' }));
    // The reason filter lists the reasons without "blank": map its index back.
    const reasonBits = m.reasons.map(function (r, b) { return [r, b]; }).filter(function (x) { return x[0] !== 'blank'; });
    let loaded = 0;
    let lastKey = '';

    function state() {
      const p = params();
      // Links from the overview name values (status=error, site=harbour, lang=en).
      const byName = function (list, v) { const k = list.indexOf(v); return k < 0 ? '' : String(k); };
      const rk = reasonBits.findIndex(function (x) { return x[0] === p.reason; });
      return {
        q: p.q || '',
        status: p.status !== undefined ? byName(m.statuses, p.status) : '',
        reason: rk >= 0 ? String(rk) : '',
        site: p.site !== undefined ? byName(m.sites, p.site) : '',
        lang: p.lang === 'unknown' ? 'u' : p.lang !== undefined ? byName(m.languages, p.lang) : '',
        page: Number(p.page || 0),
        doc: p.doc,
      };
    }
    function toParams(s) {
      return {
        q: s.q,
        status: s.status === '' ? '' : m.statuses[s.status],
        reason: s.reason === '' ? '' : reasonBits[s.reason][0],
        site: s.site === '' ? '' : m.sites[s.site],
        lang: s.lang === '' ? '' : s.lang === 'u' ? 'unknown' : m.languages[s.lang],
        page: s.page ? s.page : '',
        doc: s.doc,
      };
    }
    function fromForm() {
      return {
        q: document.getElementById('q').value,
        status: document.getElementById('f-status').value,
        reason: document.getElementById('f-reason').value,
        site: document.getElementById('f-site').value,
        lang: document.getElementById('f-lang').value,
        page: 0,
      };
    }
    form.addEventListener('input', function () { setParams(toParams(fromForm())); });
    form.addEventListener('submit', function (e) { e.preventDefault(); });

    function matches(s) {
      const q = s.q.toLowerCase();
      const st = s.status === '' ? -1 : Number(s.status);
      const bit = s.reason === '' ? 0 : (1 << reasonBits[Number(s.reason)][1]);
      const site = s.site === '' ? -1 : Number(s.site);
      const lang = s.lang === '' ? -2 : s.lang === 'u' ? -1 : Number(s.lang);
      const out = [];
      for (let k = 0; k < store.list.length; k++) {
        const chunk = store.list[k];
        if (!chunk) continue;
        for (let j = 0; j < chunk.length; j++) {
          const r = chunk[j];
          if (st >= 0 && r[R.status] !== st) continue;
          if (bit && !(r[R.mask] & bit)) continue;
          if (site >= 0 && r[R.site] !== site) continue;
          if (lang > -2 && r[R.lang] !== lang) continue;
          // "unknown" is a document's language not found, as the overview counts it.
          if (lang === -1 && m.statuses[r[R.status]] === 'error') continue;
          if (q && r[R.source].toLowerCase().indexOf(q) < 0 &&
              (r[R.title] || '').toLowerCase().indexOf(q) < 0) continue;
          out.push(k * m.listChunk + j);
        }
      }
      return out;
    }

    function renderList(s) {
      const app = document.getElementById('app');
      const hits = matches(s);
      const pages = Math.max(1, Math.ceil(hits.length / PAGE));
      const page = Math.min(s.page, pages - 1);
      const more = loaded < m.docs ? ' (' + num(loaded) + ' of ' + num(m.docs) + ' loaded)' : '';
      document.getElementById('matches').textContent = num(hits.length) + ' documents' + more;
      const tbody = el('tbody');
      hits.slice(page * PAGE, (page + 1) * PAGE).forEach(function (i) {
        const r = row(i);
        const status = m.statuses[r[R.status]] || '';
        tbody.append(el('tr', { cls: 'st-' + status, 'data-doc': String(i) },
          el('td', null, el('a', { href: '#' + hashOf(Object.assign(toParams(s), { doc: String(i) })), text: r[R.source] })),
          el('td', { text: status }),
          el('td', { text: m.sites[r[R.site]] || '' }),
          el('td', { text: r[R.lang] >= 0 ? m.languages[r[R.lang]] : '' }),
          el('td', { cls: 'num', text: num(r[R.removed]) }),
          el('td', { text: reasonsOf(r[R.mask]).join(', ') }),
          el('td', { text: r[R.error] || r[R.title] || '' })));
      });
      const table = el('table', { id: 'doc-list' },
        el('thead', null, el('tr', null, el('th', { text: 'source' }), el('th', { text: 'status' }),
          el('th', { text: 'site' }), el('th', { text: 'language' }), el('th', { cls: 'num', text: 'lines removed' }),
          el('th', { text: 'reasons' }), el('th', { text: 'title or error' }))),
        tbody);
      app.replaceChildren(pager(page, pages, function (p) { setParams(Object.assign(toParams(s), { page: p || '' })); }), table);
    }

    function show() {
      const s = state();
      document.getElementById('q').value = s.q;
      document.getElementById('f-status').value = s.status;
      document.getElementById('f-reason').value = s.reason;
      document.getElementById('f-site').value = s.site;
      document.getElementById('f-lang').value = s.lang;
      const detail = document.getElementById('detail');
      if (s.doc !== undefined) {
        document.getElementById('app').hidden = true;
        detail.hidden = false;
        return showDoc(Number(s.doc), detail, toParams(Object.assign({}, s, { doc: undefined })));
      }
      detail.hidden = true;
      detail.replaceChildren();
      document.getElementById('app').hidden = false;
      renderList(s);
      return Promise.resolve();
    }

    window.addEventListener('hashchange', function () { show().then(ready, fail); });
    // The list's rows arrive chunk by chunk; the first page shows after the first.
    const chunks = Math.ceil(m.docs / m.listChunk);
    let chain = Promise.resolve();
    let shown = false;
    for (let k = 0; k < chunks; k++) {
      chain = chain.then(function () { return load('data/list-' + k + '.js'); }).then(function () {
        loaded = Math.min(m.docs, (k + 1) * m.listChunk);
        const s = state();
        if (s.doc === undefined) renderList(s);
        if (!shown) { shown = true; return show(); }
      });
    }
    if (chunks === 0) chain = chain.then(show);
    return chain;
  }

  function pager(page, pages, go) {
    const nav = el('nav', { cls: 'pager' });
    const prev = el('button', { type: 'button', text: '← previous', disabled: page <= 0 ? 'disabled' : null });
    const next = el('button', { type: 'button', text: 'next →', disabled: page >= pages - 1 ? 'disabled' : null });
    prev.addEventListener('click', function () { go(page - 1); });
    next.addEventListener('click', function () { go(page + 1); });
    nav.append(prev, el('span', { text: 'page ' + num(page + 1) + ' of ' + num(pages) }), next);
    return nav;
  }

  function showDoc(i, detail, back) {
    const m = store.meta;
    if (!(i >= 0 && i < m.docs)) {
      detail.replaceChildren(el('p', { cls: 'error', text: 'No document ' + i + '.' }));
      return Promise.resolve();
    }
    detail.replaceChildren(el('p', { cls: 'loading', text: 'Loading…' }));
    const k = Math.floor(i / m.docChunk);
    return Promise.all([load('data/list-' + Math.floor(i / m.listChunk) + '.js'), docChunk(k)]).then(function (loaded) {
      const r = row(i);
      const d = loaded[1][i % m.docChunk];
      const status = m.statuses[r[R.status]];
      const backLink = el('a', { href: '#' + hashOf(back), text: '← all documents' });
      const facts = el('dl', { cls: 'facts' });
      const fact = function (k, v) { if (v !== null && v !== undefined && v !== '') facts.append(el('dt', { text: k }), el('dd', null, v)); };
      fact('status', el('span', { cls: 'status st-' + status, text: status }));
      if (r[R.dupOf] >= 0) {
        const c = row(r[R.dupOf]);
        fact('duplicate of', el('a', { href: '#doc=' + r[R.dupOf], text: c ? c[R.source] : String(r[R.dupOf]) }));
        fact('similarity', r[R.sim] === null ? '' : r[R.sim].toFixed(3));
      }
      if (r[R.cluster] >= 0) {
        const canon = r[R.dupOf] >= 0 ? r[R.dupOf] : i;
        fact('cluster', el('a', { href: 'clusters.html#page=' + r[R.cluster] + '&c=' + canon, text: 'see the cluster and its diffs' }));
      }
      fact('title', r[R.title]);
      fact('site', m.sites[r[R.site]]);
      fact('language', r[R.lang] >= 0 ? m.languages[r[R.lang]] : '');
      fact('encoding', r[R.enc] >= 0 ? m.encodings[r[R.enc]] + (r[R.malformed] ? ' (' + num(r[R.malformed]) + ' malformed byte sequences replaced)' : '') : '');
      fact('bytes', r[R.bytesIn] === null ? '' : num(r[R.bytesIn]) + ' in, ' + num(r[R.bytesOut]) + ' clean');
      fact('lines removed', r[R.removed] === null ? '' : num(r[R.removed]) + (r[R.mask] ? ' (' + reasonsOf(r[R.mask]).join(', ') + ')' : ''));
      fact('error', r[R.error] ? el('span', { cls: 'error', text: r[R.error] }) : '');
      const parts = [backLink, el('h2', { id: 'doc-source', text: r[R.source] }), facts];
      if (d) parts.push(linesTable(d));
      else parts.push(el('p', { cls: 'note', text: 'No lines: this input did not become a document.' }));
      detail.replaceChildren.apply(detail, parts);
      detail.dataset.doc = String(i);
    });
  }

  // A file of documents' lines holds gzipped JSON in base64 (a third of the size).
  function docChunk(k) {
    return load('data/doc-' + k + '.js').then(function () {
      const d = store.docs[k];
      if (typeof d !== 'string') return d;
      const bin = atob(d);
      const bytes = new Uint8Array(bin.length);
      for (let j = 0; j < bin.length; j++) bytes[j] = bin.charCodeAt(j);
      const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
      return new Response(stream).text().then(function (text) {
        store.docs[k] = JSON.parse(text);
        return store.docs[k];
      });
    });
  }

  function linesTable(d) {
    const texts = d.t.split('\n');
    texts.pop();
    const tbody = el('tbody');
    let n = 0;
    let removed = 0;
    d.r.forEach(function (run) {
      for (let j = 0; j < run[0]; j++, n++) {
        const dec = run[1] > 0 ? d.d[run[1] - 1] : null;
        const title = d.title === n;
        const mark = dec ? '-' : (title ? 'T' : '+');
        if (dec) removed++;
        tbody.append(el('tr', { cls: dec ? 'removed r-' + dec[0] : (title ? 'kept title' : 'kept'), 'data-line': String(n + 1) },
          el('td', { cls: 'num', text: String(n + 1) }),
          el('td', { cls: 'mark', text: mark }),
          el('td', { cls: 'reason', text: dec ? dec[0] : '' }),
          el('td', { cls: 'rule', text: dec ? dec[1] : '' }),
          el('td', { cls: 'text', text: texts[n] })));
      }
    });
    const earlier = Object.keys(d.e || {});
    const note = earlier.length ? el('p', { cls: 'note', text: 'A huge capture cleaned in segments: ' +
      earlier.map(function (k) { return num(d.e[k]) + ' ' + k; }).join(', ') + ' lines were removed before these lines and are not shown.' }) : null;
    const only = el('input', { type: 'checkbox', id: 'only-removed' });
    const table = el('table', { id: 'lines', cls: 'lines' },
      el('thead', null, el('tr', null, el('th', { cls: 'num', text: 'line' }), el('th', { text: '' }),
        el('th', { text: 'reason' }), el('th', { text: 'rule' }), el('th', { text: 'text' }))), tbody);
    only.addEventListener('change', function () { table.classList.toggle('only-removed', only.checked); });
    return el('section', null,
      el('h3', { text: num(n) + ' lines, ' + num(removed) + ' removed' }),
      el('label', { cls: 'toggle' }, only, ' show removed lines only'), note, table);
  }

  // ---- the clusters page ---------------------------------------------------------
  function clustersPage() {
    const m = store.meta;
    function show() {
      const p = params();
      const pages = Math.max(1, m.clusterPages);
      const page = Math.max(0, Math.min(Number(p.page || 0), pages - 1));
      const app = document.getElementById('app');
      if (m.clusters === 0) {
        app.replaceChildren(el('p', { id: 'no-clusters', cls: 'note', text: 'No duplicates: every document is its own.' }));
        return Promise.resolve();
      }
      app.replaceChildren(el('p', { cls: 'loading', text: 'Loading…' }));
      return load('data/clusters-' + page + '.js').then(function () {
        const go = function (q) { setParams({ page: q || '' }); };
        const list = el('div', { id: 'cluster-list' });
        store.clusters[page].forEach(function (c) { list.append(cluster(c)); });
        app.replaceChildren(
          el('p', { id: 'cluster-count', text: num(m.clusters) + (m.clusters === 1 ? ' cluster' : ' clusters') }),
          pager(page, pages, go), list, pager(page, pages, go));
        if (p.c !== undefined) {
          const target = document.getElementById('cluster-' + p.c);
          if (target) { target.classList.add('target'); target.scrollIntoView(); }
        }
      });
    }
    window.addEventListener('hashchange', function () { show().then(ready, fail); });
    return show();
  }

  function cluster(c) {
    const members = el('ol', { cls: 'members' });
    c.m.forEach(function (d) {
      const head = el('div', { cls: 'member-head' },
        el('a', { href: 'documents.html#doc=' + d.i, text: d.n }),
        el('span', { cls: 'status st-' + d.st, text: d.st === 'duplicate' ? 'exact duplicate' : 'near duplicate' }),
        el('span', { cls: 'sim', text: 'similarity ' + (d.s === null ? '?' : d.s.toFixed(3)) }));
      const li = el('li', { cls: 'member', 'data-doc': String(d.i) }, head);
      if (d.diff) li.append(diffTable(d.diff, d.more));
      else li.append(el('p', { cls: 'note', text: 'Identical clean body.' }));
      members.append(li);
    });
    return el('section', { cls: 'cluster', id: 'cluster-' + c.c },
      el('h2', null, el('a', { href: 'documents.html#doc=' + c.c, text: c.n }),
        el('span', { cls: 'count', text: ' canonical, ' + c.m.length + (c.m.length === 1 ? ' duplicate' : ' duplicates') })),
      c.t ? el('p', { cls: 'title', text: c.t }) : null, members);
  }

  function diffTable(hunks, more) {
    const tbody = el('tbody');
    const side = function (s, cls) {
      if (!s) return [el('td', { cls: 'num' }), el('td', { cls: 'text empty' })];
      const td = el('td', { cls: 'text ' + cls });
      s[1].forEach(function (p) { td.append(p[0] ? el('mark', { text: p[1] }) : document.createTextNode(p[1])); });
      return [el('td', { cls: 'num', text: String(s[0]) }), td];
    };
    hunks.forEach(function (h, k) {
      if (k > 0) tbody.append(el('tr', { cls: 'gap' }, el('td', { colspan: '4', text: '⋯' })));
      h.forEach(function (r) {
        const tr = el('tr', { cls: r[0] ? 'chg' : 'same' });
        side(r[1], 'del').concat(side(r[2], 'ins')).forEach(function (td) { tr.append(td); });
        tbody.append(tr);
      });
    });
    const t = el('table', { cls: 'diff' },
      el('colgroup', null, el('col', { cls: 'n' }), el('col'), el('col', { cls: 'n' }), el('col')),
      el('thead', null, el('tr', null, el('th', { colspan: '2', text: 'canonical' }), el('th', { colspan: '2', text: 'this duplicate' }))), tbody);
    const box = el('details', { open: 'open', cls: 'diffbox' }, el('summary', { text: 'side-by-side diff of the clean bodies' }), t);
    if (hunks.length === 0) box.append(el('p', { cls: 'note', text: 'The clean bodies differ only in blank lines.' }));
    if (more) box.append(el('p', { cls: 'note', text: '… ' + num(more) + ' more rows not shown; docsift diff shows the whole pair.' }));
    return box;
  }

  function start() {
    const app = document.getElementById('app');
    if (!app) return;
    const page = app.dataset.page;
    const run = page === 'documents' ? documentsPage : page === 'clusters' ? clustersPage : null;
    if (run) Promise.resolve().then(run).then(ready, fail);
  }

  // The overview is static HTML: it is ready once loaded.
  if (!document.getElementById('app')) window.addEventListener('load', ready);

  return {
    meta: function (m) { store.meta = m; start(); },
    list: function (k, rows) { store.list[k] = rows; },
    docs: function (k, d) { store.docs[k] = d; },
    clusters: function (k, c) { store.clusters[k] = c; },
  };
})();
