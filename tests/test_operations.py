"""Operations of `assistant serve`: JSON log lines on request, and a graceful SIGTERM that
lets a request in flight finish (a rolling update loses no answer)."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from assistant.config import Settings
from assistant.pipeline import Assistant
from tests.conftest import free_port, serve_env, wait_healthy

pytestmark = pytest.mark.slow

QUESTION = "När formaliserades samverkan?"


def test_json_logs_and_graceful_shutdown(
    assistant: Assistant, seed_settings: Settings, tmp_path: Path
) -> None:
    port = free_port()
    env = serve_env(
        seed_settings, tmp_path, ASSISTANT_LOG_FORMAT="json", ASSISTANT_SHUTDOWN_SECONDS="20"
    )
    log = (tmp_path / "serve.log").open("w+b")
    command = [sys.executable, "-m", "assistant.cli", "serve", "--host", "127.0.0.1"]
    process = subprocess.Popen([*command, "--port", str(port)], env=env, stderr=log, stdout=log)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process)
        assert httpx.post(f"{url}/api/ask", json={"question": QUESTION}).json()["answered"]

        # A request in flight: its headers and half its body are in when SIGTERM arrives.
        body = json.dumps({"question": QUESTION}).encode()
        head = (
            f"POST /api/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode()
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            sock.sendall(head + body[:10])
            time.sleep(0.3)
            process.send_signal(signal.SIGTERM)
            time.sleep(0.5)
            assert process.poll() is None, "the server quit with a request in flight"
            # No new connections are taken while it drains.
            with pytest.raises(httpx.HTTPError):
                httpx.get(f"{url}/healthz", timeout=2)
            sock.sendall(body[10:])
            reply = b""
            while chunk := sock.recv(65536):
                reply += chunk
        status, _, rest = reply.partition(b"\r\n")
        assert status.startswith(b"HTTP/1.1 200"), reply[:300]
        assert json.loads(rest.split(b"\r\n\r\n", 1)[1])["answered"] is True
        # uvicorn ends by raising SIGTERM again once drained, as a process killed by it would.
        assert process.wait(timeout=30) in (0, -signal.SIGTERM)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    log.seek(0)
    lines = log.read().decode().splitlines()
    records = [json.loads(line) for line in lines if line.startswith("{")]
    assert records and len(records) == len(lines), lines[:5]  # every line is JSON
    asks = [r for r in records if r.get("path") == "/api/ask"]
    assert len(asks) == 2 and all(r["status"] == 200 and r["method"] == "POST" for r in asks)
    assert {"time", "level", "logger", "message", "request_id", "ms", "index"} <= set(asks[0])
    assert not any(QUESTION in line for line in lines)  # no question text in any log line
