"""`assistant serve --workers 2`: one port, two processes sharing the model files."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import psutil
import pytest
from prometheus_client.parser import text_string_to_metric_families

from assistant.config import Settings
from assistant.onnx_backend import GRAPH_FILE, WEIGHTS_FILE
from assistant.pipeline import Assistant
from tests.conftest import free_port, serve_env, stop, wait_healthy

pytestmark = pytest.mark.slow


def _workers(process: subprocess.Popen) -> list[psutil.Process]:  # type: ignore[type-arg]
    """The worker processes (those that mapped the model weights), not the supervisor's helpers."""
    out = []
    for child in psutil.Process(process.pid).children(recursive=True):
        try:
            if _maps_weights(child):
                out.append(child)
        except psutil.Error:
            continue
    return out


def _maps_weights(child: psutil.Process) -> bool:
    """Whether a process has the model weights mapped."""
    return any(m.path.endswith(WEIGHTS_FILE) for m in child.memory_maps())


class Stderr:
    """A child's stderr, read all along, so that it never fills the pipe and blocks the
    processes writing to it, and is there to show when the test fails."""

    def __init__(self, process: subprocess.Popen) -> None:  # type: ignore[type-arg]
        self.lines: list[str] = []
        self.thread = threading.Thread(target=self._read, args=(process.stderr,), daemon=True)
        self.thread.start()

    def _read(self, stream) -> None:  # type: ignore[no-untyped-def]
        for line in iter(stream.readline, b""):
            self.lines.append(line.decode(errors="replace"))

    def __call__(self) -> str:
        """What was read, once the pipe closed (all its writers exited) or after 10 s."""
        self.thread.join(timeout=10)
        return "".join(self.lines)


def _catches_usr1(pid: int) -> bool:
    """Whether a process has a handler for SIGUSR1 (its default action ends the process): a
    worker that has set up `log_fatal_signals`, not one still importing."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigCgt:"):
            return bool(int(line.split()[1], 16) >> (signal.SIGUSR1 - 1) & 1)
    return False


def _stop_and_report(process: subprocess.Popen, stderr: Stderr) -> str:  # type: ignore[type-arg]
    """Stop the server and say what its processes and the machine were doing, for a failed
    wait: each child (with its threads' stacks, from SIGUSR1, on the supervisor's stderr,
    where it catches the signal), the load, and the processes busiest over one second."""
    try:
        return _report(process, stderr)
    except Exception as exc:  # the report must not hide the failure it reports
        stop(process)
        return f"(no report: {exc!r})\n--- supervisor stderr ---\n{stderr()[-12000:]}"


def _report(process: subprocess.Popen, stderr: Stderr) -> str:  # type: ignore[type-arg]
    lines = [f"load average {os.getloadavg()}, {psutil.virtual_memory().available >> 20} MiB free"]
    now = time.time()
    for child in psutil.Process(process.pid).children(recursive=True):
        try:
            mapped = _maps_weights(child)
            catches = _catches_usr1(child.pid)
            lines.append(
                f"child {child.pid} {child.status()} up {now - child.create_time():.0f} s,"
                f" cpu {sum(child.cpu_times()[:2]):.1f} s, weights mapped: {mapped},"
                f" catches SIGUSR1: {catches}, {' '.join(child.cmdline())[-80:]}"
            )
            if catches:
                child.send_signal(signal.SIGUSR1)
                time.sleep(0.5)  # one trace at a time on the shared pipe
        except (psutil.Error, OSError) as exc:
            lines.append(f"child {child.pid}: {exc!r}")
    busy = list(psutil.process_iter(["pid", "name"]))
    for p in busy:
        try:
            p.cpu_percent()
        except psutil.Error:
            pass
    time.sleep(1)
    usage = []
    for p in busy:
        try:
            usage.append((p.cpu_percent(), p.info["pid"], p.info["name"]))
        except psutil.Error:
            pass
    lines += [f"busy: {u:.0f} % pid {pid} {name}" for u, pid, name in sorted(usage)[-5:]]
    stop(process)
    return "\n".join(lines) + "\n--- supervisor stderr ---\n" + stderr()[-12000:]


def _wait_for_workers(
    process: subprocess.Popen,  # type: ignore[type-arg]
    seconds: float,
    stderr: Stderr,
    old: frozenset[int] = frozenset(),
) -> list[psutil.Process]:
    """Two workers with the weights mapped, none of them in `old`, within `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited: {stderr()[-12000:]}")
        workers = _workers(process)
        if len(workers) == 2 and not {w.pid for w in workers} & old:
            return workers
        time.sleep(0.5)
    raise AssertionError(
        f"not two {'restarted ' if old else ''}workers after {seconds:.0f} s:\n"
        + _stop_and_report(process, stderr)
    )


def _unmapped(worker: psutil.Process, process: subprocess.Popen, stderr: Stderr) -> str:  # type: ignore[type-arg]
    """Why a worker found with the weights mapped has them no longer: what it is now, what of
    the model it maps (a replaced file shows as "(deleted)"), the workers now, and the log."""
    try:
        state = f"{worker.status()}, {' '.join(worker.cmdline())[-80:]}"
        model = sorted({m.path for m in worker.memory_maps() if GRAPH_FILE in m.path})
    except psutil.Error as exc:
        state, model = repr(exc), []
    now = sorted(w.pid for w in _workers(process))
    return (
        f"worker {worker.pid} ({state}) maps no {WEIGHTS_FILE}; model files it maps: {model};"
        f" workers now: {now}\n--- supervisor stderr ---\n{stderr()[-6000:]}"
    )


def test_two_workers_serve_and_share_the_mapped_weights(
    assistant: Assistant, seed_settings: Settings
) -> None:
    port = free_port()
    data = Path(seed_settings.index_dir).parent
    env = serve_env(seed_settings, data, ASSISTANT_RATE_LIMIT_PER_MINUTE="0")
    command = [sys.executable, "-m", "assistant.cli", "--verbose", "serve", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", "2"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = Stderr(process)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process, stderr=stderr)
        # A worker still loading gets this long to answer its supervisor before it is replaced.
        start = seed_settings.worker_start_seconds
        workers = _wait_for_workers(process, start + 30, stderr)
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
            assert maps, _unmapped(worker, process, stderr)
            assert maps[0].private_dirty == 0

        # SIGHUP restarts the workers (reloading the index); the port keeps answering.
        old = frozenset(w.pid for w in workers)
        process.send_signal(signal.SIGHUP)
        # The workers are replaced one after the other, each given `start` to come up.
        _wait_for_workers(process, 2 * start + 30, stderr, old)
        wait_healthy(url, process, stderr=stderr)
        assert (
            httpx.post(f"{url}/api/ask", json={"question": "När bildades det?"}).status_code == 200
        )
    finally:
        stop(process)
    assert process.returncode == 0, stderr()[-2000:]
