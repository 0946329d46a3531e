"""Feedback storage: scrubbed questions, retention, a row cap and a formula-safe CSV export."""

import csv
import io
import sqlite3
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.feedback import FeedbackStore, export_csv
from assistant.types import Answer, Citation

DAY = 86400.0
START = 1_700_000_000.0  # 2023-11-14


def _answer(text: str = "Samverkan formaliserades 2010. [1]") -> Answer:
    citation = Citation(
        n=1, doc_id="om", title="Om samarbetet", url=None, section=None, text=text, score=0.9
    )
    return Answer(answer=text, answered=True, citations=[citation])


def _rate(store: FeedbackStore, answer_id: str, question: str, rating: str = "up") -> None:
    store.remember(answer_id, question, _answer())
    assert store.rate(answer_id, rating)


def _questions(path: Path) -> list[str]:
    db = sqlite3.connect(path)
    return [q for (q,) in db.execute("SELECT question FROM feedback ORDER BY rowid")]


def test_rated_question_is_stored_scrubbed(tmp_path: Path) -> None:
    path = tmp_path / "feedback.sqlite"
    store = FeedbackStore(path)
    _rate(store, "a1", "Jag är 19811218-9876, svara till anna.svensson@huddinge.se. När startade?")
    assert _questions(path) == ["Jag är [personnummer], svara till [e-post]. När startade?"]
    raw = path.read_bytes().decode("latin-1")
    assert "9876" not in raw and "huddinge.se" not in raw


def test_rows_stored_before_scrubbing_are_scrubbed_at_start(tmp_path: Path) -> None:
    path = tmp_path / "feedback.sqlite"
    FeedbackStore(path, clock=lambda: START)
    db = sqlite3.connect(path)
    with db:  # a row as an older version stored it
        db.execute("PRAGMA user_version = 0")
        db.execute(
            "INSERT INTO feedback VALUES ('2023-11-14T00:00:00Z', 'old', 'up',"
            " 'ring 070-123 45 67', 'svar', 1, '[]')"
        )
    FeedbackStore(path, clock=lambda: START)
    assert _questions(path) == ["ring [telefon]"]


def test_rows_older_than_retention_are_deleted(tmp_path: Path) -> None:
    path = tmp_path / "feedback.sqlite"
    now = [START]
    store = FeedbackStore(path, retention_days=30, clock=lambda: now[0])
    _rate(store, "old", "gammal fråga")
    now[0] += 10 * DAY
    _rate(store, "mid", "fråga från dag tio")
    now[0] += 21 * DAY  # "old" is 31 days old, "mid" 21: an hour has passed, so it purges
    _rate(store, "new", "ny fråga")
    assert _questions(path) == ["fråga från dag tio", "ny fråga"]

    now[0] += 25 * DAY  # a restart purges at once
    FeedbackStore(path, retention_days=30, clock=lambda: now[0])
    assert _questions(path) == ["ny fråga"]


def test_purge_runs_at_most_hourly_on_writes(tmp_path: Path) -> None:
    path = tmp_path / "feedback.sqlite"
    now = [START]
    store = FeedbackStore(path, retention_days=1, clock=lambda: now[0])
    _rate(store, "a", "första")
    purges: list[float] = []
    original = store.purge

    def counted() -> int:
        purges.append(now[0])
        return original()

    store.purge = counted  # type: ignore[method-assign]
    for i in range(5):
        now[0] += 60
        _rate(store, f"b{i}", "inom timmen")
    assert purges == []
    now[0] += 3600
    _rate(store, "c", "en timme senare")
    assert purges == [now[0]]


def test_row_cap_keeps_the_newest(tmp_path: Path) -> None:
    path = tmp_path / "feedback.sqlite"
    now = [START]
    store = FeedbackStore(path, max_rows=3, clock=lambda: now[0])
    for i in range(6):
        now[0] += 1
        _rate(store, f"id{i}", f"fråga {i}")
    assert _questions(path) == ["fråga 3", "fråga 4", "fråga 5"]
    _rate(store, "id3", "fråga 3", rating="down")  # a changed mind makes it the newest
    now[0] += 1
    _rate(store, "id6", "fråga 6")
    assert _questions(path) == ["fråga 5", "fråga 3", "fråga 6"]


@pytest.mark.parametrize(
    "question",
    [
        '=HYPERLINK("http://evil.example","klicka")',
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "\t=1+1",
        "\r=1+1",
    ],
)
def test_csv_export_escapes_formula_cells(tmp_path: Path, question: str) -> None:
    path = tmp_path / "feedback.sqlite"
    store = FeedbackStore(path)
    _rate(store, "f1", question)
    out = io.StringIO()
    assert export_csv(path, out) == 1
    [header, row] = list(csv.reader(io.StringIO(out.getvalue())))
    stored = dict(zip(header, row, strict=True))
    assert stored["question"] == "'" + question
    assert stored["answer"] == "Samverkan formaliserades 2010. [1]"  # ordinary cells as they are
    assert stored["rating"] == "up" and stored["answered"] == "1"


def test_csv_export_escapes_every_string_cell(tmp_path: Path) -> None:
    path = tmp_path / "feedback.sqlite"
    store = FeedbackStore(path)
    store.remember("f2", "När startade samarbetet?", _answer("=1+1"))
    assert store.rate("f2", "up")
    out = io.StringIO()
    export_csv(path, out)
    [header, row] = list(csv.reader(io.StringIO(out.getvalue())))
    stored = dict(zip(header, row, strict=True))
    assert stored["answer"] == "'=1+1" and stored["question"] == "När startade samarbetet?"


def test_settings_for_retention_and_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings()
    assert (settings.feedback_days, settings.feedback_max_rows) == (30, 100_000)
    monkeypatch.setenv("ASSISTANT_FEEDBACK_DAYS", "7")
    monkeypatch.setenv("ASSISTANT_FEEDBACK_MAX_ROWS", "500")
    settings = Settings()
    assert (settings.feedback_days, settings.feedback_max_rows) == (7, 500)
    monkeypatch.setenv("ASSISTANT_FEEDBACK_DAYS", "0")
    with pytest.raises(ValueError):
        Settings()
