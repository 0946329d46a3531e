"""The widget and the search page in a real browser (Debian's headless Chromium).

The server is the real app on loopback; accessibility is checked with axe-core from
npm (tests/browser), injected into the page by the test, never fetched from a CDN.
Screenshots go to test-artifacts/screenshots (gitignored) for a person to look at.
"""

from __future__ import annotations

import http.server
import shutil
import socketserver
import sqlite3
import threading
import time
from pathlib import Path

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


def _axe(browser) -> list[dict]:  # type: ignore[no-untyped-def]
    browser.execute_script(AXE.read_text(encoding="utf-8"))
    result = browser.execute_async_script(
        "axe.run(document, {resultTypes: ['violations']}).then(r => arguments[0](r.violations))"
        ".catch(e => arguments[0]([{id: 'axe-error', help: String(e), nodes: []}]))"
    )
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n.get("target") for n in v["nodes"]]}
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
    cite = first.find_element("css selector", "button.sa-cite")
    cite.click()
    card = first.find_element("css selector", "details.sa-source")
    assert card.get_attribute("open") is not None
    assert "Botkyrka" in card.find_element("css selector", ".sa-source-text").text
    assert root.find_element("css selector", "#sa-status").get_attribute("textContent")

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
    with socketserver.TCPServer(
        ("127.0.0.1", 0), lambda *a: _QuietHandler(*a, directory=str(host_dir))
    ) as host:
        host_origin = f"http://127.0.0.1:{host.server_address[1]}"
        threading.Thread(target=host.serve_forever, daemon=True).start()
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
        try:
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
                warnings = [
                    e["message"] for e in browser.get_log("browser") if e["level"] == "WARNING"
                ]
                assert any("atlantis" in w for w in warnings)
                browser.execute_script("window.SodertornsAssistenten.open()")
                answer = _ask(browser, "Var säljs glasstrutar på sommaren?")
                answer.find_element("css selector", "button.sa-cite").click()
                passage = answer.find_element("css selector", ".sa-source-text").text
                assert "<script>window.__xss = 1</script>" in passage
                assert '<img src="x" onerror="window.__xss = 2">' in passage
                assert browser.execute_script("return window.__xss === undefined")
                root = _shadow(browser)
                assert (
                    root.find_elements(
                        "css selector", ".sa-source-text script, .sa-source-text img"
                    )
                    == []
                )
        finally:
            host.shutdown()


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
