import sqlite3
from pathlib import Path

import httpx
import pytest

from assistant.api import create_app
from assistant.pipeline import Assistant
from assistant.questionlog import QuestionLog, scrub
from tests.conftest import serve


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mejla anna.svensson@huddinge.se", "mejla [e-post]"),
        ("mitt personnummer är 19850312-1234", "mitt personnummer är [personnummer]"),
        ("ring 08-123 456 78 eller +46 70 123 45 67", "ring [telefon] eller [telefon]"),
        ("När formaliserades samverkan år 2010?", "När formaliserades samverkan år 2010?"),
        # The shared scrubber (assistant.privacy): non-ASCII hyphens, addresses, cards.
        ("jag är 811218\u20139876", "jag är [personnummer]"),
        ("bor på Storgatan 12B", "bor på [adress]"),
        ("kort 4111 1111 1111 1111", "kort [kortnummer]"),
    ],
)
def test_scrub(text: str, expected: str) -> None:
    assert scrub(text) == expected


def test_rows_older_than_retention_are_purged(tmp_path: Path) -> None:
    now = [1_000_000_000.0]
    log = QuestionLog(tmp_path / "q.sqlite", retention_days=30, clock=lambda: now[0])
    log.record("gammal fråga", answered=True, citations=1)
    now[0] += 31 * 86400
    log.record("ny fråga", answered=False, citations=0)  # an hour has passed: purges
    rows = (
        sqlite3.connect(tmp_path / "q.sqlite").execute("SELECT question FROM questions").fetchall()
    )
    assert rows == [("ny fråga",)]


def test_row_cap_keeps_the_newest(tmp_path: Path) -> None:
    log = QuestionLog(tmp_path / "q.sqlite", retention_days=30, max_rows=3)
    for i in range(5):
        log.record(f"fråga {i}", answered=True, citations=1)
    db = sqlite3.connect(tmp_path / "q.sqlite")
    rows = db.execute("SELECT question FROM questions ORDER BY rowid").fetchall()
    assert rows == [("fråga 2",), ("fråga 3",), ("fråga 4",)]


def test_no_questions_are_stored_by_default(assistant: Assistant, tmp_path: Path) -> None:
    assert assistant.settings.question_log is None
    with serve(create_app(assistant.settings, assistant)) as url:
        httpx.post(f"{url}/api/ask", json={"question": "När formaliserades samverkan?"}, timeout=30)
    assert not list(tmp_path.iterdir())


def test_opt_in_log_keeps_scrubbed_question_and_nothing_identifying(
    assistant: Assistant, tmp_path: Path
) -> None:
    settings = assistant.settings.model_copy(update={"question_log": tmp_path / "q.sqlite"})
    with serve(create_app(settings, assistant)) as url:
        httpx.post(
            f"{url}/api/ask",
            json={"question": "Jag heter Anna, anna@example.se. När formaliserades samverkan?"},
            timeout=30,
        )
    db = sqlite3.connect(tmp_path / "q.sqlite")
    columns = [row[1] for row in db.execute("PRAGMA table_info(questions)")]
    assert columns == ["hour", "question", "answered", "citations"]
    [(hour, question, answered, citations)] = db.execute("SELECT * FROM questions").fetchall()
    assert question == "Jag heter [namn], [e-post]. När formaliserades samverkan?"
    assert answered == 1 and citations == 1 and hour % 3600 == 0
    assert "127.0.0.1" not in (tmp_path / "q.sqlite").read_bytes().decode("latin-1")
