"""The load client (benchmarks/load.py): its pure parts, and one short run against a stub."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from benchmarks import load
from tests.conftest import serve


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000",
        "http://localhost:8000/",
        "http://[::1]:8000",
        "https://LOCALHOST",
        "http://127.0.0.1:8000/prefix",
    ],
)
def test_loopback_urls_are_accepted(url: str) -> None:
    base = load.check_loopback_url(url)
    assert not base.endswith("/")


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1:8000",
        "http://example.com",
        "https://example.com:443/api",
        "http://192.168.1.10",
        "http://0.0.0.0:8000",
        "http://127.0.0.1@example.com",  # userinfo: the host is example.com
        "http://localhost.example.com",
        "ftp://127.0.0.1",
        "127.0.0.1:8000",  # no scheme
        "http://127.0.0.1:99999",
        "http://127.0.0.1:8000/?q=x",
    ],
)
def test_other_urls_are_refused(url: str) -> None:
    with pytest.raises(load.UsageError):
        load.check_loopback_url(url)


def test_refused_url_is_a_usage_error_with_exit_code_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert load.main(["--url", "http://10.0.0.1:8000", "--seconds", "1"]) == load.EXIT_USAGE
    assert "loopback" in capsys.readouterr().err


def test_localhost_resolves_to_loopback() -> None:
    assert load.resolves_to_loopback("127.0.0.1")
    assert load.resolves_to_loopback("localhost")


@pytest.mark.parametrize("text", ["", "0", "1,x", "-4", "1,2000"])
def test_bad_concurrency_levels_are_refused(text: str) -> None:
    with pytest.raises(load.UsageError):
        load.parse_levels(text)


def test_concurrency_levels_are_parsed() -> None:
    assert load.parse_levels("1,4,16") == (1, 4, 16)
    assert load.parse_levels(" 2 ") == (2,)


def test_percentile_interpolates_between_ranks() -> None:
    values = [float(v) for v in range(1, 101)]  # 1..100, shuffled order must not matter
    random.Random(1).shuffle(values)
    assert load.percentile(values, 0) == 1.0
    assert load.percentile(values, 100) == 100.0
    assert load.percentile(values, 50) == pytest.approx(50.5)
    assert load.percentile(values, 95) == pytest.approx(95.05)
    assert load.percentile(values, 99) == pytest.approx(99.01)
    assert load.percentile([7.0], 99) == 7.0
    assert load.percentile([], 50) is None
    with pytest.raises(ValueError):
        load.percentile([1.0], 101)


def test_summary_counts_each_class_once_and_times_only_2xx() -> None:
    samples = [
        load.Sample(200, 0.010, answered=True),
        load.Sample(200, 0.030, answered=False),
        load.Sample(201, 0.020, answered=True),
        load.Sample(429, 0.001),
        load.Sample(429, 0.001),
        load.Sample(503, 0.002),
        load.Sample(404, 0.002),
        load.Sample(422, 0.002),
        load.Sample(500, 5.0),
        load.Sample(302, 0.002),
        load.Sample(None, 30.0, error="timeout"),
        load.Sample(None, 0.1, error="dropped"),
        load.Sample(None, 0.1, error="dropped"),
    ]
    r = load.summarize(samples, concurrency=4, elapsed_s=2.0)
    assert r.requests == 13
    assert (r.ok_2xx, r.rate_limited_429, r.unavailable_503) == (3, 2, 1)
    assert (r.other_4xx, r.server_5xx, r.other_status, r.transport_errors) == (2, 1, 1, 3)
    counted = (
        r.ok_2xx
        + r.rate_limited_429
        + r.unavailable_503
        + r.other_4xx
        + r.server_5xx
        + r.other_status
        + r.transport_errors
    )
    assert counted == r.requests
    assert r.errors == {"dropped": 2, "timeout": 1}
    assert r.answered == 2
    assert r.throughput_rps == pytest.approx(6.5)
    assert r.ok_rps == pytest.approx(1.5)
    # Percentiles of the three 2xx latencies only (10, 20, 30 ms).
    assert r.p50_ms == pytest.approx(20.0)
    assert r.p99_ms == pytest.approx(29.8)
    table = load.format_table([r])
    assert "p95 ms" in table and "dropped 2" in table


def test_summary_of_nothing() -> None:
    r = load.summarize([], concurrency=1, elapsed_s=0.0)
    assert r.requests == 0 and r.p50_ms is None and r.throughput_rps == 0.0
    assert " - " in load.format_table([r])


def test_question_mix_is_varied_and_swedish() -> None:
    assert len(load.QUESTIONS) >= 25
    assert len(set(load.QUESTIONS)) == len(load.QUESTIONS)
    assert all(q.strip() and len(q) <= 1000 for q in load.QUESTIONS)
    assert any(c in q for q in load.QUESTIONS for c in "åäöÅÄÖ")
    assert any("2010" in q or "formalis" in q for q in load.QUESTIONS)
    assert any(q.isascii() and "ing" in q for q in load.QUESTIONS)  # English or no diacritics


def test_unique_questions_differ() -> None:
    rng = random.Random(0)
    asked = [load.question_for(n, rng, unique=True) for n in range(1, 200)]
    assert len(set(asked)) == len(asked)
    assert asked[16].endswith(" (fråga 17)")
    assert load.question_for(5, random.Random(0), unique=False) in load.QUESTIONS


def test_service_env_turns_the_rate_limit_off_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_RATE_LIMIT_PER_MINUTE", "60")
    monkeypatch.setenv("ASSISTANT_PORT", "8000")
    env = load.service_env(None, None)
    assert env["ASSISTANT_RATE_LIMIT_PER_MINUTE"] == "0"
    assert "ASSISTANT_PORT" not in env
    env = load.service_env(30, 4)
    assert env["ASSISTANT_RATE_LIMIT_PER_MINUTE"] == "30"
    assert env["ASSISTANT_MAX_CONCURRENT"] == "4"


def test_unhealthy_service_exits_1(tmp_path: Path) -> None:
    port = load.free_port()  # nothing listens there
    argv = ["--url", f"http://127.0.0.1:{port}", "--health-timeout", "1"]
    assert load.main([*argv, "--json-out", str(tmp_path / "out.json")]) == load.EXIT_UNHEALTHY


def stub_app() -> tuple[FastAPI, dict[str, int]]:
    """/healthz and /api/ask like the service's; every 5th question gets a 429."""
    app = FastAPI()
    seen = {"asks": 0, "limited": 0}

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/api/ask")
    async def ask(body: dict) -> JSONResponse:  # type: ignore[type-arg]
        seen["asks"] += 1  # async endpoint: one event loop, no lock needed
        assert isinstance(body.get("question"), str) and body["question"].strip()
        if seen["asks"] % 5 == 0:
            seen["limited"] += 1
            detail = {"detail": "För många frågor."}
            return JSONResponse(detail, status_code=429, headers={"Retry-After": "1"})
        return JSONResponse({"answer": "Svar.", "answered": True, "citations": []})

    return app, seen


def test_short_run_against_a_stub_counts_429_apart_from_errors(tmp_path: Path) -> None:
    app, seen = stub_app()
    out = tmp_path / "load.json"
    with serve(app) as url:
        argv = ["--url", url, "--seconds", "2", "--concurrency", "2", "--warmup", "0"]
        code = load.main([*argv, "--unique", "--json-out", str(out)])
    assert code == load.EXIT_OK
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["target"]["started_here"] is False
    [level] = data["levels"]
    assert level["concurrency"] == 2
    assert level["requests"] == seen["asks"] > 5
    assert level["rate_limited_429"] == seen["limited"] == seen["asks"] // 5
    assert level["ok_2xx"] == level["requests"] - level["rate_limited_429"]
    assert level["transport_errors"] == 0 and level["errors"] == {}
    assert level["server_5xx"] == level["other_4xx"] == level["unavailable_503"] == 0
    assert level["answered"] == level["ok_2xx"]
    assert level["p50_ms"] is not None and level["p50_ms"] <= level["p99_ms"]


def test_request_cap_stops_the_run(tmp_path: Path) -> None:
    app, seen = stub_app()
    out = tmp_path / "load.json"
    with serve(app) as url:
        argv = ["--url", url, "--seconds", "30", "--concurrency", "2,2", "--warmup", "2"]
        code = load.main([*argv, "--max-requests", "12", "--json-out", str(out)])
    assert code == load.EXIT_OK
    levels = json.loads(out.read_text(encoding="utf-8"))["levels"]
    assert seen["asks"] == 12  # warm-up included
    assert sum(level["requests"] for level in levels) == 10
    assert levels[0]["capped"] and levels[1]["requests"] == 0
