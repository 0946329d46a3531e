/*
 * Södertörnsassistenten – the chat widget a municipal site embeds with one tag:
 *   <script src="https://assistent.example/widget.js" data-municipality="huddinge" defer></script>
 * data-open-on="<css selector>" lets the page's own buttons open it too.
 *
 * It takes the service's base URL from its own src and starts loading its stylesheet and
 * GET /api/config at the same moment. It mounts <sodertorns-assistenten id="sodertornsassistenten">,
 * with an open shadow root, in the top layer (a manual popover in <body>), where no page
 * transform, overflow or z-index can move, clip or cover it; without popovers on <html>. The
 * shadow stylesheet's :host rules are !important, which beats even the page's !important rules.
 * The widget is laid out over the visual viewport (window.visualViewport), so a page wider
 * than the screen, pinch zoom or an on-screen keyboard cannot push it out of sight. Where the
 * panel fills the screen (phones, 400 % zoom) it is modal: the page behind is inert and Tab
 * stays in the panel. Answers stream from POST /api/chat as server-sent events read with fetch.
 * Service text is always inserted as text, never HTML. No cookies, storage or tracking: the
 * conversation lives in memory only. Styles set from script (through CSSOM, which a strict
 * CSP allows) are custom properties, and the host's display until the widget is ready.
 */
(function () {
  'use strict';

  const HOST_ID = 'sodertornsassistenten';
  // A custom element: a page's rules for div and the like do not match it.
  const HOST_TAG = 'sodertorns-assistenten';
  const DEFAULT_ACCENT = '#1d4f73'; // the [default] accent of municipalities.toml
  // The service serves widget.js with this path replaced by the content-hashed file's.
  const STYLESHEET = '/static/widget.css';
  // The service's limits come with /api/config; these are the defaults until it answers.
  let MAX_HISTORY = 20; // messages sent with a question
  let MAX_MESSAGE_CHARS = 4000; // per history message
  let MAX_QUESTION_CHARS = 1000; // per question
  const STALL_MS = 60000; // give up on a reply that makes no progress for this long
  const CONTEXT_CHARS = 100; // passage text shown on each side of the quoted sentence
  const FOCUSABLE = 'a[href],button,textarea,[tabindex]:not([tabindex="-1"])';

  // Every user-facing text, in Swedish.
  const T = {
    launcher: 'Fråga assistenten',
    close: 'Stäng',
    disclosure:
      'Du chattar med en AI-assistent. Den svarar bara utifrån källorna och kan ha fel. Skriv inte personuppgifter.',
    examples: 'Du kan till exempel fråga:',
    log: 'Samtal',
    you: 'Du frågade: ',
    bot: 'Assistenten svarade: ',
    typing: 'Söker i källorna',
    inputLabel: 'Din fråga',
    inputHint: 'Enter skickar, Skift+Enter ger ny rad.',
    placeholder: 'Skriv din fråga här',
    send: 'Skicka',
    refusal: 'Kan inte besvaras utifrån källorna',
    hint: 'Jag kan svara på frågor om Södertörnssamarbetet, till exempel:',
    contact: 'Hittar du inte svaret? ',
    sources: 'Källor',
    cite: 'Källa ',
    section: 'Avsnitt: ',
    page: 'Sida ',
    updated: 'Uppdaterad ',
    more: 'Visa hela stycket',
    less: 'Visa mindre',
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
    blocked:
      'Assistenten är inte påslagen för den här webbplatsen ännu. Det är inget fel hos dig; försök gärna igen senare.',
    timeout: 'Det tog för lång tid att få svar. Försök igen.',
    interrupted: 'Svaret avbröts. Försök igen.',
    tooMany: 'För många frågor på kort tid. Vänta en stund och försök igen.',
    busy: 'Assistenten är upptagen just nu. Försök igen om en stund.',
    tooLong: 'Frågan är för lång. Högst ' + MAX_QUESTION_CHARS + ' tecken går bra.',
  };

  // Used when /api/config cannot be reached, so the host page never breaks.
  const FALLBACK = {
    name: 'Södertörnskommunerna',
    greeting: 'Hej! Jag är en AI-assistent som svarar på frågor om Södertörnssamarbetet utifrån källorna.',
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
  const setting = (name) => ((script && script.getAttribute(name)) || '').trim();
  const municipality = setting('data-municipality');
  const warn = (sv, en) => console.warn('Södertörnsassistenten: ' + sv + ' (' + en + ')');
  let blocked = false; // the service refuses this page's origin (CORS)

  // Public API (documented in the README): window.SodertornsAssistenten.open() / .close().
  let widget = null;
  let openWhenReady = null; // the opener, when open() came before the widget was ready
  let markReady;
  const ready = new Promise((resolve) => (markReady = resolve));
  const open = (opener) => (widget ? widget.open(opener) : (openWhenReady = { opener }));
  window.SodertornsAssistenten = Object.freeze({
    open: () => open(null),
    close: () => (widget ? widget.close(false) : (openWhenReady = null)),
    isOpen: () => Boolean(widget && widget.isOpen()),
    ready, // resolves with the host element once the widget is mounted and styled
  });
  listenForOpeners(setting('data-open-on'));

  // The host and its stylesheet go in at once, so the stylesheet loads while /api/config
  // answers. The host stays hidden until both are in.
  const host = document.createElement(HOST_TAG);
  host.id = HOST_ID;
  host.style.setProperty('display', 'none', 'important');
  const shadow = host.attachShadow({ mode: 'open' });
  const stylesheet = el('link', { rel: 'stylesheet', href: base + STYLESHEET });
  const styled = new Promise((resolve) => {
    stylesheet.addEventListener('load', resolve);
    stylesheet.addEventListener('error', () => resolve(warn('widget.css kunde inte laddas.', 'stylesheet failed')));
    setTimeout(resolve, 4000);
  });
  shadow.append(stylesheet);
  (document.body || document.documentElement).append(host);
  const loaded = new Promise((resolve) =>
    document.body ? resolve() : document.addEventListener('DOMContentLoaded', resolve, { once: true })
  );
  Promise.all([loadConfig(), styled, loaded]).then(([config]) => {
    widget = createWidget(config);
    host.style.removeProperty('display');
    mount();
    // Put it back if the page replaces its <body> or empties it (single-page sites do).
    new MutationObserver(() => host.isConnected || mount()).observe(document.documentElement, {
      childList: true,
      subtree: true,
    });
    if (openWhenReady) widget.open(openWhenReady.opener);
    markReady(host);
  });

  /**
   * In <body>, as a manual popover: the top layer is above every z-index and outside the
   * page's transforms, filters and overflow. Without popovers: on <html>, outside <body>.
   */
  function mount() {
    const popover = typeof host.showPopover === 'function' && document.body;
    const parent = popover || document.documentElement;
    if (host.parentNode !== parent) parent.append(host);
    if (popover && !host.matches(':popover-open')) {
      host.setAttribute('popover', 'manual');
      host.showPopover();
    }
  }

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

  /** data-open-on: a click on an element matching the selector opens the widget. */
  function listenForOpeners(selector) {
    if (!selector) return;
    try {
      document.querySelector(selector);
    } catch (err) {
      console.error('Södertörnsassistenten: data-open-on="' + selector + '" är ingen giltig CSS-väljare (invalid selector).');
      return;
    }
    document.addEventListener('click', (event) => {
      const opener = event.target instanceof Element && event.target.closest(selector);
      if (!opener) return;
      event.preventDefault(); // a link to a contact page stays a link where the script is blocked
      open(opener);
    });
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
      if (err instanceof TypeError) await checkOrigin();
      if (!blocked) warn('inställningarna kunde inte hämtas; standardinställningar används.', String(err));
      return cleanConfig({});
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * After a fetch failed at the network level: is the service reachable all the same? An
   * opaque no-cors request succeeds where CORS alone refused, so then this page's origin is
   * not allowed. Tell the web editor exactly what to add where.
   */
  async function checkOrigin() {
    if (blocked) return true;
    try {
      await fetch(base + '/healthz', { mode: 'no-cors', credentials: 'omit', cache: 'no-store' });
    } catch (err) {
      return false; // the service is unreachable: a network problem
    }
    blocked = true;
    const origin = window.location.origin;
    console.error(
      'Södertörnsassistenten: tjänsten ' + base + ' tillåter inte webbplatsen ' + origin +
        '. Lägg till "' + origin + '" i origins under [' + (municipality || 'default') +
        '] i municipalities.toml (eller i ASSISTANT_ALLOWED_ORIGINS) och starta om tjänsten.' +
        ' (Origin ' + origin + ' is not allowed: add it to "origins" in municipalities.toml.)'
    );
    return true;
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
      contact: typeof c.contact === 'string' ? safeUrl(c.contact) : null,
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

  /** A link that opens in a new tab and says so to screen readers. */
  const newTabLink = (spec, href, ...text) =>
    el(spec, { href, target: '_blank', rel: 'noopener' }, ...text, el('span.sa-visually-hidden', T.newTab));

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

  /**
   * The passage as nodes, the quoted sentence in <mark>. Short: the sentence with up to
   * CONTEXT_CHARS of text either side, cut at a sentence or word, with an ellipsis.
   * Returns [nodes, whether text was left out].
   */
  function passage(text, quote, whole) {
    // The quote is the sentence with its white space collapsed: match it word by word.
    const words = (quote || '').split(/\s+/).filter(Boolean);
    const pattern = words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('\\s+');
    const found = pattern ? new RegExp(pattern).exec(text) : null;
    const start = found ? found.index : 0;
    const end = found ? start + found[0].length : 0;
    let from = 0;
    let to = text.length;
    if (!whole) {
      if (start > CONTEXT_CHARS) {
        const before = text.slice(start - CONTEXT_CHARS, start);
        const cut = /[.!?:]\s+/.exec(before) || /\s/.exec(before);
        from = start - CONTEXT_CHARS + (cut ? cut.index + cut[0].length : 0);
      }
      const after = text.slice(end, end + (found ? CONTEXT_CHARS : 2 * CONTEXT_CHARS));
      if (end + after.length < text.length) {
        const cut = after.match(/^[^]*[.!?](?=\s)/) || after.match(/^[^]*\S(?=\s)/);
        to = end + (cut ? cut[0].length : after.length);
      }
    }
    const nodes = [from ? '…' : '', text.slice(from, start)];
    if (found) nodes.push(el('mark', found[0]), text.slice(end, to));
    else nodes.push(text.slice(Math.max(from, start), to));
    nodes.push(to < text.length ? '…' : '');
    return [nodes, from > 0 || to < text.length];
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
      if (extra && extra.signal && extra.signal.aborted) throw new WidgetError(T.timeout);
      throw new WidgetError((await checkOrigin()) ? T.blocked : T.network);
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
    let modal = false;
    let inerted = []; // the page's elements this widget made inert
    let returnTo = null; // a page element that opened the panel (data-open-on)

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
      enterkeyhint: 'send',
      autocomplete: 'off',
    });
    const sendButton = el('button#sa-send.sa-send', { type: 'submit' }, T.send);
    // Why a question was not sent (empty, busy, too long): shown at the field and announced.
    const notice = el('p#sa-notice.sa-notice', { hidden: true });
    const hint = el('p#sa-input-hint.sa-input-hint', T.inputHint);
    const form = el(
      'form#sa-form.sa-form',
      { novalidate: true },
      el('label.sa-label', { for: 'sa-input' }, T.inputLabel),
      el('div.sa-form-row', input, sendButton),
      notice,
      hint
    );
    // The one polite live region: the finished answer, notices, thanks, errors; never
    // streamed pieces. Inside the dialog, which a screen reader may confine itself to.
    const status = el('div#sa-status.sa-visually-hidden', {
      role: 'status',
      'aria-live': 'polite',
      'aria-atomic': 'true',
    });
    // What scrolls as a whole on short viewports (otherwise only the conversation scrolls).
    const scrollBox = el(
      'div.sa-scroll',
      el('div.sa-header', el('h2#sa-title.sa-title', titleFor(config.name)), closeButton),
      // The permanent AI disclosure (EU AI Act art. 50): always shown, cannot be dismissed.
      el('p#sa-disclosure.sa-disclosure', T.disclosure),
      body,
      form,
      status
    );
    const panel = el(
      'div#sa-panel.sa-panel',
      {
        role: 'dialog',
        'aria-modal': 'false',
        'aria-labelledby': 'sa-title',
        'aria-describedby': 'sa-disclosure',
        hidden: true,
      },
      scrollBox
    );
    // The root covers the visual viewport (see fitViewport); launcher and panel sit in it.
    const root = el('div.sa-root', { lang: 'sv', dir: 'ltr' }, launcher, panel);
    root.style.setProperty('--accent', config.accent); // CSSOM: allowed under a strict CSP
    shadow.append(root);
    if (blocked) welcome.replaceChildren(errorMessage(T.blocked)); // no suggestions that fail

    // No keyboard hint on touch screens. Not (hover: none): that is also true with no
    // pointer at all, where the keyboard is all there is.
    const touch = window.matchMedia('(pointer: coarse)');
    const fitHint = () => {
      hint.hidden = touch.matches;
      input.setAttribute('aria-describedby', touch.matches ? 'sa-notice' : 'sa-notice sa-input-hint');
    };
    fitHint();
    touch.addEventListener('change', fitHint);

    // Follow the visual viewport: what is on screen after pinch zoom, with an on-screen
    // keyboard, or on a page wider than the screen (where the layout viewport is wider).
    const viewport = window.visualViewport;
    const fitViewport = () => {
      if (viewport) {
        const box = { left: viewport.offsetLeft, top: viewport.offsetTop, width: viewport.width, height: viewport.height };
        for (const [k, v] of Object.entries(box)) root.style.setProperty('--vv-' + k, v + 'px');
      }
      if (isOpen()) fitModal();
    };
    fitViewport();
    if (viewport) for (const type of ['resize', 'scroll']) viewport.addEventListener(type, fitViewport);
    window.addEventListener('resize', fitViewport);

    // ---------------------------------------------------------------- behaviour

    launcher.addEventListener('click', () => (isOpen() ? close(true) : open()));
    closeButton.addEventListener('click', () => close(true));
    root.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && isOpen()) {
        event.stopPropagation();
        close(true);
      } else if (event.key === 'Tab' && modal) {
        trapTab(event);
      }
    });
    // A modal panel keeps focus, even from the page's own scripts.
    document.addEventListener('focusin', (event) => modal && event.target !== host && input.focus());
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
    input.addEventListener('input', () => showNotice(''));

    function isOpen() {
      return !panel.hidden;
    }

    function open(opener) {
      returnTo = opener || null;
      panel.hidden = false;
      root.classList.add('sa-is-open');
      launcher.setAttribute('aria-expanded', 'true');
      fitModal();
      input.focus();
    }

    function close(returnFocus) {
      const focusInside = panel.contains(shadow.activeElement); // would be lost: move it
      panel.hidden = true;
      root.classList.remove('sa-is-open');
      launcher.setAttribute('aria-expanded', 'false');
      setModal(false);
      const back = returnTo && returnTo.isConnected ? returnTo : launcher;
      returnTo = null;
      if (returnFocus || focusInside) back.focus();
    }

    /** Modal whenever the CSS lets the open panel fill the viewport (phones, high zoom). */
    function fitModal() {
      setModal(isOpen() && getComputedStyle(panel).getPropertyValue('--sa-fills').trim() === '1');
    }

    function setModal(on) {
      if (on === modal) return;
      modal = on;
      panel.setAttribute('aria-modal', String(on));
      if (on) {
        // Everything but the widget and its ancestors (and <head>, which shows nothing).
        for (let node = host; node.parentElement; node = node.parentElement) {
          for (const other of node.parentElement.children) {
            if (other !== node && other !== document.head && other.inert === false) inerted.push(other);
          }
        }
        for (const node of inerted) node.inert = true;
        if (!panel.contains(shadow.activeElement)) input.focus();
      } else {
        for (const node of inerted) node.inert = false;
        inerted = [];
      }
    }

    /** Tab and Shift+Tab go round the modal panel's controls. */
    function trapTab(event) {
      const items = Array.from(panel.querySelectorAll(FOCUSABLE)).filter((n) => n.getClientRects().length);
      const active = shadow.activeElement;
      const [first, last] = [items[0], items[items.length - 1]];
      if (!panel.contains(active) || active === (event.shiftKey ? first : last)) {
        event.preventDefault();
        (event.shiftKey ? last : first).focus();
      }
    }

    /** Say a message in the live region (emptied first, so a repeat is heard again). */
    function announce(message) {
      status.textContent = '';
      setTimeout(() => (status.textContent = message), 50);
    }

    /** Show (or with '' clear) the message at the question field; also announced. */
    function showNotice(message, invalid) {
      notice.textContent = message;
      notice.hidden = !message;
      if (invalid) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
      if (message) announce(message);
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
      showNotice(problem, Boolean(problem) && !busy);
      if (problem) {
        if (!busy) input.focus();
        return false;
      }
      if (input.value.trim() === question) input.value = '';
      ask(question);
      return true;
    }

    function setBusy(on) {
      busy = on;
      // aria-disabled, not disabled: a press while busy still says why nothing happens.
      sendButton.setAttribute('aria-disabled', String(on));
      log.setAttribute('aria-busy', String(on));
      root.classList.toggle('sa-is-busy', on);
      if (!on && notice.textContent === T.wait) showNotice('');
    }

    // The conversation scrolls in .sa-body, except on short viewports, where the CSS lets
    // the whole panel's content scroll instead.
    const scroller = () => (getComputedStyle(body).overflowY === 'visible' ? scrollBox : body);
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

    function errorMessage(message) {
      return el('div.sa-msg.sa-msg--error', el('p.sa-error-text', el('strong', T.error), message));
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
        // The answer itself is read out once it is complete, without its [n] markers.
        const spoken = result.answer.replace(/\s*\[\d+\]/g, '');
        announce(result.refusal ? T.refusal + '. ' + spoken : T.bot + spoken);
      } catch (err) {
        const message = err instanceof WidgetError ? err.message : T.generic;
        const stick = nearBottom();
        view.msg.replaceWith(errorMessage(message));
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
          quote: str(c.quote),
          url: safeUrl(c.url),
          page: Number.isInteger(c.page) ? c.page : null,
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
        // A way on: the municipality's own contact page (`contact` in municipalities.toml).
        if (config.contact) {
          msg.append(el('p.sa-contact', T.contact, newTabLink('a.sa-link', config.contact, 'Kontakta ' + config.name)));
        }
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

    /** A [n] marker: brings its source card into view and focuses the link to the source. */
    function citeButton(n, target) {
      const button = el('button.sa-cite', { type: 'button', 'data-n': n, 'aria-label': T.cite + n }, String(n));
      button.addEventListener('click', () => {
        const card = shadow.getElementById(target);
        if (!card) return;
        for (const other of shadow.querySelectorAll('.sa-source--current')) other.classList.remove('sa-source--current');
        card.classList.add('sa-source--current');
        (card.querySelector('a') || card).focus({ preventScroll: true });
        reveal(card);
      });
      return button;
    }

    /** A source card: the title links to the source at the quoted spot; the passage is
     * shortened around the quoted sentence, which is marked. */
    function sourceCard(c, id) {
      const title = c.url ? newTabLink('a.sa-source-link', c.url, c.title) : el('span.sa-source-title', c.title);
      const card = el('div.sa-source', { id, 'data-n': c.n, tabindex: -1 });
      card.append(el('p.sa-source-head', el('span.sa-source-n', '[' + c.n + ']'), ' ', title));
      const meta = [c.section && T.section + c.section, c.page && T.page + c.page, c.updated && T.updated];
      const line = meta.filter(Boolean).join(' · ');
      if (line) {
        const date = c.updated ? el('time', { datetime: c.updated }, c.updated) : '';
        card.append(el('p.sa-source-meta', line, date));
      }
      const quote = el('blockquote.sa-source-text', { id: id + '-text' });
      const show = (whole) => {
        const [nodes, cut] = passage(c.text, c.quote, whole);
        quote.replaceChildren(...nodes);
        return cut;
      };
      card.append(quote);
      if (show(false)) {
        const more = el('button.sa-more', { type: 'button', 'aria-expanded': 'false', 'aria-controls': id + '-text' }, T.more);
        more.addEventListener('click', () => {
          const whole = more.getAttribute('aria-expanded') !== 'true';
          show(whole);
          more.setAttribute('aria-expanded', String(whole));
          more.textContent = whole ? T.less : T.more;
        });
        card.append(more);
      }
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
