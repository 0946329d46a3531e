"""The optional language model: an OpenAI-compatible chat endpoint that phrases answers.

Off unless `ASSISTANT_LLM_URL` is set. The model is asked only after retrieval and the
evidence judgement have found an answer, sees only the passages and the scrubbed question,
and what it says is served only as far as `assistant.grounding` finds it supported; anything
else, and every failure (timeout, error, an open circuit breaker, all call slots busy), gives
the extractive answer. Calls are plain HTTP (httpx): a streamed chat completion is a POST
and a stream of server-sent events, which needs no vendor client.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
import tomllib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant import metrics
from assistant.config import Settings
from assistant.privacy import scrub
from assistant.types import Chunk, Turn

log = logging.getLogger(__name__)

PROMPT_FILE = Path(__file__).parent / "prompts" / "answer_sv.toml"


class ModelUnavailable(Exception):
    """The model gave no usable reply; the message says why (for logs and metrics)."""


@dataclass(frozen=True)
class Prompt:
    """The versioned prompt (`prompts/answer_sv.toml`)."""

    version: int
    template: str
    passage: str

    @classmethod
    def load(cls, path: Path = PROMPT_FILE) -> Prompt:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return cls(int(data["version"]), str(data["template"]), str(data["passage"]))

    def messages(
        self, question: str, passages: Sequence[Chunk], history: Sequence[Turn], refusal: str
    ) -> list[dict[str, str]]:
        """The chat messages: the earlier turns, then the rules, passages and question as the
        last user message. Every user text is scrubbed of personal data first."""
        numbered = "\n\n".join(
            self.passage.format(n=n, title=c.title, text=" ".join(c.text.split()))
            for n, c in enumerate(passages, start=1)
        )
        out = [
            {"role": t.role, "content": scrub(t.content) if t.role == "user" else t.content}
            for t in history
            if t.role in ("user", "assistant") and t.content.strip()
        ]
        body = self.template.format(passages=numbered, question=scrub(question), refusal=refusal)
        out.append({"role": "user", "content": body})
        return out


class Breaker:
    """A circuit breaker: after `failures` failed calls in a row, no call for `seconds`;
    then one trial call decides whether calls resume."""

    def __init__(self, failures: int, seconds: float) -> None:
        self.failures = failures
        self.seconds = seconds
        self._lock = threading.Lock()
        self._count = 0
        self._open_until = 0.0

    def allows(self) -> bool:
        with self._lock:
            now = time.monotonic()
            if self._count < self.failures:
                return True
            if now >= self._open_until:
                self._open_until = now + self.seconds  # one trial; others wait for it
                return True
            return False

    def succeeded(self) -> None:
        with self._lock:
            self._count = 0

    def failed(self) -> None:
        with self._lock:
            self._count += 1
            if self._count >= self.failures:
                self._open_until = time.monotonic() + self.seconds


class LanguageModel:
    """An OpenAI-compatible chat endpoint with a deadline, a breaker and a call cap."""

    def __init__(self, settings: Settings) -> None:
        import httpx

        assert settings.llm_url is not None
        self.model = settings.llm_model
        self.timeout = settings.llm_timeout
        self.max_tokens = settings.llm_max_tokens
        self.temperature = settings.llm_temperature
        # No retries (a retry would overrun the deadline; the breaker handles outages).
        self.client = httpx.Client(
            base_url=settings.llm_url.rstrip("/") + "/",
            headers={"Authorization": f"Bearer {settings.llm_key() or 'not-needed'}"},
            timeout=settings.llm_timeout,
        )
        self.breaker = Breaker(settings.llm_breaker_failures, settings.llm_breaker_seconds)
        self._slots = threading.BoundedSemaphore(settings.llm_max_concurrent)
        self.prompt = Prompt.load()

    def stream(self, messages: list[dict[str, str]]) -> Iterator[str]:
        """The reply's text pieces as they arrive, within `timeout` seconds in all.

        Raises:
            ModelUnavailable: Breaker open, all slots busy, an error or the deadline passed;
                pieces already yielded were not the whole reply.
        """
        if not self._slots.acquire(blocking=False):
            metrics.LLM_CALLS.labels("busy").inc()
            raise ModelUnavailable("all model call slots busy")
        if not self.breaker.allows():  # after the slot: a busy refusal spends no trial call
            self._slots.release()
            metrics.LLM_CALLS.labels("breaker_open").inc()
            raise ModelUnavailable("circuit breaker open")
        pieces: queue.Queue[tuple[str, object]] = queue.Queue()
        stop = threading.Event()
        worker = threading.Thread(target=self._read, args=(messages, pieces, stop), daemon=True)
        worker.start()
        deadline = time.monotonic() + self.timeout
        try:
            while True:
                try:
                    kind, value = pieces.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    self._failed("timeout")
                    raise ModelUnavailable(f"no complete reply within {self.timeout} s") from None
                if kind == "text":
                    yield str(value)
                elif kind == "end":
                    self.breaker.succeeded()
                    metrics.LLM_CALLS.labels("ok").inc()
                    return
                elif kind == "timeout":  # the client's own timeout, a moment before ours
                    self._failed("timeout")
                    raise ModelUnavailable(f"no complete reply within {self.timeout} s")
                else:
                    self._failed("error")
                    raise ModelUnavailable(f"model call failed: {value}")
        finally:
            stop.set()  # the reading thread stops at its next piece and frees the slot

    def _failed(self, outcome: str) -> None:
        self.breaker.failed()
        metrics.LLM_CALLS.labels(outcome).inc()

    def _read(
        self,
        messages: list[dict[str, str]],
        pieces: queue.Queue[tuple[str, object]],
        stop: threading.Event,
    ) -> None:
        """Read the streamed reply into `pieces` (in a thread, so the caller keeps its
        deadline however the server trickles)."""
        body = {
            "model": self.model,
            "messages": messages,
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        try:
            with self.client.stream("POST", "chat/completions", json=body) as reply:
                if reply.status_code != 200:
                    raise ModelUnavailable(f"HTTP {reply.status_code}")
                for data in server_sent_data(reply.iter_lines()):
                    if stop.is_set():
                        return
                    if data == "[DONE]":
                        break
                    chunk = json.loads(data)
                    if not isinstance(chunk, dict) or "error" in chunk:
                        raise ModelUnavailable("the stream reported an error")
                    usage = chunk.get("usage")
                    if isinstance(usage, dict):  # the server's own count, when it reports one
                        metrics.LLM_TOKENS.labels("prompt").inc(usage.get("prompt_tokens") or 0)
                        metrics.LLM_TOKENS.labels("completion").inc(
                            usage.get("completion_tokens") or 0
                        )
                    for choice in chunk.get("choices") or ():
                        text = (choice.get("delta") or {}).get("content")
                        if text:
                            metrics.LLM_PIECES.inc()
                            pieces.put(("text", text))
            pieces.put(("end", None))
        except Exception as exc:  # noqa: BLE001 - every failure ends as the extractive answer
            name = type(exc).__name__
            log.warning("Language model call failed: %s", name)
            pieces.put(("timeout" if "Timeout" in name else "error", name))
        finally:
            self._slots.release()


def server_sent_data(lines: Iterable[str]) -> Iterator[str]:
    """The data of each server-sent event in `lines` (the text/event-stream format): the
    `data:` lines of an event joined by newlines; comments and other fields are skipped."""
    data: list[str] = []
    for line in lines:
        if not line:
            if data:
                yield "\n".join(data)
            data = []
        elif line.startswith("data:"):
            value = line[5:]
            data.append(value[1:] if value.startswith(" ") else value)
    if data:
        yield "\n".join(data)
