"""/metrics: Prometheus text format with requests, latency, answers, cache and index."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

from assistant.api import create_app
from assistant.pipeline import Assistant
from tests.conftest import serve

QUESTION = "När formaliserades samverkan?"


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def _value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_are_scraped_in_prometheus_text_format(assistant: Assistant) -> None:
    with serve(create_app(assistant.settings, assistant)) as url:
        with httpx.Client(base_url=url, timeout=30) as client:
            before = _samples(client.get("/metrics").text)
            assert client.get("/healthz").status_code == 200
            for _ in range(2):  # the second is answered from the cache
                assert client.post("/api/ask", json={"question": QUESTION}).json()["answered"]
            refused = client.post("/api/ask", json={"question": "Vad kostar en pizza i Rom?"})
            assert refused.json()["answered"] is False
            assert client.get("/api/search", params={"q": "stadskärnor"}).status_code == 200
            assert client.get("/finns/inte").status_code == 404
            response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert QUESTION not in response.text and "pizza" not in response.text  # counts only
    after = _samples(response.text)

    def added(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    requests = "assistant_http_requests_total"
    assert added(requests, route="/api/ask", method="POST", status="200") == 3
    assert added(requests, route="/healthz", method="GET", status="200") == 1
    assert added(requests, route="/api/search", method="GET", status="200") == 1
    assert added(requests, route="other", method="GET", status="404") == 1
    assert added("assistant_http_request_duration_seconds_count", route="/api/ask") == 3
    assert added("assistant_answers_total", outcome="answered") == 2
    assert added("assistant_answers_total", outcome="refused") == 1
    assert added("assistant_answer_cache_total", result="hit") >= 1
    assert _value(after, "assistant_index_info", version=assistant.index.version) == 1
    assert _value(after, "assistant_index_chunks") == len(assistant.index.chunks)
