"""Slow clients against a real server: does a normal client still get answers?

    python -m benchmarks.slow_clients [--seconds 60] [--slow 32]

Starts `assistant serve` on a free loopback port, then for `--seconds` keeps `--slow`
connections that send headers and never their body, and as many that never finish their
headers (each reconnects when the server cuts it off), while one normal client asks
`/api/ask` in a loop. Prints the normal client's status counts and latency percentiles and
how often the slow ones were cut off (408/431). Loopback only; it stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter

import numpy as np

QUESTIONS = [
    "Vilka kommuner ingår i samarbetet?",
    "När formaliserades samverkan?",
    "Vad är syftet med samverkan?",
    "Hur många bor på Södertörn?",
]
SLOW_BODY = (
    b"POST /api/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    b"Content-Length: 30000\r\n\r\n"
)
SLOW_HEADERS = b"POST /api/ask HTTP/1.1\r\nHost: x\r\nX-Slow: "


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(port: int) -> subprocess.Popen:
    env = {**os.environ, "ASSISTANT_RATE_LIMIT_PER_MINUTE": "0"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "assistant.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("the service did not start")


async def _slow(port: int, opening: bytes, until: float, cut: Counter) -> None:
    """One slow client: open, send `opening`, wait to be cut off, count how, repeat."""
    while time.monotonic() < until:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(opening)
            await writer.drain()
            left = max(0.1, until - time.monotonic())
            reply = await asyncio.wait_for(reader.read(64), left)
            cut[reply.split(b" ")[1].decode() if reply.startswith(b"HTTP/") else "closed"] += 1
            writer.close()
        except (TimeoutError, OSError):
            return


async def _normal(port: int, until: float, latencies: list[float], codes: Counter) -> None:
    loop = asyncio.get_running_loop()
    n = 0
    while time.monotonic() < until:
        question = QUESTIONS[n % len(QUESTIONS)] + f" ({n})"  # not served from the cache
        n += 1
        body = json.dumps({"question": question}).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/ask",
            data=body,
            headers={"Content-Type": "application/json"},
        )

        def call(req: urllib.request.Request = request) -> int:
            try:
                with urllib.request.urlopen(req, timeout=10) as response:
                    return response.status
            except urllib.error.HTTPError as exc:
                return exc.code
            except OSError:
                return 0

        start = time.perf_counter()
        codes[await loop.run_in_executor(None, call)] += 1
        latencies.append((time.perf_counter() - start) * 1000)
        await asyncio.sleep(0.05)


async def _run(port: int, seconds: float, slow: int) -> tuple[list[float], Counter, Counter]:
    until = time.monotonic() + seconds
    latencies: list[float] = []
    codes: Counter = Counter()
    cut: Counter = Counter()
    tasks = [_slow(port, SLOW_BODY, until, cut) for _ in range(slow)]
    tasks += [_slow(port, SLOW_HEADERS, until, cut) for _ in range(slow)]
    await asyncio.sleep(0.5)  # let the slow ones connect first
    await asyncio.gather(_normal(port, until, latencies, codes), *tasks)
    return latencies, codes, cut


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--slow", type=int, default=32, help="clients of each slow kind")
    args = parser.parse_args()
    port = _free_port()
    proc = _start(port)
    try:
        latencies, codes, cut = asyncio.run(_run(port, args.seconds, args.slow))
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    lat = np.array(latencies)
    print(
        f"{args.slow} slow-body and {args.slow} slow-header clients for {args.seconds:.0f} s; "
        "one normal client asking new questions"
    )
    print(f"  normal client: {dict(codes)} (status: count), {len(lat)} requests")
    print(
        f"  latency ms: p50 {np.percentile(lat, 50):.1f}  p95 {np.percentile(lat, 95):.1f}  "
        f"max {lat.max():.1f}"
    )
    print(f"  slow clients cut off: {dict(cut)} (status: count)")


if __name__ == "__main__":
    main()
