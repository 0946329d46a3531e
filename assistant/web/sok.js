/*
 * Staff search page (/sok): searches the sources through GET /api/search and lists the
 * passages with the matched terms wrapped in <mark>. The query lives in the URL (?q=&k=),
 * so a search can be shared and is repeated on load.
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
    untitled: 'Namnlös källa',
    pageTitle: 'Sök i källorna – Södertörnsassistenten',
  };
  const K_VALUES = ['10', '20', '50'];

  const form = document.getElementById('search-form');
  const input = document.getElementById('q');
  const kSelect = document.getElementById('k');
  const fieldError = document.getElementById('q-error');
  const status = document.getElementById('status');
  const area = document.getElementById('results-area');
  const list = document.getElementById('results');
  let controller = null;

  // Repeat the search in the URL, if any.
  const params = new URLSearchParams(window.location.search);
  const k = params.get('k');
  if (k && K_VALUES.includes(k)) kSelect.value = k;
  const initial = (params.get('q') || '').trim();
  if (initial) {
    input.value = initial;
    search(initial, kSelect.value);
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const query = input.value.trim();
    if (!query) {
      showFieldError(T.empty);
      input.focus();
      return;
    }
    clearFieldError();
    updateUrl(query, kSelect.value);
    search(query, kSelect.value);
  });

  input.addEventListener('input', () => {
    if (input.value.trim()) clearFieldError();
  });

  /** Keep the URL shareable: /sok?q=...&k=... (k only when not the default). */
  function updateUrl(query, count) {
    const next = new URLSearchParams({ q: query });
    if (count !== '10') next.set('k', count);
    window.history.replaceState(null, '', window.location.pathname + '?' + next.toString());
  }

  function showFieldError(message) {
    fieldError.textContent = message;
    input.setAttribute('aria-invalid', 'true');
    setStatus(message, true);
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

  async function search(query, count) {
    if (controller) controller.abort(); // a newer search replaces one still running
    controller = new AbortController();
    const { signal } = controller;
    setStatus(T.searching, false);
    form.setAttribute('aria-busy', 'true');
    document.title = query + ' – ' + T.pageTitle;
    try {
      let res;
      try {
        res = await fetch('/api/search?q=' + encodeURIComponent(query) + '&k=' + encodeURIComponent(count), {
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
