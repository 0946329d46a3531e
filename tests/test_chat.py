"""The widget's endpoints: config, streamed chat, feedback and the pages."""

import csv
import json
import sqlite3
from pathlib import Path

import httpx
import pytest

from assistant.api import create_app
from assistant.cli import main
from assistant.config import get_settings
from assistant.municipalities import Municipalities
from assistant.pipeline import Assistant
from tests.conftest import ROOT, serve


@pytest.fixture(scope="module")
def feedback_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("feedback") / "feedback.sqlite"


@pytest.fixture(scope="module")
def url(assistant: Assistant, feedback_db: Path):  # type: ignore[no-untyped-def]
    settings = assistant.settings.model_copy(update={"feedback_db": feedback_db})
    with serve(create_app(settings, assistant)) as base:
        yield base


def _events(response: httpx.Response) -> list[tuple[str, dict]]:
    events = []
    for block in response.text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def test_chat_streams_deltas_then_done(url: str) -> None:
    response = httpx.post(
        f"{url}/api/chat", json={"question": "Vilka kommuner ingår i samarbetet?"}, timeout=30
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = _events(response)
    kinds = [kind for kind, _ in events]
    assert kinds[-1] == "done" and set(kinds[:-1]) == {"delta"}
    done = events[-1][1]
    assert "".join(data["text"] for kind, data in events if kind == "delta") == done["answer"]
    assert done["answered"] and done["citations"] and len(done["id"]) == 32
    for name in ("Botkyrka", "Tyresö"):
        assert name in done["answer"]


def test_chat_errors_before_streaming_are_json(url: str) -> None:
    response = httpx.post(f"{url}/api/chat", json={"question": ""}, timeout=30)
    assert response.status_code == 422
    assert "Frågan är tom" in response.json()["detail"]


def test_feedback_is_stored_without_person_data_and_exported(
    url: str, feedback_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    response = httpx.post(
        f"{url}/api/chat", json={"question": "När formaliserades samverkan?"}, timeout=30
    )
    done = _events(response)[-1][1]
    assert (
        httpx.post(
            f"{url}/api/feedback", json={"id": done["id"], "rating": "down"}, timeout=30
        ).status_code
        == 204
    )
    assert (
        httpx.post(
            f"{url}/api/feedback", json={"id": done["id"], "rating": "up"}, timeout=30
        ).status_code
        == 204
    )
    rows = sqlite3.connect(feedback_db).execute("SELECT * FROM feedback").fetchall()
    assert len(rows) == 1  # a changed mind replaces the earlier rating
    created, answer_id, rating, question, answer, answered, citations = rows[0]
    assert (answer_id, rating, question, answered) == (
        done["id"],
        "up",
        "När formaliserades samverkan?",
        1,
    )
    assert answer == done["answer"] and json.loads(citations)[0]["n"] == 1
    assert "127.0.0.1" not in feedback_db.read_bytes().decode("latin-1")

    out = feedback_db.parent / "export.csv"
    monkeypatch.setenv("ASSISTANT_FEEDBACK_DB", str(feedback_db))
    get_settings.cache_clear()
    try:
        assert main(["feedback", "export", "-o", str(out)]) == 0
    finally:
        get_settings.cache_clear()
    [header, row] = list(csv.reader(out.open(encoding="utf-8")))
    assert header[:3] == ["created", "answer_id", "rating"] and row[1] == done["id"]


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"id": "0" * 32, "rating": "up"}, 404),  # never given
        ({"id": "abc", "rating": "meh"}, 422),
        ({"id": "<script>", "rating": "up"}, 422),
    ],
)
def test_feedback_bad_input(url: str, payload: dict, status: int) -> None:
    response = httpx.post(f"{url}/api/feedback", json=payload, timeout=30)
    assert response.status_code == status
    assert response.json()["detail"]


def test_config_for_known_and_unknown_municipality(url: str) -> None:
    known = httpx.get(f"{url}/api/config", params={"municipality": "huddinge"}, timeout=30).json()
    assert known["name"] == "Huddinge kommun" and known["known"] is True
    assert known["suggestions"] and known["greeting"]  # inherited from [default]
    unknown = httpx.get(f"{url}/api/config", params={"municipality": "atlantis"}, timeout=30).json()
    assert unknown["known"] is False and unknown["name"] == "Södertörnskommunerna"


def test_municipality_origins_are_allowed_by_cors_and_frame_ancestors(url: str) -> None:
    preflight = httpx.options(
        f"{url}/api/chat",
        headers={"Origin": "https://www.tyreso.se", "Access-Control-Request-Method": "POST"},
        timeout=30,
    )
    assert preflight.headers["access-control-allow-origin"] == "https://www.tyreso.se"
    page = httpx.get(f"{url}/sok", timeout=30)
    assert "https://www.huddinge.se" in page.headers["content-security-policy"]
    assert "unsafe-inline" not in page.headers["content-security-policy"]


def test_settings_file_is_checked(tmp_path: Path) -> None:
    from assistant.errors import AssistantError

    bad = tmp_path / "m.toml"
    bad.write_text('[huddinge]\naccent = "red"\n', encoding="utf-8")
    with pytest.raises(AssistantError, match="accent"):
        Municipalities.load(bad)
    bad.write_text('[huddinge]\norigins = ["huddinge.se/*"]\n', encoding="utf-8")
    with pytest.raises(AssistantError, match="origins"):
        Municipalities.load(bad)
    towns = Municipalities.load(ROOT / "municipalities.toml")
    assert len(towns.sections) == 8 and "https://www.salem.se" in towns.origins()


def test_search_returns_highlight_spans(url: str) -> None:
    result = httpx.get(
        f"{url}/api/search", params={"q": "regionala stadskarnor"}, timeout=30
    ).json()["results"][0]
    marked = [result["text"][a:b] for a, b in result["highlights"]]
    assert "stadskärnor" in marked and "regionala" in marked


def test_planted_personal_data_is_never_stored(
    assistant: Assistant, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Ask and rate questions holding the 20+ planted identifiers, then search every byte
    the service wrote: the feedback and question-log files, the CSV export, the log."""
    from assistant.feedback import export_csv
    from tests.test_privacy import PLANTED

    settings = assistant.settings.model_copy(
        update={
            "feedback_db": tmp_path / "feedback.sqlite",
            "question_log": tmp_path / "questions.sqlite",
            "rate_limit_per_minute": 0,
        }
    )
    caplog.set_level("INFO")
    identifiers = [planted for planted, _ in PLANTED]
    assert len(identifiers) >= 20
    with serve(create_app(settings, assistant)) as base:
        for n, planted in enumerate(identifiers):
            question = f"Jag heter Eva och nås på {planted}. Vilka kommuner ingår i samarbetet?"
            response = httpx.post(f"{base}/api/chat", json={"question": question}, timeout=30)
            done = _events(response)[-1][1]
            rating = "up" if n % 2 else "down"
            feedback = httpx.post(
                f"{base}/api/feedback", json={"id": done["id"], "rating": rating}, timeout=30
            )
            assert feedback.status_code == 204
    export = tmp_path / "export.csv"
    with export.open("w", encoding="utf-8", newline="") as out:
        assert export_csv(settings.feedback_db, out) == len(identifiers)
    stored = {
        "feedback": settings.feedback_db.read_bytes().decode("utf-8", "replace"),
        "question log": settings.question_log.read_bytes().decode("utf-8", "replace"),
        "export": export.read_text(encoding="utf-8"),
        "log": "\n".join(r.getMessage() for r in caplog.records),
    }
    for planted in [*identifiers, "Eva"]:  # "Jag heter Eva": a name is personal data too
        for where, text in stored.items():
            assert planted not in text, (planted, where)
    assert "[personnummer]" in stored["export"] and "Vilka kommuner" in stored["export"]
