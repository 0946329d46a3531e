"""Prometheus metrics at /metrics: requests, latency, answers, cache hits and the index.

The numbers are counts and timings only, never a question or an answer. With several worker
processes (`assistant serve --workers N`), each writes its samples to files in the folder named
by `PROMETHEUS_MULTIPROC_DIR` (the CLI sets one up) and /metrics adds them together, as
prometheus-client's multiprocess mode documents.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.types import Scope

from assistant.types import Answer

REQUESTS = Counter(
    "assistant_http_requests_total",
    "HTTP requests by route, method and status code.",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "assistant_http_request_duration_seconds",
    "Time from the request's arrival to its last byte sent, by route.",
    ["route"],
    buckets=(0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
ANSWERS = Counter(
    "assistant_answers_total",
    "Answers given, by outcome: answered (with citations), refused, smalltalk.",
    ["outcome"],
)
CACHE = Counter(
    "assistant_answer_cache_total",
    "Questions answered from the answer cache (hit) or composed anew (miss).",
    ["result"],
)
LLM_CALLS = Counter(
    "assistant_llm_calls_total",
    "Language model calls by outcome: ok, timeout, error, busy (no free slot), breaker_open.",
    ["outcome"],
)
LLM_TOKENS = Counter(
    "assistant_llm_tokens_total",
    "Tokens the language model server reported using, by kind (prompt, completion).",
    ["kind"],
)
LLM_PIECES = Counter(
    "assistant_llm_streamed_pieces_total",
    "Text pieces streamed from the language model (about one token each).",
)
LLM_ANSWERS = Counter(
    "assistant_llm_answers_total",
    "What became of a language model reply: served (verified), fallback (extractive served).",
    ["result"],
)
INDEX_CHUNKS = Gauge(
    "assistant_index_chunks",
    "Passages in the index being served.",
    multiprocess_mode="mostrecent",
)
INDEX_INFO = Gauge(
    "assistant_index_info",
    "The build id of the index being served (value 1).",
    ["version"],
    multiprocess_mode="mostrecent",
)


def count_answer(answer: Answer) -> None:
    """Count an answer by its outcome."""
    if answer.answered:
        outcome = "answered"
    elif answer.shape == "smalltalk":
        outcome = "smalltalk"
    else:
        outcome = "refused"
    ANSWERS.labels(outcome).inc()


def set_index(version: str, chunks: int) -> None:
    """Record the index now served: its version's series is 1, a previous one's 0 (the
    multiprocess mode of --workers cannot drop a series)."""
    global _served
    if _served not in (None, version):
        INDEX_INFO.labels(_served).set(0)
    _served = version
    INDEX_INFO.labels(version).set(1)
    INDEX_CHUNKS.set(chunks)


_served: str | None = None


def exposition() -> tuple[bytes, str]:
    """The metrics in the Prometheus text format, and its content type."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST


def observe_request(scope: Scope, status: int, seconds: float) -> None:
    """Count and time one HTTP request. The router leaves the matched route in the scope: its
    template keeps labels few ("/kallor/{name:path}"); a path no route serves is "other"."""
    route = getattr(scope.get("route"), "path", None) or "other"
    method = scope.get("method", "")
    REQUESTS.labels(route, method if method in _METHODS else "other", str(status)).inc()
    LATENCY.labels(route).observe(seconds)


_METHODS = {"GET", "HEAD", "POST", "OPTIONS", "PUT", "DELETE", "PATCH"}
