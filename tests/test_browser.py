"""The widget and the search page in a real browser (Debian's headless Chromium).

The server is the real app on loopback; accessibility is checked with axe-core from
npm (tests/browser), injected into the page by the test, never fetched from a CDN.
Screenshots go to test-artifacts/screenshots (gitignored) for a person to look at.

Municipal sites are not the demo page, so the widget is also embedded from another origin (a
second loopback server) into host pages that do what real ones do: transform the body, hold
a table wider than a phone, carry hostile CSS, run right to left; each on a desktop, a phone
and at 400 % zoom.
"""

from __future__ import annotations

import gzip
import http.server
import json
import re
import shutil
import socketserver
import sqlite3
import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from assistant.api import create_app
from assistant.config import Settings
from assistant.pipeline import Assistant
from tests.conftest import MUNICIPALITIES, ROOT, serve

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
AXE = ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = ROOT / "test-artifacts" / "screenshots"
#: A hand-written fixture (not a source): a passage with markup that must stay inert.
XSS_FIXTURE = """---
title: Testfixtur med skadlig kod
---

# Testfixtur med skadlig kod

Glasstrutar säljs i kiosken vid badplatsen <script>window.__xss = 1</script> varje sommar.
Kiosken har en skylt <img src="x" onerror="window.__xss = 2"> med priser på glass.
"""

pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists() and AXE.exists()),
    reason="needs Debian chromium, chromium-driver and axe-core (make test installs them)",
)


@pytest.fixture(scope="module")
def site(assistant: Assistant, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The real app on loopback, with feedback in a fresh SQLite file."""
    db = tmp_path_factory.mktemp("browser") / "feedback.sqlite"
    settings = assistant.settings.model_copy(update={"feedback_db": db})
    with serve(create_app(settings, assistant)) as url:
        yield url, db


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,900",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    driver.set_script_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def _open_demo(browser, url: str, width: int = 1280) -> None:  # type: ignore[no-untyped-def]
    browser.set_window_size(width, 900)
    browser.get(url + "/")
    browser.execute_async_script("window.SodertornsAssistenten.ready.then(() => arguments[0]())")


def _shadow(browser):  # type: ignore[no-untyped-def]
    return browser.find_element("css selector", "#sodertornsassistenten").shadow_root


def _ask(browser, question: str) -> object:  # type: ignore[no-untyped-def]
    """Type a question into the open widget, send it, and return the finished answer element."""
    root = _shadow(browser)
    before = len(root.find_elements("css selector", ".sa-msg--done"))
    box = root.find_element("css selector", "#sa-input")
    box.clear()
    box.send_keys(question)
    root.find_element("css selector", "#sa-send").click()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        done = root.find_elements("css selector", ".sa-msg--done")
        if len(done) > before:
            return done[-1]
        time.sleep(0.1)
    raise AssertionError(f"no answer to {question!r}")


def _visible_text(element, seconds: float = 10) -> str:  # type: ignore[no-untyped-def]
    """The element's rendered text once it shows (a panel that is opening has none yet)."""
    deadline = time.monotonic() + seconds
    while not (text := element.text) and time.monotonic() < deadline:
        time.sleep(0.05)
    return text


def _live_text(browser, start: str, seconds: float = 10) -> str:  # type: ignore[no-untyped-def]
    """What the polite live region says, once it says something beginning with `start`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        said = (
            _shadow(browser).find_element("css selector", "#sa-status").get_attribute("textContent")
        )
        if said.startswith(start):
            return said
        time.sleep(0.05)
    raise AssertionError(f"the live region never said {start!r}")


def _axe(browser) -> list[dict]:  # type: ignore[no-untyped-def]
    """axe-core's violations, and its colour-contrast checks it could not decide ("needs
    review"): contrast must be checked, not left to a person."""
    browser.execute_script(AXE.read_text(encoding="utf-8"))
    result = browser.execute_async_script(
        "axe.run(document, {resultTypes: ['violations', 'incomplete']})"
        ".then(r => arguments[0](r.violations.concat("
        "  r.incomplete.filter(i => i.id === 'color-contrast'))))"
        ".catch(e => arguments[0]([{id: 'axe-error', help: String(e), nodes: []}]))"
    )
    return [
        {
            "id": v["id"],
            "help": v["help"],
            "nodes": [(n.get("target"), [c.get("message") for c in n["any"]]) for n in v["nodes"]],
        }
        for v in result
    ]


def _screenshot(browser, name: str) -> Path:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    browser.save_screenshot(str(path))
    return path


def test_conversation_follow_up_refusal_and_feedback(browser, site) -> None:  # type: ignore[no-untyped-def]
    url, db = site
    _open_demo(browser, url)
    root = _shadow(browser)
    launcher = root.find_element("css selector", "#sa-launcher")
    assert launcher.tag_name == "button" and launcher.get_attribute("aria-expanded") == "false"
    launcher.click()
    assert launcher.get_attribute("aria-expanded") == "true"
    disclosure = _visible_text(root.find_element("css selector", "#sa-disclosure"))
    assert "AI" in disclosure and "personuppgifter" in disclosure

    first = _ask(browser, "Vilka kommuner ingår i samarbetet?")
    text = first.find_element("css selector", ".sa-answer").text
    for name in MUNICIPALITIES:
        assert name in text
    # One click on a marker: its card is in view and focus is on the link to the source,
    # which opens the page at the quoted sentence. The passage is cut around that sentence,
    # which is marked; the whole passage is a click away.
    first.find_element("css selector", "button.sa-cite").click()
    card = first.find_element("css selector", ".sa-source")
    link = card.find_element("css selector", "a.sa-source-link")
    assert root.find_element("css selector", ":focus") == link
    assert "#:~:text=" in link.get_attribute("href") and link.get_attribute("target") == "_blank"
    marked = card.find_element("css selector", ".sa-source-text mark").text
    assert all(name in marked for name in MUNICIPALITIES)
    passage = card.find_element("css selector", ".sa-source-text")
    short = passage.text
    assert short.endswith("…")
    more = card.find_element("css selector", "button.sa-more")
    more.click()
    assert more.get_attribute("aria-expanded") == "true" and len(passage.text) > len(short)
    assert "formaliserades år 2010" in passage.text
    # The finished answer is read out (the log itself is not live: no streamed pieces).
    spoken = _live_text(browser, "Assistenten svarade:")
    assert "Botkyrka" in spoken and "[1]" not in spoken

    follow = _ask(browser, "Och när formaliserades det?")
    assert "2010" in follow.find_element("css selector", ".sa-answer").text

    listed = _ask(browser, "Vilka principer ska samverkan ha?")
    points = listed.find_elements("css selector", "ul.sa-list li")
    assert len(points) == 5 and "gemensamma nyttan" in points[0].text
    assert listed.find_elements("css selector", "button.sa-cite")

    hello = _ask(browser, "hej")
    assert "sa-msg--refusal" not in hello.get_attribute("class") and "AI-assistent" in hello.text

    refusal = _ask(browser, "Har du ett bra recept på kanelbullar?")
    assert "sa-msg--refusal" in refusal.get_attribute("class")
    assert "Det framgår inte av källorna" in refusal.text
    # A way on: the municipality's contact page from municipalities.toml.
    contact = refusal.find_element("css selector", ".sa-contact a")
    assert contact.get_attribute("href") == "https://www.huddinge.se/"
    assert contact.text.startswith("Kontakta Huddinge kommun")

    answer_id = first.get_attribute("data-answer-id")
    first.find_element("css selector", ".sa-rate--up").click()
    deadline = time.monotonic() + 10
    rows: list = []
    while time.monotonic() < deadline and not rows:
        if db.exists():
            rows = (
                sqlite3.connect(db)
                .execute("SELECT rating, question FROM feedback WHERE answer_id = ?", (answer_id,))
                .fetchall()
            )
        time.sleep(0.1)
    assert rows == [("up", "Vilka kommuner ingår i samarbetet?")]
    _screenshot(browser, "widget-1280")
    assert _axe(browser) == []


def test_keyboard_only_walk_through(browser, site) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    url, _ = site
    _open_demo(browser, url)
    active_in_widget = (
        "const h = document.querySelector('#sodertornsassistenten');"
        "return document.activeElement === h && h.shadowRoot.activeElement"
        " ? h.shadowRoot.activeElement.id : null;"
    )
    for _ in range(40):  # Tab through the page until the launcher has focus
        ActionChains(browser).send_keys(Keys.TAB).perform()
        if browser.execute_script(active_in_widget) == "sa-launcher":
            break
    else:
        raise AssertionError("the launcher cannot be reached with Tab")
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    root = _shadow(browser)
    assert (
        root.find_element("css selector", "#sa-launcher").get_attribute("aria-expanded") == "true"
    )
    # Tab reaches the question box; typing and Enter send the question.
    for _ in range(20):
        if browser.execute_script(active_in_widget) == "sa-input":
            break
        ActionChains(browser).send_keys(Keys.TAB).perform()
    else:
        raise AssertionError("the question box cannot be reached with Tab")
    ActionChains(browser).send_keys("När formaliserades samverkan?").send_keys(Keys.ENTER).perform()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not root.find_elements("css selector", ".sa-msg--done"):
        time.sleep(0.1)
    assert "2010" in root.find_elements("css selector", ".sa-msg--done")[-1].text
    # No keyboard trap: Tab moves on through the widget and out of it again.
    seen = set()
    for _ in range(60):
        ActionChains(browser).send_keys(Keys.TAB).perform()
        seen.add(browser.execute_script(active_in_widget))
        if None in seen:
            break
    assert None in seen, "focus never left the widget"
    # Escape closes the panel and focus returns to the launcher.
    browser.execute_script("window.SodertornsAssistenten.open()")
    ActionChains(browser).send_keys(Keys.ESCAPE).perform()
    assert (
        root.find_element("css selector", "#sa-launcher").get_attribute("aria-expanded") == "false"
    )
    assert browser.execute_script(active_in_widget) == "sa-launcher"


def test_reflow_and_screenshot_at_320px(browser, site) -> None:  # type: ignore[no-untyped-def]
    url, _ = site
    _open_demo(browser, url, width=320)
    browser.execute_script("window.SodertornsAssistenten.open()")
    _ask(browser, "Vad är syftet med samverkan?")
    overflow = browser.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    _screenshot(browser, "widget-320")
    assert _axe(browser) == []


@pytest.mark.parametrize("width", [1280, 320])
def test_search_page(browser, site, width: int) -> None:  # type: ignore[no-untyped-def]
    url, _ = site
    browser.set_window_size(width, 900)
    browser.get(url + "/sok?q=regionala+stadskarnor")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not browser.find_elements(
        "css selector", "#results li.result"
    ):
        time.sleep(0.1)
    first = browser.find_element("css selector", "#results li.result")
    marks = [m.text for m in first.find_elements("css selector", ".result-text mark")]
    assert "stadskärnor" in marks  # diacritic-insensitive and stemmed
    assert (
        browser.find_element("css selector", "#q").get_attribute("value") == "regionala stadskarnor"
    )
    assert "träff" in browser.find_element("css selector", "#status").text
    assert (
        browser.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        <= 0
    )
    _screenshot(browser, f"sok-{width}")
    assert _axe(browser) == []


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def test_embedded_cross_origin_with_unknown_municipality_and_inert_markup(
    browser, assistant: Assistant, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """A web team's page on another origin; a passage with <script>/<img onerror> stays text."""
    corpus = tmp_path / "corpus"
    shutil.copytree(assistant.settings.corpus_dir, corpus)
    (corpus / "xss-fixtur.md").write_text(XSS_FIXTURE, encoding="utf-8")
    host_dir = tmp_path / "host"
    host_dir.mkdir()
    with _host_server(host_dir) as host_origin:
        settings = Settings(
            corpus_dir=corpus,
            index_dir=tmp_path / "index",
            model_cache_dir=assistant.settings.model_cache_dir,
            feedback_db=tmp_path / "feedback.sqlite",
            allowed_origins=[host_origin],
        )
        bot = Assistant(settings)
        bot.embedder = assistant.embedder
        bot.warm_up()
        with serve(create_app(settings, bot)) as service:
            (host_dir / "index.html").write_text(
                '<!doctype html><html lang="sv"><head><title>Värdsida</title></head><body>'
                "<main><h1>En annan webbplats</h1></main>"
                f'<script src="{service}/widget.js" data-municipality="atlantis" defer></script>'
                "</body></html>",
                encoding="utf-8",
            )
            browser.set_window_size(1280, 900)
            browser.get(host_origin + "/index.html")
            browser.execute_async_script(
                "window.SodertornsAssistenten.ready.then(() => arguments[0]())"
            )
            warnings = [e["message"] for e in browser.get_log("browser") if e["level"] == "WARNING"]
            assert any("atlantis" in w for w in warnings)
            launcher = _shadow(browser).find_element("css selector", "#sa-launcher")
            assert launcher.value_of_css_property("background-color") == "rgba(29, 79, 115, 1)"
            browser.execute_script("window.SodertornsAssistenten.open()")
            answer = _ask(browser, "Var säljs glasstrutar på sommaren?")
            answer.find_element("css selector", "button.sa-cite").click()
            for more in answer.find_elements("css selector", "button.sa-more"):
                more.click()  # the whole passage
            passage = answer.find_element("css selector", ".sa-source-text").text
            assert "<script>window.__xss = 1</script>" in passage
            assert '<img src="x" onerror="window.__xss = 2">' in passage
            assert browser.execute_script("return window.__xss === undefined")
            root = _shadow(browser)
            assert (
                root.find_elements("css selector", ".sa-source-text script, .sa-source-text img")
                == []
            )


def test_search_page_limits_to_a_type_of_source_and_clears_an_empty_query(
    browser, assistant: Assistant, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """Staff limit a search to PDFs of one municipality; the hit shows its page."""
    from tests.conftest import TINY_MARKDOWN
    from tests.documents import GUIDE_BLOCKS, PROGRAMME_PAGES, make_docx, make_pdf

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "bibliotek.md").write_text(TINY_MARKDOWN, encoding="utf-8")
    make_pdf(corpus / "parkprogram.pdf", PROGRAMME_PAGES, title="Parkprogram för Exempelby")
    (corpus / "parkprogram.pdf.meta.json").write_text(
        '{"municipality": "huddinge", "updated": "2025-03-01"}', encoding="utf-8"
    )
    make_docx(corpus / "guide.docx", GUIDE_BLOCKS, title="Föreningsbidrag")
    settings = assistant.settings.model_copy(
        update={"corpus_dir": corpus, "index_dir": tmp_path / "index"}
    )
    bot = Assistant(settings)
    bot.embedder = assistant.embedder
    bot.warm_up()
    with serve(create_app(settings, bot)) as url:
        browser.set_window_size(1280, 900)
        browser.get(url + "/sok?q=lekplatser+rullstol&kind=pdf")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not browser.find_elements(
            "css selector", "#results li.result"
        ):
            time.sleep(0.1)
        results = browser.find_elements("css selector", "#results li.result")
        assert results and all("Parkprogram" in r.text for r in results)
        meta = results[0].find_element("css selector", ".result-meta").text
        assert "Sida\n2" in meta and "Huddinge kommun" in meta and "PDF" in meta
        assert browser.find_element("css selector", "#filters").is_displayed()
        assert browser.find_element("css selector", "#kind").get_attribute("value") == "pdf"
        towns = browser.find_elements("css selector", "#municipality option")
        assert [o.text for o in towns] == ["Alla kommuner", "Huddinge kommun"]
        assert _axe(browser) == []

        # An empty query: one message at the field, no stale results, the URL reset.
        browser.find_element("css selector", "#q").clear()
        browser.find_element("css selector", "#search-button").click()
        assert (
            browser.find_element("css selector", "#q-error").text == "Skriv något att söka efter."
        )
        assert browser.find_element("css selector", "#status").text == ""
        assert not browser.find_elements("css selector", "#results li.result")
        assert browser.execute_script("return window.location.search") == ""

        # The widget cites the PDF at its page; a file without a URL of its own is linked to
        # the service's copy (the citation's relative URL resolved against the service).
        _open_demo(browser, url)
        browser.execute_script("window.SodertornsAssistenten.open()")
        answer = _ask(browser, "Hur många lekplatser ska byggas om?")
        answer.find_element("css selector", "button.sa-cite").click()
        card = answer.find_element("css selector", ".sa-source")
        link = card.find_element("css selector", "a.sa-source-link")
        assert link.get_attribute("href") == f"{url}/kallor/parkprogram.pdf#page=2"
        assert "tolv lekplatser" in card.find_element("css selector", "mark").text
        assert "Sida 2" in card.find_element("css selector", ".sa-source-meta").text


# ---------------------------------------------------------------- real municipal pages

#: Host pages (hand-written fixtures, not sources): each does something real municipal
#: sites do that the demo page does not. Values: <html> attributes, page CSS, main content.
ARTICLE = "".join(
    f"<h2>Avsnitt {n}</h2><p>Här står det om avgifter, öppettider och hur du ansöker om "
    "plats i förskolan. Läs mer på sidan om barnomsorg eller kontakta kommunens "
    "servicecenter.</p>"
    for n in range(1, 25)
)
FEE_TABLE = (
    "<table><caption>Avgifter för förskola</caption><thead><tr><th>Inkomst per månad</th>"
    "<th>Första barnet</th><th>Andra barnet</th><th>Tredje barnet</th></tr></thead><tbody>"
    + "".join(
        f"<tr><td>{n * 10_000} kronor</td><td>{n * 300} kr</td><td>{n * 200} kr</td>"
        f"<td>{n * 100} kr</td></tr>"
        for n in range(1, 6)
    )
    + "</tbody></table>"
)
HOSTILE_CSS = """
html { font-size: 62.5% !important; }
* { box-sizing: content-box !important; position: static !important; z-index: 1 !important;
    font: 700 1.8rem/2 Georgia, serif !important; letter-spacing: 0.1em !important;
    color: #1a1a1a !important; text-transform: uppercase !important; transform: none !important;
    visibility: visible !important; opacity: 1 !important; }
div { padding: 30px; background: yellow; border: 3px solid green; }
button { display: none; }
[popover] { inset: auto !important; padding: 40px !important; background: red !important; }
::backdrop { background: rgb(0 0 0 / 60%) !important; }
#sodertornsassistenten { width: 300px !important; height: 300px !important; margin: 50px !important; }
"""
ARABIC = (
    "<h2>معلومات باللغة العربية</h2><p>هنا تجد معلومات عن خدمات البلدية، مثل المدرسة "
    "ورعاية الأطفال والمكتبة.</p>"
) * 12
HOST_PAGES = {
    # A transformed body (a smooth-scrolling or GPU trick): position: fixed inside it is
    # fixed to the body, so a launcher there sits at the foot of a long page, off screen.
    "transform": ('lang="sv"', "body { transform: translateZ(0); }", ARTICLE),
    # A table wider than a phone: Chromium widens the layout viewport to fit it, so what is
    # fixed to the layout viewport ends up partly off the 375 px screen.
    "table": (
        'lang="sv"',
        "table { width: 640px; border-collapse: collapse; } th, td { border: 1px solid #555;"
        " padding: 4px; text-align: left; }",
        FEE_TABLE + ARTICLE,
    ),
    "hostile": (
        'lang="sv"',
        HOSTILE_CSS,
        '<div class="notis"><p>Viktigt meddelande om vintervägar.</p>'
        '<button type="button">Stäng meddelandet</button></div>' + ARTICLE,
    ),
    "rtl": ('lang="ar" dir="rtl"', "", ARABIC),
}

#: How each page is looked at. "zoom400": Chromium's own 400 % zoom of a 1280 × 900 window
#: lays the page out in 320 × 225 CSS pixels at 4 device pixels each, and that is exactly
#: what the device-metrics override sets: the same media queries, viewport units and layout
#: (WCAG 1.4.10's reflow case), not a CSS transform or `zoom` that the page could see through.
#: "phone": a 375 × 740 phone with a mobile viewport (meta viewport honoured) and touch.
VIEWPORTS = {
    "desktop": None,
    "phone": {"width": 375, "height": 740, "deviceScaleFactor": 2, "mobile": True},
    "zoom400": {"width": 320, "height": 225, "deviceScaleFactor": 4, "mobile": False},
}

#: Once the panel's opening animation is over: boxes in CSS pixels relative to the layout
#: viewport (the visual viewport, i.e. what is on screen, the launcher, the panel); whether
#: the launcher is what is hit at its centre and at four points around it; and whether the
#: page is what is hit where it shows (not the widget's host or a backdrop).
GEOMETRY = """
const reply = arguments[arguments.length - 1];
const host = document.getElementById('sodertornsassistenten');
const root = host.shadowRoot, vv = window.visualViewport;
const box = (e) => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
const launcher = root.getElementById('sa-launcher'), panel = root.getElementById('sa-panel');
Promise.all(panel.getAnimations().map((a) => a.finished)).then(() => {
const [l, t, r, b] = box(launcher);
const points = [[0.5, 0.5], [0.25, 0.3], [0.75, 0.3], [0.25, 0.7], [0.75, 0.7]];
const hit = !launcher.getClientRects().length || points.every(([x, y]) => {
  const px = l + (r - l) * x, py = t + (b - t) * y;
  return document.elementFromPoint(px, py) === host && launcher.contains(root.elementFromPoint(px, py));
});
const style = getComputedStyle(host);
reply({
  view: [vv.offsetLeft, vv.offsetTop, vv.offsetLeft + vv.width, vv.offsetTop + vv.height],
  launcher: launcher.getClientRects().length ? [l, t, r, b] : null,
  panel: panel.hidden ? null : box(panel),
  hit,
  page: document.elementFromPoint(vv.offsetLeft + 5, vv.offsetTop + 5) !== host,
  host: [style.width, style.height, style.paddingTop, style.borderTopWidth, style.backgroundColor],
  modal: panel.getAttribute('aria-modal'),
  inert: Boolean(document.querySelector('main').closest('[inert]')),
});
});
"""

FOCUS_IN_PANEL = """
const host = document.getElementById('sodertornsassistenten');
const active = host.shadowRoot.activeElement;
return document.activeElement === host && active
  && host.shadowRoot.getElementById('sa-panel').contains(active)
  ? (active.id || active.className || active.tagName) : null;
"""


def _host_page(title: str, html_attributes: str, css: str, main: str, service: str) -> str:
    return (
        f"<!doctype html><html {html_attributes}><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{title}</title><style>{css}</style></head><body>"
        f"<header><p>Exempelby kommun</p></header><main><h1>{title}</h1>{main}</main>"
        f"<script src='{service}/widget.js' data-municipality='huddinge' defer></script>"
        "</body></html>"
    )


@contextmanager
def _host_server(folder: Path) -> Iterator[str]:
    """A plain static server on another loopback port: a web team's site. Threaded, so a
    connection Chromium opens ahead and leaves idle does not hold up the others."""
    with socketserver.ThreadingTCPServer(
        ("127.0.0.1", 0), lambda *a: _QuietHandler(*a, directory=str(folder))
    ) as host:
        host.daemon_threads = True
        threading.Thread(target=host.serve_forever, daemon=True).start()
        try:
            yield f"http://127.0.0.1:{host.server_address[1]}"
        finally:
            host.shutdown()


@pytest.fixture(scope="module")
def embedding(assistant: Assistant, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The real app, the host pages on an allowed origin, and a site that is not allowed.

    Yields (service URL, allowed site, other site, folder of the pages)."""
    pages = tmp_path_factory.mktemp("host-pages")
    with _host_server(pages) as allowed, _host_server(pages) as other:
        settings = assistant.settings.model_copy(
            update={
                "allowed_origins": [allowed],
                "rate_limit_per_minute": 0,
                "feedback_db": pages.parent / "embedding-feedback.sqlite",
            }
        )
        with serve(create_app(settings, assistant)) as service:
            for name, (attributes, css, main) in HOST_PAGES.items():
                page = _host_page(f"Värdsida: {name}", attributes, css, main, service)
                (pages / f"{name}.html").write_text(page, encoding="utf-8")
            yield service, allowed, other, pages


def _emulate(browser, viewport: str) -> None:  # type: ignore[no-untyped-def]
    metrics = VIEWPORTS[viewport]
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    browser.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": False})
    browser.set_window_size(1280, 900)
    if metrics:
        browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    if viewport == "phone":
        browser.execute_cdp_cmd(
            "Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 5}
        )


@pytest.fixture
def emulation(browser):  # type: ignore[no-untyped-def]
    """Sets a viewport for one test and restores the plain desktop window afterwards."""
    yield lambda viewport: _emulate(browser, viewport)
    _emulate(browser, "desktop")


def _load(browser, url: str) -> None:  # type: ignore[no-untyped-def]
    browser.get(url)
    browser.execute_async_script("window.SodertornsAssistenten.ready.then(() => arguments[0]())")


def _inside(inner: list[float], outer: list[float], slack: float = 1.0) -> bool:
    return (
        inner[0] >= outer[0] - slack
        and inner[1] >= outer[1] - slack
        and inner[2] <= outer[2] + slack
        and inner[3] <= outer[3] + slack
    )


def _tab_round(browser, times: int, shift: bool = False) -> list:  # type: ignore[no-untyped-def]
    """Press Tab (or Shift+Tab) `times` times; where focus was after each press."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    seen = []
    for _ in range(times):
        chain = ActionChains(browser)
        if shift:
            chain.key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT)
        else:
            chain.send_keys(Keys.TAB)
        chain.perform()
        seen.append(browser.execute_script(FOCUS_IN_PANEL))
    return seen


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("page", list(HOST_PAGES))
def test_widget_on_real_municipal_pages(browser, embedding, emulation, page, viewport) -> None:  # type: ignore[no-untyped-def]
    """Launcher on screen and on top, the panel inside the visual viewport, modal with focus
    kept in it wherever it fills the screen, no axe violation, host CSS kept out."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    _, allowed, _, _ = embedding
    emulation(viewport)
    _load(browser, f"{allowed}/{page}.html")
    closed = browser.execute_async_script(GEOMETRY)
    assert closed["launcher"] and _inside(closed["launcher"], closed["view"]), closed
    assert closed["hit"] and closed["page"], closed
    # The host element takes no room and wears none of the page's styles.
    assert closed["host"] == ["0px", "0px", "0px", "0px", "rgba(0, 0, 0, 0)"]
    assert _axe(browser) == []

    root = _shadow(browser)
    root.find_element("css selector", "#sa-launcher").click()
    opened = browser.execute_async_script(GEOMETRY)
    assert _inside(opened["panel"], opened["view"]), opened
    fills = opened["panel"] == pytest.approx(opened["view"], abs=1)
    assert fills == (viewport != "desktop"), opened
    assert opened["modal"] == str(fills).lower() and opened["inert"] == fills
    if not fills:
        assert opened["hit"] and opened["launcher"], opened

    if viewport == "phone":  # little of a small screen goes to the panel's header and form
        chrome = browser.execute_script(
            "const r = document.getElementById('sodertornsassistenten').shadowRoot;"
            "return r.getElementById('sa-panel').getBoundingClientRect().height"
            " - r.querySelector('.sa-body').getBoundingClientRect().height"
        )
        height = opened["view"][3] - opened["view"][1]
        print(f"{page} on a phone: panel header and form take {chrome:.0f} of {height:.0f} px")
        assert chrome <= 0.27 * height  # 275 of 740 px before the compact phone header

    # An empty question: the reason is shown at the field, not only announced.
    root.find_element("css selector", "#sa-send").click()
    notice = root.find_element("css selector", "#sa-notice")
    assert notice.is_displayed() and notice.text == "Skriv en fråga först."
    # The keyboard hint only where there is a keyboard (the phone has touch).
    hint = root.find_element("css selector", "#sa-input-hint")
    described = root.find_element("css selector", "#sa-input").get_attribute("aria-describedby")
    assert hint.is_displayed() == (viewport != "phone") == ("sa-input-hint" in described)
    answer = _ask(browser, "Vilka kommuner ingår i samarbetet?")
    assert not notice.is_displayed()
    answer.find_element("css selector", "button.sa-cite").click()
    answered = browser.execute_async_script(GEOMETRY)
    assert _inside(answered["panel"], answered["view"]), answered
    _screenshot(browser, f"host-{page}-{viewport}")
    assert _axe(browser) == []

    if fills:
        # Focus goes round the panel's controls and never reaches the page behind it.
        controls = len(root.find_elements("css selector", "#sa-panel button, #sa-panel a"))
        forward = _tab_round(browser, controls + 3)
        backward = _tab_round(browser, controls + 3, shift=True)
        assert None not in forward + backward, (forward, backward)
        assert "sa-close" in forward and "sa-input" in backward
    ActionChains(browser).send_keys(Keys.ESCAPE).perform()
    after = browser.execute_async_script(GEOMETRY)
    assert after["panel"] is None and not after["inert"] and after["modal"] == "false"
    focused = browser.execute_script(
        "const h = document.getElementById('sodertornsassistenten');"
        "return document.activeElement === h && h.shadowRoot.activeElement.id"
    )
    assert focused == "sa-launcher"


def test_pinch_zoom_keeps_the_widget_on_screen(browser, embedding, emulation) -> None:  # type: ignore[no-untyped-def]
    """Zoomed in with two fingers, the screen shows a quarter of the page: the launcher and
    the open panel follow the visual viewport, not the page."""
    _, allowed, _, _ = embedding
    emulation("phone")
    _load(browser, f"{allowed}/table.html")
    browser.execute_cdp_cmd("Emulation.setPageScaleFactor", {"pageScaleFactor": 2})
    try:
        deadline = time.monotonic() + 5
        while browser.execute_script("return visualViewport.scale") != 2:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        # The widget follows the visual viewport on its resize event: on a loaded machine
        # that comes a moment after the zoom, so the geometry is read until it has moved.
        closed = _settled(browser, lambda g: _inside(g["launcher"], g["view"]) and g["hit"])
        assert closed["view"][2] - closed["view"][0] == pytest.approx(187.5)
        assert _inside(closed["launcher"], closed["view"]) and closed["hit"], closed
        browser.execute_script("window.SodertornsAssistenten.open()")
        opened = _settled(browser, lambda g: g["panel"] == pytest.approx(g["view"], abs=1))
        assert opened["panel"] == pytest.approx(opened["view"], abs=1), opened
    finally:
        browser.execute_cdp_cmd("Emulation.setPageScaleFactor", {"pageScaleFactor": 1})


def _settled(browser, done, seconds: float = 5.0) -> dict:  # type: ignore[no-untyped-def]
    """The widget's geometry once `done(geometry)` holds, or the last reading after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        geometry = browser.execute_async_script(GEOMETRY)
        if done(geometry) or time.monotonic() > deadline:
            return geometry  # type: ignore[no-any-return]
        time.sleep(0.1)


def _widget_errors(browser) -> list[str]:  # type: ignore[no-untyped-def]
    return [
        e["message"]
        for e in browser.get_log("browser")
        if e["level"] == "SEVERE" and "Södertörnsassistenten" in e["message"]
    ]


def test_an_origin_that_is_not_allowed_is_named_to_the_editor(browser, embedding) -> None:  # type: ignore[no-untyped-def]
    """The editor reads which origin to add to which file; the resident is not told to
    check a connection that works; the colours are the default's."""
    _, _, other, _ = embedding
    browser.get_log("browser")  # start from an empty console
    _load(browser, f"{other}/transform.html")
    errors = _widget_errors(browser)
    assert len(errors) == 1, errors
    assert other in errors[0] and "municipalities.toml" in errors[0] and "origins" in errors[0]
    root = _shadow(browser)
    accent = root.find_element("css selector", "#sa-launcher").value_of_css_property(
        "background-color"
    )
    assert accent == "rgba(29, 79, 115, 1)"  # #1d4f73, the [default] accent
    browser.execute_script("window.SodertornsAssistenten.open()")
    _screenshot(browser, "origin-not-allowed")
    notice = root.find_element("css selector", ".sa-msg--error").get_attribute("textContent")
    assert "inte påslagen" in notice and "anslutning" not in notice
    box = root.find_element("css selector", "#sa-input")
    box.send_keys("Vilka kommuner ingår i samarbetet?")
    root.find_element("css selector", "#sa-send").click()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        shown = root.find_elements("css selector", ".sa-msg--error")
        if len(shown) == 2:
            break
        time.sleep(0.05)
    assert "inte påslagen" in shown[-1].text and "anslutning" not in shown[-1].text
    assert "inte påslagen" in _live_text(browser, "Assistenten är inte")
    assert _widget_errors(browser) == []  # said once, not per question
    assert _axe(browser) == []


def test_a_page_button_opens_the_widget(browser, embedding) -> None:  # type: ignore[no-untyped-def]
    """data-open-on lets the page's own button open the chat, and focus goes back to that
    button on close; window.SodertornsAssistenten.open() and .close() do the same."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    service, allowed, _, pages = embedding
    main = (
        "<p>Har du frågor om samarbetet?</p>"
        "<p><button type='button' class='chatt-knapp'>Chatta med assistenten</button></p>"
    )
    page = _host_page("Kontakt", 'lang="sv"', "", main, service)
    (pages / "button.html").write_text(
        page.replace("data-municipality", "data-open-on='.chatt-knapp' data-municipality"),
        encoding="utf-8",
    )
    _load(browser, f"{allowed}/button.html")
    button = browser.find_element("css selector", ".chatt-knapp")
    button.click()
    assert browser.execute_script("return window.SodertornsAssistenten.isOpen()")
    assert browser.execute_script(FOCUS_IN_PANEL) == "sa-input"
    ActionChains(browser).send_keys(Keys.ESCAPE).perform()
    assert not browser.execute_script("return window.SodertornsAssistenten.isOpen()")
    assert browser.switch_to.active_element == button

    browser.execute_script("window.SodertornsAssistenten.open()")
    assert browser.execute_script(FOCUS_IN_PANEL) == "sa-input"
    browser.execute_script("window.SodertornsAssistenten.close()")
    assert not browser.execute_script("return window.SodertornsAssistenten.isOpen()")

    # A selector that is no selector is named in the console.
    (pages / "bad-selector.html").write_text(
        page.replace("data-municipality", "data-open-on='[' data-municipality"),
        encoding="utf-8",
    )
    browser.get_log("browser")
    _load(browser, f"{allowed}/bad-selector.html")
    assert any("data-open-on" in e for e in _widget_errors(browser))


def test_inline_notices_while_busy(browser, embedding) -> None:  # type: ignore[no-untyped-def]
    """Sending while an answer is on its way says so at the field, and the notice goes once
    the answer is in."""
    _, allowed, _, _ = embedding
    _load(browser, f"{allowed}/transform.html")
    browser.execute_script("window.SodertornsAssistenten.open()")
    root = _shadow(browser)
    # Both presses in one script: a loopback answer could otherwise be in before the second.
    shown = browser.execute_script(
        "const r = document.getElementById('sodertornsassistenten').shadowRoot;"
        "const input = r.getElementById('sa-input'), send = r.getElementById('sa-send');"
        "input.value = 'När formaliserades samverkan?'; send.click();"
        "input.value = 'Vad är syftet med samverkan?'; send.click();"
        "const notice = r.getElementById('sa-notice');"
        "return [notice.textContent, notice.checkVisibility(), send.getAttribute('aria-disabled')];"
    )
    assert shown == ["Vänta tills svaret är klart.", True, "true"]
    notice = root.find_element("css selector", "#sa-notice")
    send = root.find_element("css selector", "#sa-send")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not root.find_elements("css selector", ".sa-msg--done"):
        time.sleep(0.05)
    assert not notice.is_displayed() and send.get_attribute("aria-disabled") == "false"
    # The second question is still in the box, ready to send.
    assert root.find_element("css selector", "#sa-input").get_attribute("value") == (
        "Vad är syftet med samverkan?"
    )


#: Widget script and stylesheet together, gzip-compressed as sent (a budget, in bytes).
WIDGET_BUDGET = 15_000


def test_widget_files_are_small_cached_and_loaded_at_once(browser, site) -> None:  # type: ignore[no-untyped-def]
    url, _ = site
    gzip_only = {"Accept-Encoding": "gzip"}
    script = httpx.get(f"{url}/widget.js", headers=gzip_only, timeout=30)
    assert script.headers["content-encoding"] == "gzip"
    assert script.headers["cache-control"] == "public, max-age=300"  # the stable embed URL
    again = httpx.get(
        f"{url}/widget.js", headers={"If-None-Match": script.headers["etag"]}, timeout=30
    )
    assert again.status_code == 304
    match = re.search(r"/static/widget\.[0-9a-f]{12}\.css", script.text)
    assert match, "widget.js does not name its content-hashed stylesheet"
    css = httpx.get(url + match.group(), headers=gzip_only, timeout=30)
    assert css.headers["content-encoding"] == "gzip"
    assert css.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "max-age" in httpx.get(f"{url}/static/widget.css", timeout=30).headers["cache-control"]
    wire = script.num_bytes_downloaded + css.num_bytes_downloaded
    print(
        f"widget over the wire (gzip): widget.js {script.num_bytes_downloaded} B"
        f" + {match.group()} {css.num_bytes_downloaded} B = {wire} B"
        f" (uncompressed {len(script.content)} + {len(css.content)} B)"
    )
    assert wire <= WIDGET_BUDGET
    assert gzip.decompress(gzip.compress(script.content)) == script.content

    # In the browser: the stylesheet is requested before /api/config has answered, and
    # what came over the wire is the same size.
    _open_demo(browser, url)
    timing = browser.execute_script(
        "const by = (part) => performance.getEntriesByType('resource')"
        "  .find((e) => e.name.includes(part));"
        "const [js, css, config] = ['/widget.js', '/static/widget.', '/api/config'].map(by);"
        "return {css: css.startTime, config: config.responseEnd,"
        "  bytes: js.encodedBodySize + css.encodedBodySize};"
    )
    assert timing["css"] < timing["config"]
    assert timing["bytes"] <= WIDGET_BUDGET


def test_first_answer_text_latency(browser, embedding) -> None:  # type: ignore[no-untyped-def]
    """Time from pressing Skicka to the frame that shows the first answer text, on loopback,
    for 20 different questions. Printed and written to test-artifacts, never asserted:
    timing belongs in benchmarks, not in pass/fail."""
    _, allowed, _, _ = embedding
    dev = [json.loads(line) for line in (ROOT / "eval" / "dev.jsonl").open(encoding="utf-8")]
    questions = [q["question"] for q in dev if q["kind"] == "answerable" and not q["history"]]
    _load(browser, f"{allowed}/transform.html")
    browser.execute_script("window.SodertornsAssistenten.open()")
    measure = """
const [question, reply] = arguments;
const root = document.getElementById('sodertornsassistenten').shadowRoot;
const log = root.getElementById('sa-log');
const before = log.querySelectorAll('.sa-msg--done').length;
let seen = false, shown = null, replied = false;
const check = () => {
  const answer = log.querySelector('.sa-msg--pending .sa-answer, .sa-msg--done:last-child .sa-answer');
  if (!seen && answer && answer.textContent.trim()) {
    seen = true;  // in the DOM; shown in the frame the next animation frame callback starts
    requestAnimationFrame(() => (shown = performance.now() - start));
  }
  if (shown !== null && !replied && log.querySelectorAll('.sa-msg--done').length > before) {
    replied = true;
    observer.disconnect();
    reply(shown);
  }
};
const observer = new MutationObserver(check);
observer.observe(log, {subtree: true, childList: true, characterData: true});
root.getElementById('sa-input').value = question;
const start = performance.now();
root.getElementById('sa-send').click();
const poll = setInterval(() => (replied ? clearInterval(poll) : check()), 5);
"""
    times = [browser.execute_async_script(measure, q) for q in questions[:20]]
    median = statistics.median(times)
    slowest = max(times)
    result = {
        "questions": len(times),
        "median_ms": round(median, 1),
        "max_ms": round(slowest, 1),
        "all_ms": [round(t, 1) for t in times],
    }
    SHOTS.parent.mkdir(parents=True, exist_ok=True)
    (SHOTS.parent / "widget-latency.json").write_text(json.dumps(result), encoding="utf-8")
    print(
        f"first answer text shown after {median:.1f} ms (median of {len(times)}; max {slowest:.1f})"
    )
    assert len(times) == 20


@pytest.mark.parametrize("contact", ["javascript:alert(1)", "www.huddinge.se/kontakt", 42])
def test_a_contact_page_must_be_a_web_address(tmp_path: Path, contact: object) -> None:
    """(Settings the widget shows; its natural home would be test_chat.py.)"""
    from assistant.errors import AssistantError
    from assistant.municipalities import Municipalities

    bad = tmp_path / "m.toml"
    bad.write_text(f"[huddinge]\ncontact = {json.dumps(contact)}\n", encoding="utf-8")
    with pytest.raises(AssistantError, match=r"\[huddinge\]: contact"):
        Municipalities.load(bad)


def test_config_serves_the_contact_page(site) -> None:  # type: ignore[no-untyped-def]
    url, _ = site
    known = httpx.get(f"{url}/api/config", params={"municipality": "tyreso"}, timeout=30).json()
    assert known["contact"] == "https://www.tyreso.se/"
    unknown = httpx.get(f"{url}/api/config", params={"municipality": "atlantis"}, timeout=30)
    assert unknown.json()["contact"] == "https://sodertornskommunerna.se/"  # from [default]
