/*
 * Södertörnsassistenten – the chat widget a municipal site embeds with one tag:
 *   <script src="https://assistent.example/widget.js" data-municipality="huddinge" defer></script>
 * It takes the service's base URL from its own src, fetches /api/config and mounts
 * <div id="sodertornsassistenten"> with an open shadow root. Answers stream from
 * POST /api/chat as server-sent events read with fetch.
 * Service text is always inserted as text, never HTML. No cookies, storage or tracking: the
 * conversation lives in memory only. The only style set from script is --accent (CSSOM).
 */
(function () {
  'use strict';

  const HOST_ID = 'sodertornsassistenten';
  const DEFAULT_ACCENT = '#005a9c';
  // The service's limits come with /api/config; these are the defaults until it answers.
  let MAX_HISTORY = 20; // messages sent with a question
  let MAX_MESSAGE_CHARS = 4000; // per history message
  let MAX_QUESTION_CHARS = 1000; // per question
  const STALL_MS = 60000; // give up on a reply that makes no progress for this long

  // Every user-facing text, in Swedish.
  const T = {
    launcher: 'Fråga assistenten',
    close: 'Stäng',
    disclosure:
      'Du chattar med en AI-assistent. Den svarar bara utifrån de listade källorna och kan ha fel. Skriv inte personuppgifter.',
    examples: 'Du kan till exempel fråga:',
    log: 'Samtal',
    you: 'Du frågade: ',
    bot: 'Assistenten svarade: ',
    typing: 'Söker i källorna',
    inputLabel: 'Din fråga',
    inputHint: 'Enter skickar, Skift+Enter ger ny rad.',
    placeholder: 'Skriv din fråga här',
    send: 'Skicka',
    done: 'Svar klart',
    refusal: 'Kan inte besvaras utifrån källorna',
    hint: 'Jag kan svara på frågor om Södertörnssamarbetet, till exempel:',
    sources: 'Källor',
    cite: 'Källa ',
    section: 'Avsnitt: ',
    updated: 'Uppdaterad ',
    openSource: 'Öppna källan',
    newTab: ' (öppnas i ny flik)',
    rateLabel: 'Var svaret till hjälp?',
    good: 'Bra svar',
    bad: 'Dåligt svar',
    thanks: 'Tack för din återkoppling',
    empty: 'Skriv en fråga först.',
    wait: 'Vänta tills svaret är klart.',
    error: 'Fel: ',
    generic: 'Något gick fel. Försök igen om en stund.',
    network: 'Det gick inte att nå assistenten. Kontrollera anslutningen och försök igen.',
    timeout: 'Det tog för lång tid att få svar. Försök igen.',
    interrupted: 'Svaret avbröts. Försök igen.',
    tooMany: 'För många frågor på kort tid. Vänta en stund och försök igen.',
    busy: 'Assistenten är upptagen just nu. Försök igen om en stund.',
    tooLong: 'Frågan är för lång. Högst ' + MAX_QUESTION_CHARS + ' tecken går bra.',
  };

  // Used when /api/config cannot be reached, so the host page never breaks.
  const FALLBACK = {
    name: 'Södertörnskommunerna',
    greeting: 'Hej! Jag svarar på frågor om Södertörnssamarbetet utifrån källorna.',
    suggestions: [
      'Vilka kommuner ingår i samarbetet?',
      'När formaliserades samverkan?',
      'Vad är syftet med samverkan?',
    ],
  };

  // Loaded twice on one page? Keep the first.
  if (window.SodertornsAssistenten || document.getElementById(HOST_ID)) return;

  const script = findScript();
  const base = serviceBase(script);
  const municipality = ((script && script.getAttribute('data-municipality')) || '').trim();
  const warn = (sv, en) => console.warn('Södertörnsassistenten: ' + sv + ' (' + en + ')');

  // Public API, for tests and for host pages that want their own "open the chat" link.
  let widget = null;
  let openWhenReady = false;
  let markReady;
  const ready = new Promise((resolve) => (markReady = resolve));
  window.SodertornsAssistenten = Object.freeze({
    open: () => (widget ? widget.open() : (openWhenReady = true)),
    close: () => (widget ? widget.close(false) : (openWhenReady = false)),
    isOpen: () => Boolean(widget && widget.isOpen()),
    ready, // resolves with the host element once the widget is mounted and styled
  });

  const start = () =>
    loadConfig().then((config) => {
      widget = createWidget(config);
      if (openWhenReady) widget.open();
    });
  if (document.body) start();
  else document.addEventListener('DOMContentLoaded', start, { once: true });

  // ------------------------------------------------------------------ bootstrapping

  function findScript() {
    const current = document.currentScript;
    if (current && current.src) return current;
    const all = Array.from(document.querySelectorAll('script[src*="widget.js"]'));
    return all.find((s) => s.hasAttribute('data-municipality')) || all[all.length - 1] || null;
  }

  /** The service's base URL without a trailing slash: the folder of widget.js (or of /static/). */
  function serviceBase(tag) {
    try {
      const folder = new URL('./', new URL(tag.src, document.baseURI)).href;
      return folder.replace(/\/static\/$/, '/').replace(/\/$/, '');
    } catch (err) {
      return window.location.origin;
    }
  }

  async function loadConfig() {
    if (!municipality) warn('data-municipality saknas; standardinställningar används.', 'no municipality id');
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 10000);
    try {
      const res = await fetch(base + '/api/config?municipality=' + encodeURIComponent(municipality), {
        credentials: 'omit',
        signal: controller.signal,
      });
      if (!res.ok) throw new Error('HTTP ' + res.status);
      const config = cleanConfig(await res.json());
      if (!config.known && municipality) {
        warn('okänd kommun "' + municipality + '"; standardinställningar används.', 'unknown id');
      }
      return config;
    } catch (err) {
      warn('inställningarna kunde inte hämtas; standardinställningar används.', String(err));
      return cleanConfig({});
    } finally {
      clearTimeout(timer);
    }
  }

  /** Keep only well-formed values from /api/config, with fallbacks for the rest. */
  function cleanConfig(c) {
    const text = (v, fallback) => (typeof v === 'string' && v.trim() ? v.trim() : fallback);
    let accent = text(c.accent, DEFAULT_ACCENT);
    if (!/^#[0-9a-f]{6}$/i.test(accent) || contrastWithWhite(accent) < 4.5) {
      warn('accentfärgen ' + accent + ' ger för låg kontrast; standardfärgen används.', 'accent rejected');
      accent = DEFAULT_ACCENT;
    }
    const limit = (v, fallback) => (Number.isInteger(v) && v > 0 ? v : fallback);
    MAX_QUESTION_CHARS = limit(c.max_question_chars, MAX_QUESTION_CHARS);
    MAX_HISTORY = limit(c.max_history_turns, MAX_HISTORY);
    MAX_MESSAGE_CHARS = limit(c.max_message_chars, MAX_MESSAGE_CHARS);
    T.tooLong = 'Frågan är för lång. Högst ' + MAX_QUESTION_CHARS + ' tecken går bra.';
    const list = Array.isArray(c.suggestions) ? c.suggestions : [];
    const suggestions = list.filter((s) => typeof s === 'string' && s.trim()).slice(0, 4);
    return {
      name: text(c.name, FALLBACK.name),
      accent,
      greeting: text(c.greeting, FALLBACK.greeting),
      suggestions: suggestions.length ? suggestions : FALLBACK.suggestions,
      known: c.known === true,
    };
  }

  /** WCAG contrast ratio of a #rrggbb colour against white. */
  function contrastWithWhite(hex) {
    const [r, g, b] = [1, 3, 5].map((i) => {
      const v = parseInt(hex.slice(i, i + 2), 16) / 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05);
  }

  // ------------------------------------------------------------------ helpers

  /**
   * Create an element. spec is 'tag#id.class.class'; attrs (optional) go through
   * setAttribute; children are nodes or plain strings, which become text nodes (never HTML).
   */
  function el(spec, attrs, ...children) {
    const [, tag, id, classes] = /^(\w+)(?:#([\w-]+))?((?:\.[\w-]+)*)$/.exec(spec);
    const node = document.createElement(tag);
    if (id) node.id = id;
    if (classes) node.className = classes.slice(1).replace(/\./g, ' ');
    if (!attrs || typeof attrs !== 'object' || attrs instanceof Node) children.unshift(attrs);
    else {
      for (const [k, v] of Object.entries(attrs)) {
        if (v !== false && v != null) node.setAttribute(k, v === true ? '' : v);
      }
    }
    for (const child of children) if (child != null) node.append(child);
    return node;
  }

  const ICONS = {
    chat: 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z',
    close: 'M6 6l12 12M18 6L6 18',
    thumb:
      'M2 21h4V9H2v12zm20-11a2 2 0 0 0-2-2h-6.3l1-4.6v-.3c0-.4-.2-.8-.5-1.1L13.2 1 6.6 7.6C6.2 8 6 8.5 ' +
      '6 9v10a2 2 0 0 0 2 2h9c.8 0 1.5-.5 1.8-1.2l3-7c.1-.3.2-.5.2-.8v-2z',
  };

  /** A decorative SVG icon (hidden from assistive technology). */
  function icon(name, extraClass) {
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    const cls = 'sa-icon sa-icon--' + name + (extraClass ? ' ' + extraClass : '');
    const attrs = { viewBox: '0 0 24 24', 'aria-hidden': 'true', focusable: 'false', class: cls };
    for (const [k, v] of Object.entries(attrs)) svg.setAttribute(k, v);
    svg.append(document.createElementNS(ns, 'path'));
    svg.firstChild.setAttribute('d', ICONS[name]);
    return svg;
  }

  /** "Huddinge kommun" → "Huddinge kommuns assistent" (Swedish genitive). */
  const titleFor = (name) => name + (/[sxz]$/i.test(name) ? ' assistent' : 's assistent');

  /** Only http(s) links, resolved against the service (never javascript: and the like). */
  function safeUrl(url) {
    try {
      const u = new URL(url, base + '/');
      return typeof url === 'string' && url.trim() && /^https?:$/.test(u.protocol) ? u.href : null;
    } catch (err) {
      return null;
    }
  }

  /** An error whose message is meant for the user. */
  class WidgetError extends Error {}

  /** POST JSON to the service; network failures become a WidgetError. */
  async function post(path, body, extra) {
    try {
      return await fetch(base + path, Object.assign({
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
        credentials: 'omit',
        cache: 'no-store',
      }, extra));
    } catch (err) {
      throw new WidgetError(extra && extra.signal && extra.signal.aborted ? T.timeout : T.network);
    }
  }

  /** The Swedish message of a non-2xx response ({"detail": "..."}), else one by status. */
  async function errorDetail(res) {
    try {
      const body = await res.json();
      if (body && typeof body.detail === 'string' && body.detail.trim()) return body.detail.trim();
    } catch (err) {
      /* not JSON */
    }
    return res.status === 429 ? T.tooMany : res.status === 503 ? T.busy : T.generic;
  }

  /**
   * Read a text/event-stream body, calling onEvent(name, data) per event and onChunk()
   * per chunk read; stops once stop() is true. Lines end at LF (a CR before it is dropped).
   */
  async function readEvents(res, onEvent, onChunk, stop) {
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    let name = '';
    let data = [];
    const line = (raw) => {
      const l = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (!l) {
        if (data.length) onEvent(name || 'message', data.join('\n'));
        name = '';
        data = [];
      } else if (l[0] !== ':') {
        const colon = l.indexOf(':');
        const field = colon < 0 ? l : l.slice(0, colon);
        const value = colon < 0 ? '' : l.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') name = value;
        else if (field === 'data') data.push(value);
      }
    };
    try {
      for (;;) {
        const { value, done } = await reader.read();
        onChunk();
        buffer += decoder.decode(value || new Uint8Array(0), { stream: !done });
        const lines = buffer.split('\n');
        buffer = done ? '' : lines.pop();
        for (const l of lines) {
          line(l);
          if (stop()) return;
        }
        if (done) return line(''); // an event that lacked its closing blank line
      }
    } finally {
      reader.cancel().catch(() => {});
    }
  }

  // ------------------------------------------------------------------ the widget

  function createWidget(config) {
    const history = []; // {role, content}: in memory only
    let busy = false;
    let answers = 0;

    // The host element is the only node placed in the page's own DOM.
    const host = el('div', { id: HOST_ID });
    host.style.setProperty('--accent', config.accent); // CSSOM: allowed under a strict CSP
    const shadow = host.attachShadow({ mode: 'open' });
    const stylesheet = el('link', { rel: 'stylesheet', href: base + '/static/widget.css' });

    const launcher = el(
      'button#sa-launcher.sa-launcher',
      { type: 'button', 'aria-expanded': 'false', 'aria-controls': 'sa-panel' },
      icon('chat'),
      el('span.sa-launcher-text', T.launcher)
    );
    const closeButton = el('button.sa-close', { type: 'button', 'aria-label': T.close }, icon('close'));
    const log = el('div#sa-log.sa-log', { role: 'log', 'aria-live': 'off', 'aria-label': T.log });
    const welcome = el('div.sa-welcome', el('p.sa-greeting', config.greeting));
    welcome.append(el('p#sa-examples.sa-suggestions-label', T.examples), suggestionList('sa-examples'));
    const body = el('div.sa-body', welcome, log);
    const input = el('textarea#sa-input.sa-input', {
      name: 'question',
      rows: 2,
      maxlength: MAX_QUESTION_CHARS,
      placeholder: T.placeholder,
      'aria-describedby': 'sa-input-hint',
      autocomplete: 'off',
    });
    const sendButton = el('button#sa-send.sa-send', { type: 'submit' }, T.send);
    const form = el(
      'form#sa-form.sa-form',
      { novalidate: true },
      el('label.sa-label', { for: 'sa-input' }, T.inputLabel),
      el('div.sa-form-row', input, sendButton),
      el('p#sa-input-hint.sa-input-hint', T.inputHint)
    );
    const panel = el(
      'div#sa-panel.sa-panel',
      {
        role: 'dialog',
        'aria-modal': 'false',
        'aria-labelledby': 'sa-title',
        'aria-describedby': 'sa-disclosure',
        lang: 'sv',
        hidden: true,
      },
      el('div.sa-header', el('h2#sa-title.sa-title', titleFor(config.name)), closeButton),
      // The permanent AI disclosure (EU AI Act art. 50): always shown, cannot be dismissed.
      el('p#sa-disclosure.sa-disclosure', T.disclosure),
      body,
      form
    );
    // The one polite live region ("Svar klart", thanks, errors; never streamed tokens).
    // Outside the panel so it is heard even while the panel is closed.
    const status = el('div#sa-status.sa-status.sa-visually-hidden', {
      role: 'status',
      'aria-live': 'polite',
      'aria-atomic': 'true',
    });
    const root = el('div.sa-root', { lang: 'sv', hidden: true }, launcher, panel, status);
    shadow.append(stylesheet, root);

    // Show the widget once its stylesheet has loaded (no unstyled flash), or after 4 s anyway.
    let shown = false;
    const show = () => {
      if (shown) return;
      shown = true;
      root.hidden = false;
      markReady(host);
    };
    stylesheet.addEventListener('load', show);
    stylesheet.addEventListener('error', () => {
      warn('widget.css kunde inte laddas.', 'stylesheet failed to load');
      show();
    });
    setTimeout(show, 4000);
    document.body.append(host);

    // ---------------------------------------------------------------- behaviour

    launcher.addEventListener('click', () => (isOpen() ? close(true) : open()));
    closeButton.addEventListener('click', () => close(true));
    root.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && isOpen()) {
        event.stopPropagation();
        close(true);
      }
    });
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      submit(input.value);
    });
    input.addEventListener('keydown', (event) => {
      // Enter sends, Shift+Enter makes a new line; never while an IME is composing.
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
        event.preventDefault();
        submit(input.value);
      }
    });

    function isOpen() {
      return !panel.hidden;
    }

    function open() {
      panel.hidden = false;
      root.classList.add('sa-is-open');
      launcher.setAttribute('aria-expanded', 'true');
      input.focus();
    }

    function close(returnFocus) {
      const focusInside = panel.contains(shadow.activeElement); // would be lost: move it
      panel.hidden = true;
      root.classList.remove('sa-is-open');
      launcher.setAttribute('aria-expanded', 'false');
      if (returnFocus || focusInside) launcher.focus();
    }

    /** Say a message in the live region (emptied first, so a repeat is heard again). */
    function announce(message) {
      status.textContent = '';
      setTimeout(() => (status.textContent = message), 50);
    }

    function suggestionList(labelledBy) {
      const list = el('ul.sa-suggestions', { 'aria-labelledby': labelledBy });
      for (const text of config.suggestions) {
        const button = el('button.sa-suggestion', { type: 'button' }, text);
        button.addEventListener('click', () => submit(text) && input.focus());
        list.append(el('li', button));
      }
      return list;
    }

    /** Check a question and ask it; true when it was sent. */
    function submit(value) {
      const question = String(value || '').trim();
      let problem = '';
      if (busy) problem = T.wait;
      else if (!question) problem = T.empty;
      else if (question.length > MAX_QUESTION_CHARS) problem = T.tooLong;
      if (problem) {
        announce(problem);
        if (!question) input.focus();
        return false;
      }
      if (input.value.trim() === question) input.value = '';
      ask(question);
      return true;
    }

    function setBusy(on) {
      busy = on;
      sendButton.disabled = on;
      log.setAttribute('aria-busy', String(on));
      root.classList.toggle('sa-is-busy', on);
    }

    // The conversation scrolls in .sa-body, except on short viewports, where the CSS lets
    // the whole panel scroll instead.
    const scroller = () => (getComputedStyle(body).overflowY === 'visible' ? panel : body);
    const nearBottom = (s = scroller()) => s.scrollHeight - s.scrollTop - s.clientHeight < 48;
    const toBottom = (s = scroller()) => (s.scrollTop = s.scrollHeight);

    /** Scroll so that as much of node as fits is visible, its top first. */
    function reveal(node) {
      const s = scroller();
      const box = node.getBoundingClientRect();
      const view = s.getBoundingClientRect();
      if (box.bottom > view.bottom) s.scrollTop += Math.min(box.bottom - view.bottom, box.top - view.top);
      else if (box.top < view.top) s.scrollTop -= view.top - box.top;
    }

    async function ask(question) {
      setBusy(true);
      const you = el('span.sa-visually-hidden', T.you);
      log.append(el('div.sa-msg.sa-msg--user', you, el('p.sa-msg-text', question)));
      const view = pendingAnswer();
      toBottom();
      try {
        const result = await streamChat(question, history.slice(-MAX_HISTORY), view);
        finishAnswer(view, result);
        history.push(
          { role: 'user', content: question },
          { role: 'assistant', content: result.answer.slice(0, MAX_MESSAGE_CHARS) }
        );
        history.splice(0, Math.max(0, history.length - MAX_HISTORY));
        announce(T.done);
      } catch (err) {
        const message = err instanceof WidgetError ? err.message : T.generic;
        const stick = nearBottom();
        view.msg.className = 'sa-msg sa-msg--error';
        view.msg.textContent = '';
        view.msg.append(el('p.sa-error-text', el('strong', T.error), message));
        if (stick) toBottom();
        if (!input.value) input.value = question; // offer the question again
        announce(message);
      } finally {
        setBusy(false);
      }
    }

    /** POST /api/chat and stream the deltas into the view; resolves with the cleaned done event. */
    async function streamChat(question, sent, view) {
      const controller = new AbortController();
      let timer = 0;
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => controller.abort(), STALL_MS);
      };
      arm();
      try {
        const headers = { 'Content-Type': 'application/json', Accept: 'text/event-stream' };
        const res = await post('/api/chat', { question, history: sent }, { headers, signal: controller.signal });
        if (!res.ok) throw new WidgetError(await errorDetail(res));
        if (!res.body) throw new WidgetError(T.generic);
        let result = null;
        const onEvent = (name, data) => {
          let payload;
          try {
            payload = JSON.parse(data);
          } catch (err) {
            return; // skip a malformed event
          }
          if (!payload || typeof payload !== 'object') return;
          if (name === 'delta' && typeof payload.text === 'string') view.append(payload.text);
          else if (name === 'done') result = payload;
          else if (name === 'error') throw new WidgetError((typeof payload.detail === 'string' && payload.detail) || T.generic);
        };
        await readEvents(res, onEvent, arm, () => result !== null);
        if (!result) throw new WidgetError(T.interrupted);
        return cleanResult(result, view.streamed());
      } catch (err) {
        if (err instanceof WidgetError) throw err;
        throw new WidgetError(controller.signal.aborted ? T.timeout : T.interrupted);
      } finally {
        clearTimeout(timer);
      }
    }

    function cleanResult(raw, streamed) {
      const str = (v) => (typeof v === 'string' && v.trim() ? v : null);
      const citations = (Array.isArray(raw.citations) ? raw.citations : [])
        .filter((c) => c && Number.isInteger(c.n) && typeof c.title === 'string')
        .map((c) => ({
          n: c.n,
          title: c.title,
          section: str(c.section),
          text: str(c.text) || '',
          url: safeUrl(c.url),
          updated: str(c.updated),
        }));
      // A list part (lead-in and points) is shown as a list; other parts are plain text.
      const parts = (Array.isArray(raw.parts) ? raw.parts : [])
        .filter((p) => p && typeof p.text === 'string' && (p.kind === 'text' || p.kind === 'list'))
        .map((p) => ({
          kind: p.kind,
          text: p.text,
          n: Number.isInteger(p.n) ? p.n : 0,
          items: (Array.isArray(p.items) ? p.items : []).filter((i) => typeof i === 'string'),
        }));
      const answered = raw.answered !== false;
      return {
        id: str(raw.id) || '',
        answer: typeof raw.answer === 'string' ? raw.answer : streamed,
        answered,
        // Small talk is not answered from the sources, but it is no refusal either.
        refusal: !answered && raw.shape !== 'smalltalk',
        citations,
        parts,
      };
    }

    /** A new assistant message showing the typing indicator; returns its view. */
    function pendingAnswer() {
      const index = ++answers;
      const dots = el('span.sa-dots', { 'aria-hidden': 'true' }, el('span'), el('span'), el('span'));
      const typing = el('div.sa-typing', el('span.sa-typing-text', T.typing), dots);
      const streamed = document.createTextNode('');
      const text = el('p.sa-answer', streamed);
      const msg = el('div.sa-msg.sa-msg--assistant.sa-msg--pending', { id: 'sa-answer-' + index });
      msg.append(el('span.sa-visually-hidden', T.bot), typing, text);
      log.append(msg);
      return {
        index, msg, typing, text,
        append(piece) {
          const stick = nearBottom();
          typing.hidden = true;
          streamed.appendData(piece);
          if (stick) toBottom();
        },
        streamed: () => streamed.data,
      };
    }

    function finishAnswer(view, result) {
      const { msg, text } = view;
      const prefix = 'sa-answer-' + view.index;
      const cardId = (n) => prefix + '-source-' + n;
      const known = new Set(result.citations.map((c) => c.n));
      const stick = nearBottom();
      view.typing.remove();
      msg.classList.replace('sa-msg--pending', 'sa-msg--done');
      if (result.id) msg.setAttribute('data-answer-id', result.id);
      msg.setAttribute('data-answered', String(result.answered));

      // Rebuild the text from the final answer, turning known [n] markers into buttons.
      text.textContent = '';
      const marker = /\[(\d+)\]/g;
      let last = 0;
      let match;
      while ((match = marker.exec(result.answer)) !== null) {
        const n = Number(match[1]);
        if (!known.has(n)) continue; // an unknown marker stays plain text
        text.append(result.answer.slice(last, match.index), citeButton(n, cardId(n)));
        last = match.index + match[0].length;
      }
      text.append(result.answer.slice(last));
      if (result.parts.some((p) => p.kind === 'list')) renderParts(text, result.parts, known, cardId);

      if (result.refusal) {
        msg.classList.add('sa-msg--refusal');
        text.before(el('p.sa-refusal-label', T.refusal));
        msg.append(el('p.sa-hint', { id: prefix + '-hint' }, T.hint), suggestionList(prefix + '-hint'));
      }
      if (result.citations.length) {
        const list = el('ol.sa-source-list', { 'aria-labelledby': prefix + '-sources' });
        for (const c of result.citations) list.append(el('li', sourceCard(c, cardId(c.n))));
        const heading = el('h3.sa-sources-title', { id: prefix + '-sources' }, T.sources);
        msg.append(el('div.sa-sources', heading, list));
      }
      if (result.id) msg.append(feedbackBar(result.id, prefix + '-rate'));
      if (stick) toBottom();
    }

    /**
     * The answer from its parts, replacing the text in `first`: sentences as text with their
     * [n] buttons, a list as its lead-in and a bulleted list of its points.
     */
    function renderParts(first, parts, known, cardId) {
      first.textContent = '';
      let para = first;
      const cite = (n) => (known.has(n) ? [' ', citeButton(n, cardId(n))] : []);
      for (const part of parts) {
        if (part.kind === 'list') {
          if (part.text) para.append(para.textContent ? ' ' : '', part.text + ':', ...cite(part.n));
          const list = el('ul.sa-list');
          for (const item of part.items) list.append(el('li', item));
          para.after(list);
          const next = el('p.sa-answer');
          list.after(next);
          para = next;
        } else {
          para.append(para.textContent ? ' ' : '', part.text, ...cite(part.n));
        }
      }
      if (!para.textContent && para !== first) para.remove();
    }

    /** A [n] marker: opens the matching source card and moves focus to it. */
    function citeButton(n, target) {
      const button = el(
        'button.sa-cite',
        { type: 'button', 'data-n': n, 'aria-controls': target, 'aria-expanded': 'false', 'aria-label': T.cite + n },
        String(n) // the brackets are drawn by the CSS
      );
      button.addEventListener('click', () => {
        const card = shadow.getElementById(target);
        if (!card) return;
        card.open = true;
        card.querySelector('summary').focus({ preventScroll: true });
        reveal(card);
      });
      return button;
    }

    /** A collapsible source card: title, section, passage, date and link. */
    function sourceCard(c, id) {
      const content = el('div.sa-source-body');
      if (c.section) content.append(el('p.sa-source-section', T.section + c.section));
      content.append(el('blockquote.sa-source-text', c.text));
      if (c.updated) {
        content.append(el('p.sa-source-updated', T.updated, el('time', { datetime: c.updated }, c.updated)));
      }
      if (c.url) {
        const attrs = { href: c.url, target: '_blank', rel: 'noopener' };
        const link = el('a.sa-source-link', attrs, T.openSource, el('span.sa-visually-hidden', T.newTab));
        content.append(el('p', link));
      }
      // tabindex: so that Safari, too, can focus the summary
      const summary = el(
        'summary.sa-source-summary',
        { tabindex: 0 },
        el('span.sa-source-n', '[' + c.n + ']'),
        ' ',
        el('span.sa-source-title', c.title)
      );
      const card = el('details.sa-source', { id, 'data-n': c.n }, summary, content);
      // Keep the matching [n] buttons' aria-expanded in step with the card.
      card.addEventListener('toggle', () => {
        const markers = shadow.querySelectorAll('.sa-cite[aria-controls="' + id + '"]');
        for (const b of markers) b.setAttribute('aria-expanded', String(card.open));
      });
      return card;
    }

    /** Thumbs up/down: POSTs /api/feedback once per answer (again only after a failure). */
    function feedbackBar(answerId, labelId) {
      const button = (rating, label, extraClass) =>
        el(
          'button.sa-rate.sa-rate--' + rating,
          { type: 'button', 'aria-pressed': 'false', 'aria-label': label, 'data-rating': rating },
          icon('thumb', extraClass)
        );
      const buttons = [button('up', T.good), button('down', T.bad, 'sa-icon--flip')];
      const thanks = el('span.sa-feedback-thanks');
      const label = el('span.sa-feedback-label', { id: labelId }, T.rateLabel);
      const bar = el('div.sa-feedback', { role: 'group', 'aria-labelledby': labelId }, label, ...buttons, thanks);
      let sent = false;
      const rate = async (chosen) => {
        if (sent) return;
        sent = true;
        chosen.setAttribute('aria-pressed', 'true');
        for (const b of buttons) b.setAttribute('aria-disabled', 'true');
        try {
          const res = await post('/api/feedback', { id: answerId, rating: chosen.getAttribute('data-rating') });
          if (!res.ok) throw new WidgetError(await errorDetail(res));
          thanks.textContent = T.thanks;
          bar.classList.add('sa-feedback--sent');
          announce(T.thanks);
        } catch (err) {
          sent = false; // let the user try again
          chosen.setAttribute('aria-pressed', 'false');
          for (const b of buttons) b.removeAttribute('aria-disabled');
          announce(err instanceof WidgetError ? err.message : T.generic);
        }
      };
      for (const b of buttons) b.addEventListener('click', () => rate(b));
      return bar;
    }

    return { open, close, isOpen };
  }
})();
