"""Request limits, rate limiting, headers and the reload endpoint, on a real server."""

import asyncio
import ipaddress
import json
import shutil
import threading
from pathlib import Path

import httpx
import pytest

from assistant.api import create_app
from assistant.config import Settings
from assistant.middleware import (
    ConcurrencyLimit,
    FailureLimit,
    RateLimiter,
    client_address,
    parse_networks,
)
from assistant.pipeline import Assistant
from tests.conftest import serve


def _settings(base: Settings, **changes: object) -> Settings:
    return base.model_copy(update=changes)


def test_oversized_body_gets_413_in_swedish(assistant: Assistant) -> None:
    settings = _settings(assistant.settings, max_body_bytes=2048)
    with serve(create_app(settings, assistant)) as url:
        big = {"question": "Hej?", "history": [{"role": "user", "content": "å" * 3000}]}
        response = httpx.post(f"{url}/api/ask", json=big, timeout=30)
        assert response.status_code == 413
        assert "för stor" in response.json()["detail"]

        def chunks():  # no Content-Length: the cap must hold for a streamed body too
            yield b'{"question": "'
            for _ in range(100):
                yield b"a" * 100
            yield b'"}'

        streamed = httpx.post(
            f"{url}/api/ask",
            content=chunks(),
            headers={"Content-Type": "application/json"},
            timeout=30,
        )
        assert streamed.status_code == 413
        small = httpx.post(
            f"{url}/api/ask", json={"question": "När formaliserades samverkan?"}, timeout=30
        )
        assert small.status_code == 200


def test_rate_limit_answers_429_with_retry_after(assistant: Assistant) -> None:
    settings = _settings(assistant.settings, rate_limit_per_minute=3)
    with (
        serve(create_app(settings, assistant)) as url,
        httpx.Client(base_url=url, timeout=30) as client,
    ):
        statuses = [
            client.get("/api/search", params={"q": "stadskärnor"}).status_code for _ in range(5)
        ]
        assert statuses[:3] == [200, 200, 200]
        limited = client.get("/api/search", params={"q": "stadskärnor"})
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) >= 1
        assert "För många frågor" in limited.json()["detail"]
        assert client.get("/healthz").status_code == 200  # health checks are never limited


def test_forwarded_for_is_ignored_from_untrusted_peers(assistant: Assistant) -> None:
    settings = _settings(assistant.settings, rate_limit_per_minute=2)
    with (
        serve(create_app(settings, assistant)) as url,
        httpx.Client(base_url=url, timeout=30) as client,
    ):
        codes = [
            client.get(
                "/api/search", params={"q": "x"}, headers={"X-Forwarded-For": f"203.0.113.{i}"}
            ).status_code
            for i in range(4)
        ]
        assert codes.count(429) == 2  # spoofed addresses did not buy extra requests


def _scope(peer: str, forwarded: str | None) -> dict:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    return {"type": "http", "client": (peer, 5000), "headers": headers, "path": "/api/ask"}


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "expected"),
    [
        ("198.51.100.7", "203.0.113.9", [], "198.51.100.7"),  # no trusted proxies: the peer
        ("198.51.100.7", "203.0.113.9", ["10.0.0.0/8"], "198.51.100.7"),  # peer not a proxy
        ("10.0.0.2", "203.0.113.9", ["10.0.0.0/8"], "203.0.113.9"),  # via our proxy
        ("10.0.0.2", "1.2.3.4, 203.0.113.9, 10.0.0.5", ["10.0.0.0/8"], "203.0.113.9"),  # chain
        ("10.0.0.2", None, ["10.0.0.0/8"], "10.0.0.2"),
        ("10.0.0.2", "inte-en-adress", ["10.0.0.0/8"], "inte-en-adress"),
        ("::1", "2001:db8::1", ["::1"], "2001:db8::1"),
    ],
)
def test_client_address(
    peer: str, forwarded: str | None, trusted: list[str], expected: str
) -> None:
    assert client_address(_scope(peer, forwarded), parse_networks(trusted)) == expected


def test_token_bucket_refills_and_stays_bounded() -> None:
    now = [0.0]
    limiter = RateLimiter(60, max_clients=3, clock=lambda: now[0])
    assert all(limiter.take("a") == 0 for _ in range(60))
    assert limiter.take("a") == pytest.approx(1.0)
    now[0] += 2.0
    assert limiter.take("a") == 0  # two seconds bought two tokens
    for key in "bcde":
        limiter.take(key)
    assert len(limiter._buckets) == 3
    assert isinstance(parse_networks(["127.0.0.1"])[0], ipaddress.IPv4Network)


def test_idle_buckets_are_forgotten_after_a_minute() -> None:
    now = [0.0]
    limiter = RateLimiter(60, clock=lambda: now[0])
    for key in ("a", "b", "c"):
        limiter.take(key)
    now[0] = 30.0
    limiter.take("c")
    now[0] = 61.0
    limiter.take("d")
    assert set(limiter._buckets) == {"c", "d"}  # a and b were idle for a minute


def test_concurrency_cap_gives_quick_503() -> None:
    release = asyncio.Event()

    async def slow_app(scope, receive, send):  # type: ignore[no-untyped-def]
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    capped = ConcurrencyLimit(slow_app, limit=1)
    sent: list[dict] = []

    async def run() -> None:
        async def receive():  # type: ignore[no-untyped-def]
            return {"type": "http.request", "body": b""}

        async def collect(message):  # type: ignore[no-untyped-def]
            sent.append(message)

        scope = {"type": "http", "path": "/api/ask", "headers": []}
        first = asyncio.create_task(capped(scope, receive, collect))
        await asyncio.sleep(0.01)
        await capped(scope, receive, collect)  # returns at once: the cap is reached
        assert sent[0]["status"] == 503
        release.set()
        await first
        assert sent[-2]["status"] == 200
        assert capped.in_flight == 0

    asyncio.run(run())


def test_security_headers(assistant: Assistant) -> None:
    settings = _settings(assistant.settings, allowed_origins=["https://intranat.example"])
    with (
        serve(create_app(settings, assistant)) as url,
        httpx.Client(base_url=url, timeout=30) as client,
    ):
        api = client.post("/api/ask", json={"question": "Vilka kommuner ingår?"})
        assert api.headers["x-content-type-options"] == "nosniff"
        assert api.headers["referrer-policy"] == "no-referrer"
        assert api.headers["cache-control"] == "no-store"
        policy = api.headers["content-security-policy"]
        assert "frame-ancestors 'self' " in policy
        assert "https://intranat.example" in policy and "https://www.huddinge.se" in policy
        assert api.headers["x-request-id"]
        cors = client.options(
            "/api/ask",
            headers={"Origin": "https://intranat.example", "Access-Control-Request-Method": "POST"},
        )
        assert cors.headers["access-control-allow-origin"] == "https://intranat.example"
        other = client.post(
            "/api/ask", json={"question": "Hej?"}, headers={"Origin": "https://evil.example"}
        )
        assert "access-control-allow-origin" not in other.headers
        missing = client.get("/finns-inte")
        assert "Traceback" not in missing.text and "/work" not in missing.text


def test_access_log_has_no_question_and_no_address(assistant: Assistant, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level("INFO", logger="assistant.access")
    with serve(create_app(assistant.settings, assistant)) as url:
        httpx.get(f"{url}/api/search", params={"q": "hemlig fråga om skatt"}, timeout=30)
    lines = [r.getMessage() for r in caplog.records if r.name == "assistant.access"]
    assert lines and "status=200" in lines[-1] and "index=" in lines[-1]
    assert all("hemlig" not in line and "127.0.0.1" not in line for line in lines)


@pytest.fixture
def own_index(assistant: Assistant, tmp_path: Path) -> Assistant:
    """An assistant with an index of its own, safe to rebuild and break."""
    settings = _settings(
        assistant.settings,
        index_dir=tmp_path / "index",
        corpus_dir=tmp_path / "corpus",
        admin_token="hemlig-nyckel",
    )
    shutil.copytree(assistant.settings.corpus_dir, settings.corpus_dir)
    bot = Assistant(settings)
    bot.embedder = assistant.embedder
    bot.warm_up()
    return bot


def test_reload_needs_the_token(own_index: Assistant) -> None:
    with serve(create_app(own_index.settings, own_index)) as url:
        assert httpx.post(f"{url}/admin/reload", timeout=30).status_code == 401
        wrong = httpx.post(
            f"{url}/admin/reload", headers={"Authorization": "Bearer fel"}, timeout=30
        )
        assert wrong.status_code == 401
    no_token = own_index.settings.model_copy(update={"admin_token": None})
    with serve(create_app(no_token, own_index)) as url:
        assert httpx.post(f"{url}/admin/reload", timeout=30).status_code == 404


def test_reload_wants_the_bearer_scheme_and_stops_guessing(own_index: Assistant) -> None:
    with serve(create_app(own_index.settings, own_index)) as url:
        bare = httpx.post(
            f"{url}/admin/reload", headers={"Authorization": "hemlig-nyckel"}, timeout=30
        )
        assert bare.status_code == 401  # the token without "Bearer " is not accepted
        codes = [
            httpx.post(
                f"{url}/admin/reload", headers={"Authorization": f"Bearer gissning{i}"}, timeout=30
            ).status_code
            for i in range(6)
        ]
        assert codes[:4] == [401] * 4 and codes[4:] == [429, 429]
        right = httpx.post(
            f"{url}/admin/reload", headers={"Authorization": "Bearer hemlig-nyckel"}, timeout=30
        )
        assert right.status_code == 429 and right.headers["retry-after"] == "60"


def test_failure_limit_forgets_after_a_minute() -> None:
    now = [0.0]
    limit = FailureLimit(2, max_clients=3, clock=lambda: now[0])
    limit.fail("a")
    limit.fail("a")
    assert limit.blocked("a") and not limit.blocked("b")
    now[0] = 61.0
    assert not limit.blocked("a")
    for client in "bcde":
        limit.fail(client)
    assert len(limit._failures) <= 3


def test_a_newline_in_the_path_cannot_forge_a_log_line(assistant: Assistant, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level("INFO", logger="assistant.access")
    with serve(create_app(assistant.settings, assistant)) as url:
        httpx.get(f"{url}/x%0aINFO%20assistant.access:%20request%0d%0a", timeout=30)
    lines = [r.getMessage() for r in caplog.records if r.name == "assistant.access"]
    assert len(lines) == 1
    assert "\n" not in lines[0] and "\r" not in lines[0] and "\\x0a" in lines[0]


@pytest.mark.parametrize("path", ["/", "/healthz"])
def test_head_requests_for_uptime_monitors(assistant: Assistant, path: str) -> None:
    with serve(create_app(assistant.settings, assistant)) as url:
        assert httpx.head(f"{url}{path}", timeout=30).status_code == 200


def test_reload_swaps_under_load_without_failures(own_index: Assistant) -> None:
    auth = {"Authorization": "Bearer hemlig-nyckel"}
    old = own_index.index.version
    settings = own_index.settings.model_copy(
        update={"max_concurrent": 64, "rate_limit_per_minute": 0}
    )
    with serve(create_app(settings, own_index)) as url:
        statuses: list[tuple[int, bool]] = []
        stop = threading.Event()

        def hammer() -> None:
            with httpx.Client(base_url=url, timeout=60) as client:
                while not stop.is_set():
                    response = client.post(
                        "/api/ask", json={"question": "När formaliserades samverkan?"}
                    )
                    statuses.append((response.status_code, "2010" in response.text))

        workers = [threading.Thread(target=hammer) for _ in range(4)]
        for worker in workers:
            worker.start()
        try:
            own_index.build()  # a new build becomes current on disk
            response = httpx.post(f"{url}/admin/reload", headers=auth, timeout=60)
        finally:
            stop.set()
            for worker in workers:
                worker.join(timeout=60)
        assert response.status_code == 200
        assert response.json()["index"] != old
        assert httpx.get(f"{url}/healthz", timeout=30).json()["index"] == response.json()["index"]
        assert len(statuses) > 4 and set(statuses) == {(200, True)}


def test_reload_of_a_corrupt_index_keeps_the_old_one(own_index: Assistant) -> None:
    auth = {"Authorization": "Bearer hemlig-nyckel"}
    serving = own_index.index.version
    own_index.build()
    current = (own_index.settings.index_dir / "current").resolve()
    manifest = json.loads((current / "manifest.json").read_text())
    manifest["dimension"] = 768  # a mismatched index: wrong dimension
    (current / "manifest.json").write_text(json.dumps(manifest))
    with serve(create_app(own_index.settings, own_index)) as url:
        response = httpx.post(f"{url}/admin/reload", headers=auth, timeout=60)
        assert response.status_code == 409
        assert "det gamla används fortfarande" in response.json()["detail"]
        assert httpx.get(f"{url}/healthz", timeout=30).json()["index"] == serving
        answer = httpx.post(
            f"{url}/api/ask", json={"question": "När formaliserades samverkan?"}, timeout=30
        )
        assert answer.status_code == 200 and "2010" in answer.json()["answer"]


def _with_settings(assistant: Assistant, settings: Settings) -> Assistant:
    bot = Assistant(settings)
    bot.embedder = assistant.embedder
    bot.warm_up(build=False)
    return bot


def test_question_and_history_limits_come_from_the_settings(assistant: Assistant) -> None:
    roomy = _settings(assistant.settings, max_question_chars=1500, max_history_turns=30)
    with serve(create_app(roomy, _with_settings(assistant, roomy))) as url:
        config = httpx.get(f"{url}/api/config", timeout=30).json()
        assert (config["max_question_chars"], config["max_history_turns"]) == (1500, 30)
        long = "Vilka kommuner ingår i samarbetet? " + "x" * 1100
        assert httpx.post(f"{url}/api/ask", json={"question": long}, timeout=30).status_code == 200
        history = [{"role": "user", "content": "hej"}] * 25
        body = {"question": "Vilka kommuner ingår?", "history": history}
        assert httpx.post(f"{url}/api/ask", json=body, timeout=30).status_code == 200
    tight = _settings(assistant.settings, max_question_chars=40)
    with serve(create_app(tight, _with_settings(assistant, tight))) as url:
        response = httpx.post(f"{url}/api/ask", json={"question": "x" * 41}, timeout=30)
        assert response.status_code == 422 and "Högst 40 tecken" in response.json()["detail"]
        search = httpx.get(f"{url}/api/search", params={"q": "x" * 41}, timeout=30)
        assert search.status_code == 422 and "Högst 40 tecken" in search.json()["detail"]


def test_slow_bodies_hold_no_slot_and_time_out(assistant: Assistant) -> None:
    import socket
    import time

    limited = _settings(assistant.settings, max_concurrent=4, body_timeout=2.0)
    with serve(create_app(limited, assistant)) as url:
        host, port = url.removeprefix("http://").split(":")
        slow = []
        for _ in range(8):  # twice the concurrency cap: headers, then no body
            sock = socket.create_connection((host, int(port)), timeout=10)
            sock.sendall(
                b"POST /api/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: 30000\r\n\r\n"
            )
            slow.append(sock)
        time.sleep(0.3)
        body = {"question": "Vilka kommuner ingår i samarbetet?"}
        assert httpx.post(f"{url}/api/ask", json=body, timeout=30).status_code == 200
        replies = []
        for sock in slow:
            replies.append(sock.recv(4096))
            sock.close()
        assert all(reply.startswith(b"HTTP/1.1 408") for reply in replies), replies[:1]


def test_slow_and_oversized_headers_are_cut_off(assistant: Assistant, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import socket

    from assistant.edge import GuardedHttpTools

    monkeypatch.setattr(GuardedHttpTools, "header_timeout", 1.5)
    with serve(create_app(assistant.settings, assistant)) as url:
        host, port = url.removeprefix("http://").split(":")
        slow = []
        for _ in range(8):  # headers started, never finished
            sock = socket.create_connection((host, int(port)), timeout=10)
            sock.sendall(b"POST /api/ask HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            slow.append(sock)
        huge = socket.create_connection((host, int(port)), timeout=10)
        try:
            huge.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: ")
            for _ in range(4):  # 128 kB of one header value, with no end
                huge.sendall(b"a" * 32 * 1024)
        except OSError:
            pass  # closed on us: that is the point
        body = {"question": "Vilka kommuner ingår i samarbetet?"}
        assert httpx.post(f"{url}/api/ask", json=body, timeout=30).status_code == 200
        assert all(sock.fileno() != -1 for sock in slow)  # still waiting, holding nothing
        assert huge.recv(4096).startswith(b"HTTP/1.1 431")
        huge.close()
        for sock in slow:
            assert sock.recv(4096).startswith(b"HTTP/1.1 408")
            sock.close()
