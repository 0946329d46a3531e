"""Repeated questions are answered from a cache that belongs to the index being served."""

from __future__ import annotations

from fastapi.testclient import TestClient

from assistant.api import create_app
from assistant.config import Settings
from assistant.pipeline import Assistant
from assistant.types import Turn


def test_repeated_question_is_served_from_the_cache(assistant: Assistant) -> None:
    question = "Vilka principer ska prägla samverkan?"
    history = [Turn("user", "Vad är Södertörnssamarbetet?")]
    first = assistant.ask(question, history)
    assert assistant.cached_answer(question, history) is first
    assert assistant.ask(question, history) is first
    # Another history is another question.
    assert assistant.cached_answer(question, []) is not first


def test_reload_starts_an_empty_cache(seed_settings: Settings, assistant: Assistant) -> None:
    bot = Assistant(seed_settings)
    bot.embedder = assistant.embedder
    bot.reload()
    question = "När formaliserades samverkan?"
    bot.ask(question)
    assert bot.cached_answer(question) is not None
    bot.reload()  # a (re)loaded index brings its own, empty cache
    assert bot.cached_answer(question) is None


def test_api_answers_a_repeated_question_identically(
    seed_settings: Settings, assistant: Assistant
) -> None:
    settings = seed_settings.model_copy(update={"rate_limit_per_minute": 0})
    with TestClient(create_app(settings, assistant)) as client:
        body = {"question": "Hur många invånare har Södertörn?"}
        first = client.post("/api/ask", json=body)
        again = client.post("/api/ask", json=body)
        assert first.status_code == again.status_code == 200
        assert first.json() == again.json()
        assert client.post("/api/ask", json={"question": "   "}).status_code == 422


def test_a_question_with_personal_data_is_never_cached(assistant: Assistant) -> None:
    question = "Jag heter Eva, 19811218-9876, vilka kommuner ingår?"
    first = assistant.ask(question)
    assert assistant.cached_answer(question) is None
    assert assistant.ask(question) is not first  # answered again, from nothing kept
    history = [Turn("user", "Min mejl är eva@example.se")]
    assistant.ask("När formaliserades samverkan?", history)
    assert assistant.cached_answer("När formaliserades samverkan?", history) is None
