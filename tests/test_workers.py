"""`assistant serve --workers 2`: one port, two processes sharing the model files."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest
from prometheus_client.parser import text_string_to_metric_families

from assistant.config import Settings
from assistant.onnx_backend import WEIGHTS_FILE
from assistant.pipeline import Assistant
from tests.conftest import free_port, serve_env, stop, wait_healthy

pytestmark = pytest.mark.slow


def _workers(process: subprocess.Popen) -> list[psutil.Process]:  # type: ignore[type-arg]
    """The worker processes (those that mapped the model weights), not the supervisor's helpers."""
    out = []
    for child in psutil.Process(process.pid).children(recursive=True):
        try:
            if any(m.path.endswith(WEIGHTS_FILE) for m in child.memory_maps()):
                out.append(child)
        except psutil.Error:
            continue
    return out


def test_two_workers_serve_and_share_the_mapped_weights(
    assistant: Assistant, seed_settings: Settings
) -> None:
    port = free_port()
    data = Path(seed_settings.index_dir).parent
    env = serve_env(seed_settings, data, ASSISTANT_RATE_LIMIT_PER_MINUTE="0")
    command = [sys.executable, "-m", "assistant.cli", "serve", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", "2"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process)
        # A worker still loading gets this long to answer its supervisor before it is replaced.
        start = seed_settings.worker_start_seconds
        deadline = time.monotonic() + start + 30
        while len(_workers(process)) < 2 and time.monotonic() < deadline:
            time.sleep(0.5)
        workers = _workers(process)
        assert len(workers) == 2
        with httpx.Client(timeout=30) as client:
            for _ in range(6):
                body = client.post(
                    f"{url}/api/ask", json={"question": "Vilka kommuner ingår i samarbetet?"}
                ).json()
                assert body["answered"] and "Tyresö" in body["answer"]
            # /metrics in either worker adds up what both counted.
            scraped = client.get(f"{url}/metrics").text
        asks = [
            s.value
            for family in text_string_to_metric_families(scraped)
            for s in family.samples
            if s.name == "assistant_http_requests_total"
            and s.labels == {"route": "/api/ask", "method": "POST", "status": "200"}
        ]
        assert asks == [6.0]
        # The weights are a shared file mapping in both workers, not private copies.
        for worker in workers:
            maps = [m for m in worker.memory_maps(grouped=True) if m.path.endswith(WEIGHTS_FILE)]
            assert maps and maps[0].private_dirty == 0

        # SIGHUP restarts the workers (reloading the index); the port keeps answering.
        old = {w.pid for w in workers}
        process.send_signal(signal.SIGHUP)
        # The workers are replaced one after the other, each given `start` to come up.
        deadline = time.monotonic() + 2 * start + 30
        while time.monotonic() < deadline:
            now = {w.pid for w in _workers(process)}
            if len(now) == 2 and not now & old:
                break
            time.sleep(0.5)
        else:
            raise AssertionError("the workers were not restarted")
        wait_healthy(url, process)
        assert (
            httpx.post(f"{url}/api/ask", json={"question": "När bildades det?"}).status_code == 200
        )
    finally:
        stop(process)
    assert process.returncode == 0, process.stderr.read().decode()[-2000:] if process.stderr else ""
