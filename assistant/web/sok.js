/*
 * Staff search page (/sok): searches the sources through GET /api/search and lists the
 * passages with the matched terms wrapped in <mark>. It can be limited to a municipality, a
 * type of source and a date range (the choices come from GET /api/facets). The query and
 * its limits live in the URL (?q=&k=&municipality=&kind=&from=&to=), so a search can be
 * shared and is repeated on load.
 *
 * All text from the service is inserted as text nodes, never as HTML.
 */
(function () {
  'use strict';

  const T = {
    searching: 'Söker …',
    empty: 'Skriv något att söka efter.',
    none: (q) => 'Inga träffar för ”' + q + '”',
    hits: (n, q) => n + (n === 1 ? ' träff' : ' träffar') + ' för ”' + q + '”',
    network: 'Sökningen kunde inte genomföras. Kontrollera anslutningen och försök igen.',
    generic: 'Något gick fel vid sökningen. Försök igen om en stund.',
    tooMany: 'För många sökningar på kort tid. Vänta en stund och försök igen.',
    busy: 'Tjänsten är upptagen just nu. Försök igen om en stund.',
    section: 'Avsnitt',
    score: 'Relevans',
    updated: 'Uppdaterad',
    page: 'Sida',
    municipality: 'Kommun',
    kind: 'Typ',
    badDates: 'Från-datumet ligger efter till-datumet.',
    untitled: 'Namnlös källa',
    pageTitle: 'Sök i källorna – Södertörnsassistenten',
  };
  const K_VALUES = ['10', '20', '50'];
  /** The limits a search can have, by URL parameter and form control. */
  const FILTERS = ['municipality', 'kind', 'from', 'to'];
  const DATE = /^\d{4}-\d{2}-\d{2}$/;
  const labels = { municipality: new Map(), kind: new Map() };

  const form = document.getElementById('search-form');
  const input = document.getElementById('q');
  const kSelect = document.getElementById('k');
  const fieldError = document.getElementById('q-error');
  const status = document.getElementById('status');
  const area = document.getElementById('results-area');
  const list = document.getElementById('results');
  const control = (name) => document.getElementById(name);
  let controller = null;

  // Repeat the search in the URL, if any, once the filter choices are known.
  const params = new URLSearchParams(window.location.search);
  const k = params.get('k');
  if (k && K_VALUES.includes(k)) kSelect.value = k;
  const initial = (params.get('q') || '').trim();
  loadFacets(params).finally(() => {
    if (initial) {
      input.value = initial;
      search(initial, kSelect.value, limits());
    }
  });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const query = input.value.trim();
    if (!query) {
      // Said once, at the field; the old results and the URL go with the old query.
      if (controller) controller.abort();
      clearResults();
      setStatus('', false);
      showFieldError(T.empty);
      window.history.replaceState(null, '', window.location.pathname);
      input.focus();
      return;
    }
    const chosen = limits();
    if (chosen.from && chosen.to && chosen.from > chosen.to) {
      setStatus(T.badDates, true);
      control('from').focus();
      return;
    }
    clearFieldError();
    updateUrl(query, kSelect.value, chosen);
    search(query, kSelect.value, chosen);
  });

  input.addEventListener('input', () => {
    if (input.value.trim()) clearFieldError();
  });

  /** The filter choices as {name: value}, empty ones left out. */
  function limits() {
    const out = {};
    for (const name of FILTERS) {
      const value = control(name).value;
      if (value) out[name] = value;
    }
    return out;
  }

  /** Fill the filter controls from the indexed sources, and set them from the URL. */
  async function loadFacets(given) {
    let data;
    try {
      const res = await fetch('/api/facets', { headers: { Accept: 'application/json' } });
      if (!res.ok) return;
      data = await res.json();
    } catch (err) {
      return; // searching works without filters
    }
    // A select is shown when choosing narrows the search: one municipality among passages
    // of none, or two types of source or more.
    const fill = (name, options, least) => {
      const select = control(name);
      for (const option of Array.isArray(options) ? options : []) {
        if (!option || typeof option.id !== 'string') continue;
        const label = typeof option.label === 'string' && option.label ? option.label : option.id;
        labels[name].set(option.id, label);
        const node = el('option', null, label);
        node.value = option.id;
        select.append(node);
      }
      const shown = select.options.length - 1 >= least;
      control(name + '-field').hidden = !shown;
      const wanted = given.get(name);
      if (shown && wanted && labels[name].has(wanted)) select.value = wanted;
      return shown;
    };
    const towns = fill('municipality', data.municipalities, 1);
    const kinds = fill('kind', data.kinds, 2);
    const dated = typeof data.updated_from === 'string' && DATE.test(data.updated_from);
    if (dated) {
      for (const name of ['from', 'to']) {
        control(name).min = data.updated_from;
        control(name).max = data.updated_to;
        const wanted = given.get(name);
        if (wanted && DATE.test(wanted)) control(name).value = wanted;
      }
    }
    control('dates-field').hidden = !dated;
    control('filters').hidden = !(towns || kinds || dated);
  }

  /** Keep the URL shareable: /sok?q=...&k=...&kind=... (k only when not the default). */
  function updateUrl(query, count, chosen) {
    const next = new URLSearchParams({ q: query });
    if (count !== '10') next.set('k', count);
    for (const [name, value] of Object.entries(chosen)) next.set(name, value);
    window.history.replaceState(null, '', window.location.pathname + '?' + next.toString());
  }

  function showFieldError(message) {
    fieldError.textContent = message;
    input.setAttribute('aria-invalid', 'true');
  }

  function clearFieldError() {
    fieldError.textContent = '';
    input.removeAttribute('aria-invalid');
  }

  function setStatus(message, isError) {
    status.textContent = message;
    status.classList.toggle('status--error', Boolean(isError));
  }

  function clearResults() {
    list.textContent = '';
    area.hidden = true;
  }

  async function search(query, count, chosen) {
    if (controller) controller.abort(); // a newer search replaces one still running
    controller = new AbortController();
    const { signal } = controller;
    setStatus(T.searching, false);
    form.setAttribute('aria-busy', 'true');
    document.title = query + ' – ' + T.pageTitle;
    try {
      let res;
      try {
        const asked = new URLSearchParams({ q: query, k: count, ...chosen });
        res = await fetch('/api/search?' + asked.toString(), {
          headers: { Accept: 'application/json' },
          cache: 'no-store',
          signal,
        });
      } catch (err) {
        if (signal.aborted) return;
        throw new Error(T.network);
      }
      if (!res.ok) throw new Error(await errorDetail(res));
      const data = await res.json();
      if (signal.aborted) return;
      const results = data && Array.isArray(data.results) ? data.results : [];
      render(results);
      setStatus(results.length ? T.hits(results.length, query) : T.none(query), false);
    } catch (err) {
      if (signal.aborted) return;
      clearResults();
      setStatus(err instanceof Error && err.message ? err.message : T.generic, true);
    } finally {
      if (!signal.aborted) form.removeAttribute('aria-busy');
    }
  }

  /** The Swedish message of a non-2xx response ({"detail": "..."}), or a fallback. */
  async function errorDetail(res) {
    try {
      const body = await res.json();
      if (body && typeof body.detail === 'string' && body.detail.trim()) return body.detail.trim();
    } catch (err) {
      /* not JSON */
    }
    if (res.status === 429) return T.tooMany;
    if (res.status === 503) return T.busy;
    return T.generic;
  }

  function el(tag, className, ...children) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    for (const child of children) if (child !== null && child !== undefined) node.append(child);
    return node;
  }

  /** Only http(s) links (never javascript: and the like). */
  function safeUrl(url) {
    if (typeof url !== 'string' || !url.trim()) return null;
    try {
      const u = new URL(url, window.location.href);
      return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : null;
    } catch (err) {
      return null;
    }
  }

  function formatScore(score) {
    return typeof score === 'number' && Number.isFinite(score)
      ? score.toLocaleString('sv-SE', { minimumFractionDigits: 2, maximumFractionDigits: 3 })
      : null;
  }

  function render(results) {
    list.textContent = '';
    results.forEach((r, i) => list.append(resultItem(r, i)));
    area.hidden = results.length === 0;
  }

  function resultItem(r, i) {
    const title = typeof r.title === 'string' && r.title.trim() ? r.title : T.untitled;
    const url = safeUrl(r.url);
    const heading = el('h3', 'result-title');
    if (url) {
      const link = el('a', null, title);
      link.href = url;
      heading.append(link);
    } else {
      heading.append(title);
    }

    const meta = el('dl', 'result-meta');
    const addMeta = (term, value) => {
      if (value !== null && value !== undefined && value !== '') meta.append(el('div', null, el('dt', null, term), el('dd', null, value)));
    };
    addMeta(T.section, typeof r.section === 'string' ? r.section : null);
    addMeta(T.page, Number.isInteger(r.page) ? String(r.page) : null);
    if (typeof r.municipality === 'string' && r.municipality) {
      addMeta(T.municipality, labels.municipality.get(r.municipality) || r.municipality);
    }
    if (typeof r.kind === 'string' && r.kind) addMeta(T.kind, labels.kind.get(r.kind) || r.kind);
    addMeta(T.score, formatScore(r.score));
    if (typeof r.updated === 'string' && r.updated) {
      const time = el('time', null, r.updated);
      time.dateTime = r.updated;
      addMeta(T.updated, time);
    }

    const passage = el('p', 'result-text', highlighted(typeof r.text === 'string' ? r.text : '', r.highlights));
    const item = el('li', 'result', heading, meta, passage);
    item.id = 'result-' + (i + 1);
    return item;
  }

  /**
   * The passage as text nodes with <mark> around the highlight ranges. Offsets are in
   * characters (Unicode code points, as the server counts them), so the text is split
   * by code point rather than by UTF-16 unit. Ranges are clamped, sorted and merged.
   */
  function highlighted(text, ranges) {
    const chars = Array.from(text);
    const spans = (Array.isArray(ranges) ? ranges : [])
      .filter((r) => Array.isArray(r) && Number.isInteger(r[0]) && Number.isInteger(r[1]))
      .map(([start, end]) => [Math.max(0, start), Math.min(chars.length, end)])
      .filter(([start, end]) => end > start)
      .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const merged = [];
    for (const span of spans) {
      const last = merged[merged.length - 1];
      if (last && span[0] <= last[1]) last[1] = Math.max(last[1], span[1]);
      else merged.push(span.slice());
    }
    const fragment = document.createDocumentFragment();
    let pos = 0;
    for (const [start, end] of merged) {
      if (start > pos) fragment.append(chars.slice(pos, start).join(''));
      fragment.append(el('mark', null, chars.slice(start, end).join('')));
      pos = end;
    }
    if (pos < chars.length) fragment.append(chars.slice(pos).join(''));
    return fragment;
  }
})();
