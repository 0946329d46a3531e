"""`python -m benchmarks.load`: a bounded HTTP load test of POST /api/ask, on loopback only.

By default it starts the service itself (`assistant serve` on a free 127.0.0.1 port,
rate limit off unless --rate-limit is given), waits for /healthz, and stops it again
whatever happens. With --url it drives a service that is already running, which must
be on 127.0.0.1, localhost or ::1.

Each concurrency level runs for --seconds with that many workers, each asking one
question after another from a mixed list (answerable, paraphrased, misspelt, without
diacritics, English, off-topic). A worker starts no request after the level's deadline;
requests already in flight are let finish (at most the 30 s request timeout) so that
their latencies are not cut off and the next level starts on an idle service. All
levels together send at most --max-requests requests, warm-up included.

Reported per level: requests, throughput, p50/p95/p99 latency of the 2xx responses,
and the counts of 2xx, 429 (rate limited, not an error), 503 (busy), other 4xx, 5xx
and transport errors (timeouts, refused or dropped connections).

Examples:
    python -m benchmarks.load --seconds 10 --concurrency 1,4
    python -m benchmarks.load --unique --concurrency 8 --max-concurrent 8
    python -m benchmarks.load --url http://127.0.0.1:8000 --seconds 30
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import math
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

EXIT_OK = 0
EXIT_UNHEALTHY = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
REQUEST_TIMEOUT_S = 30.0
MAX_LEVEL_CONCURRENCY = 1024

#: The question mix: what people ask about Södertörnssamarbetet, the same in other words,
#: misspelt, without å/ä/ö, in English, and questions the sources cannot answer.
QUESTIONS: tuple[str, ...] = (
    # Answerable, as written in the sources' terms.
    "Vilka kommuner ingår i Södertörnssamarbetet?",
    "När formaliserades Södertörnskommunernas samverkan?",
    "Hur många människor bor på Södertörn?",
    "Vilka regionala stadskärnor i RUFS 2050 ligger på Södertörn?",
    "Vad ska samverkan mellan Södertörnskommunerna kännetecknas av?",
    "Vad är syftet med Södertörnssamverkan?",
    "Hur många kommuner finns på Södertörn?",
    "Vilket län skulle Södertörn motsvara i storlek?",
    "Vad ska utvecklingsprogrammet tydliggöra?",
    # Paraphrases.
    "Vilka åtta kommuner samarbetar på Södertörn?",
    "Vilket år blev samarbetet mellan kommunerna formellt?",
    "Ungefär hur stor är befolkningen i Södertörnskommunerna?",
    "Är Flemingsberg en regional stadskärna?",
    "Varför samarbetar kommunerna på Södertörn?",
    "Vilka principer gäller för samarbetet mellan kommunerna?",
    "Ingår Tyresö och Nykvarn i samarbetet?",
    # Typos.
    "Vilka komuner ingår i Södertörnsamarbetet?",
    "när formalisserades samverkan",
    "hur många bor på södertörn??",
    # Without diacritics.
    "Vilka kommuner ingar i Sodertornssamarbetet?",
    "Vilka regionala stadskarnor finns pa Sodertorn?",
    "Vad ar syftet med samverkan mellan Sodertornskommunerna?",
    # English.
    "Which municipalities are part of the Södertörn cooperation?",
    "When was the cooperation between the Södertörn municipalities formalised?",
    "How many people live in Södertörn?",
    # Off-topic and unanswerable.
    "Vad kostar ett busskort i Stockholm?",
    "Vem vann Melodifestivalen 2023?",
    "Hur bakar man kanelbullar?",
    "Vad är kommunalskatten i Huddinge 2025?",
    "Vem är kommunstyrelsens ordförande i Salem?",
    "Hur många anställda har Södertörnskommunerna tillsammans?",
    "När öppnar Bokbussen i Nynäshamn?",
)


class UsageError(ValueError):
    """A bad option: the message is shown and the exit code is 2."""


# --- pure parts ---------------------------------------------------------------------------


def check_loopback_url(url: str) -> str:
    """The base URL without a trailing slash, if it points at this machine's loopback.

    Raises:
        UsageError: for another scheme or host, a query or fragment, or a bad port.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https"):
        raise UsageError(f"--url must be http:// or https://, got {url!r}")
    host = parts.hostname or ""
    if host not in LOOPBACK_HOSTS:
        allowed = ", ".join(sorted(LOOPBACK_HOSTS))
        raise UsageError(
            f"refusing to load-test {host or url!r}: only loopback hosts are allowed ({allowed})"
        )
    try:
        parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
    except ValueError as exc:
        raise UsageError(f"bad port in --url {url!r}: {exc}") from None
    if parts.query or parts.fragment:
        raise UsageError(f"--url must be a base URL without query or fragment, got {url!r}")
    return url.strip().rstrip("/")


def resolves_to_loopback(host: str) -> bool:
    """Whether every address `host` resolves to is a loopback address."""
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    addresses = {str(info[4][0]) for info in infos}
    return bool(addresses) and all(
        ipaddress.ip_address(a.split("%", 1)[0]).is_loopback for a in addresses
    )


def parse_levels(text: str) -> tuple[int, ...]:
    """Concurrency levels from "1,4,16"."""
    try:
        levels = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise UsageError(f"--concurrency must be comma-separated integers, got {text!r}") from None
    if not levels or any(not 1 <= n <= MAX_LEVEL_CONCURRENCY for n in levels):
        raise UsageError(f"--concurrency levels must be 1–{MAX_LEVEL_CONCURRENCY}, got {text!r}")
    return levels


def percentile(values: Sequence[float], p: float) -> float | None:
    """The p-th percentile (0–100), linear between closest ranks; None when empty."""
    if not values:
        return None
    if not 0 <= p <= 100:
        raise ValueError(f"percentile must be 0–100, got {p}")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def question_for(n: int, rng: random.Random, *, unique: bool) -> str:
    """A question from the mix; with `unique`, suffixed with its request number."""
    question = rng.choice(QUESTIONS)
    return f"{question} (fråga {n})" if unique else question


@dataclass(frozen=True)
class Sample:
    """One request: its status (None for a transport error), latency and error kind."""

    status: int | None
    latency_s: float
    error: str | None = None
    answered: bool | None = None


def status_class(status: int) -> str:
    """The report column a status is counted in."""
    if 200 <= status < 300:
        return "ok_2xx"
    if status == 429:
        return "rate_limited_429"
    if status == 503:
        return "unavailable_503"
    if 400 <= status < 500:
        return "other_4xx"
    if 500 <= status < 600:
        return "server_5xx"
    return "other_status"


@dataclass
class LevelResult:
    """What one concurrency level measured."""

    concurrency: int
    seconds: float
    requests: int
    throughput_rps: float
    ok_rps: float
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    ok_2xx: int
    rate_limited_429: int
    unavailable_503: int
    other_4xx: int
    server_5xx: int
    other_status: int
    transport_errors: int
    answered: int
    statuses: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    capped: bool = False


def summarize(
    samples: Sequence[Sample], concurrency: int, elapsed_s: float, *, capped: bool = False
) -> LevelResult:
    """Counts, throughput and 2xx latency percentiles of one level's samples."""
    classes = Counter(
        status_class(s.status) if s.status is not None else "transport_errors" for s in samples
    )
    ok = sorted(
        s.latency_s * 1000 for s in samples if s.status is not None and 200 <= s.status < 300
    )
    elapsed = max(elapsed_s, 1e-9)
    return LevelResult(
        concurrency=concurrency,
        seconds=round(elapsed_s, 3),
        requests=len(samples),
        throughput_rps=len(samples) / elapsed,
        ok_rps=len(ok) / elapsed,
        p50_ms=percentile(ok, 50),
        p95_ms=percentile(ok, 95),
        p99_ms=percentile(ok, 99),
        ok_2xx=classes["ok_2xx"],
        rate_limited_429=classes["rate_limited_429"],
        unavailable_503=classes["unavailable_503"],
        other_4xx=classes["other_4xx"],
        server_5xx=classes["server_5xx"],
        other_status=classes["other_status"],
        transport_errors=classes["transport_errors"],
        answered=sum(1 for s in samples if s.answered),
        statuses={
            str(k): v for k, v in sorted(Counter(s.status for s in samples if s.status).items())
        },
        errors=dict(sorted(Counter(s.error for s in samples if s.error).items())),
        capped=capped,
    )


def format_table(results: Sequence[LevelResult]) -> str:
    """An aligned table, one row per level; error kinds listed below it."""

    def ms(value: float | None) -> str:
        return "-" if value is None else f"{value:.0f}"

    header = (
        f"{'conc':>4} {'secs':>6} {'requests':>8} {'req/s':>7} {'2xx/s':>7} "
        f"{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
        f"{'2xx':>6} {'429':>6} {'503':>6} {'4xx':>5} {'5xx':>5} {'errors':>6}"
    )
    lines = [header, "-" * len(header)]
    notes = []
    for r in results:
        lines.append(
            f"{r.concurrency:>4} {r.seconds:>6.1f} {r.requests:>8} {r.throughput_rps:>7.2f} "
            f"{r.ok_rps:>7.2f} {ms(r.p50_ms):>7} {ms(r.p95_ms):>7} {ms(r.p99_ms):>7} "
            f"{r.ok_2xx:>6} {r.rate_limited_429:>6} {r.unavailable_503:>6} {r.other_4xx:>5} "
            f"{r.server_5xx:>5} {r.transport_errors:>6}"
        )
        if r.errors:
            kinds = ", ".join(f"{k} {v}" for k, v in r.errors.items())
            notes.append(f"concurrency {r.concurrency}: transport errors: {kinds}")
        if r.other_status:
            notes.append(f"concurrency {r.concurrency}: other statuses: {r.statuses}")
        if r.capped:
            notes.append(f"concurrency {r.concurrency}: stopped early at --max-requests")
    lines.append(
        "latency: 2xx responses only; 429 = rate limited (not an error); "
        "errors = timeouts, refused or dropped connections"
    )
    return "\n".join(lines + notes)


# --- the load client -----------------------------------------------------------------------


@dataclass(frozen=True)
class LoadConfig:
    """How hard and how long to push."""

    levels: tuple[int, ...] = (1, 4, 16)
    seconds: float = 60.0
    warmup: int = 3
    max_requests: int = 100_000
    timeout_s: float = REQUEST_TIMEOUT_S
    unique: bool = False
    seed: int = 0


def _error_kind(exc: httpx.RequestError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "timeout"
    if isinstance(exc, httpx.ConnectError):
        return "connect_failed"
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return "dropped"
    return type(exc).__name__


class _Budget:
    """The overall request cap, shared by warm-up and every level (one event loop: no lock)."""

    def __init__(self, limit: int) -> None:
        self.left = limit
        self.sent = 0

    def take(self) -> int | None:
        """The next request number, or None when the cap is reached."""
        if self.left <= 0:
            return None
        self.left -= 1
        self.sent += 1
        return self.sent


async def ask_once(client: httpx.AsyncClient, url: str, question: str) -> Sample:
    """POST one question; never raises for HTTP or transport failures."""
    start = time.perf_counter()
    try:
        response = await client.post(url, json={"question": question, "history": []})
    except httpx.RequestError as exc:
        return Sample(None, time.perf_counter() - start, error=_error_kind(exc))
    latency = time.perf_counter() - start
    answered = None
    if response.is_success:
        try:
            answered = bool(response.json().get("answered"))
        except (ValueError, AttributeError):
            answered = None
    return Sample(response.status_code, latency, answered=answered)


async def run_level(
    client: httpx.AsyncClient,
    url: str,
    concurrency: int,
    config: LoadConfig,
    budget: _Budget,
    rng: random.Random,
) -> LevelResult:
    """`concurrency` workers asking until the deadline (or the cap); in-flight ones finish."""
    samples: list[Sample] = []
    capped = False
    start = time.monotonic()
    deadline = start + config.seconds

    async def worker() -> None:
        nonlocal capped
        while time.monotonic() < deadline:
            n = budget.take()
            if n is None:
                capped = True
                return
            samples.append(await ask_once(client, url, question_for(n, rng, unique=config.unique)))

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return summarize(samples, concurrency, time.monotonic() - start, capped=capped)


async def wait_healthy(
    client: httpx.AsyncClient,
    base_url: str,
    timeout_s: float,
    *,
    process: subprocess.Popen | None = None,  # type: ignore[type-arg]
    log_path: Path | None = None,
    say: Callable[[str], None] = print,
) -> bool:
    """Poll /healthz until 200; False on timeout or when `process` exits first."""
    start = time.monotonic()
    last_report = start
    status = "no answer yet"
    while True:
        if process is not None and process.poll() is not None:
            say(f"the service exited with code {process.returncode} before it was healthy")
            return False
        try:
            response = await client.get(f"{base_url}/healthz", timeout=5.0)
            if response.status_code == 200:
                say(f"service healthy after {time.monotonic() - start:.1f} s: {response.text}")
                return True
            status = f"HTTP {response.status_code}"
        except httpx.RequestError as exc:
            status = _error_kind(exc)
        now = time.monotonic()
        if now - start >= timeout_s:
            say(f"the service was not healthy within {timeout_s:.0f} s (last: {status})")
            return False
        if now - last_report >= 5:
            last_report = now
            tail = _last_line(log_path) if log_path else ""
            say(
                f"waiting for /healthz: {now - start:.0f} s ({status})"
                + (f"; service: {tail}" if tail else "")
            )
        await asyncio.sleep(0.5)


async def run_load(
    base_url: str,
    config: LoadConfig,
    *,
    health_timeout_s: float = 300.0,
    process: subprocess.Popen | None = None,  # type: ignore[type-arg]
    log_path: Path | None = None,
    on_level: Callable[[LevelResult], None] | None = None,
    say: Callable[[str], None] = print,
) -> list[LevelResult] | None:
    """Wait for health, warm up, then run every level; None if the service never got healthy.

    Args:
        base_url: A loopback base URL (checked again here).
        config: Levels, duration, caps.
        on_level: Called with each level's result as soon as it is done.
    """
    base_url = check_loopback_url(base_url)
    pool = max(config.levels)
    limits = httpx.Limits(max_connections=pool, max_keepalive_connections=pool)
    # trust_env=False: no proxy from the environment, so requests stay on loopback.
    async with httpx.AsyncClient(
        timeout=config.timeout_s, limits=limits, trust_env=False, follow_redirects=False
    ) as client:
        healthy = await wait_healthy(
            client, base_url, health_timeout_s, process=process, log_path=log_path, say=say
        )
        if not healthy:
            return None
        url = f"{base_url}/api/ask"
        budget = _Budget(config.max_requests)
        rng = random.Random(config.seed)
        warm = Counter[str]()
        for _ in range(config.warmup):
            n = budget.take()
            if n is None:
                break
            sample = await ask_once(client, url, question_for(n, rng, unique=config.unique))
            warm[str(sample.status) if sample.status else sample.error or "?"] += 1
        if config.warmup:
            say(f"warm-up: {sum(warm.values())} requests, {dict(warm)}")
        results = []
        for level in config.levels:
            say(f"concurrency {level}: running for {config.seconds:g} s …")
            result = await run_level(client, url, level, config, budget, rng)
            results.append(result)
            if on_level:
                on_level(result)
        return results


# --- the service as a subprocess --------------------------------------------------------------


def free_port() -> int:
    """A port that was free on 127.0.0.1 a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def service_env(rate_limit: int | None, max_concurrent: int | None) -> dict[str, str]:
    """The environment for `assistant serve`: rate limit off unless asked for."""
    env = dict(os.environ)
    env["ASSISTANT_RATE_LIMIT_PER_MINUTE"] = str(rate_limit or 0)
    if max_concurrent is not None:
        env["ASSISTANT_MAX_CONCURRENT"] = str(max_concurrent)
    env.pop("ASSISTANT_HOST", None)  # the command line sets host and port
    env.pop("ASSISTANT_PORT", None)
    return env


def _last_line(path: Path | None) -> str:
    if path is None or not path.exists():
        return ""
    with path.open("rb") as f:
        f.seek(max(0, f.seek(0, os.SEEK_END) - 2000))
        lines = f.read().decode("utf-8", "replace").strip().splitlines()
    return lines[-1].strip()[:160] if lines else ""


def serve_command(port: int, *extra: str) -> list[str]:
    """`python -m assistant.cli serve` on 127.0.0.1:`port`, with `extra` arguments."""
    command = [sys.executable, "-m", "assistant.cli", "serve", "--host", "127.0.0.1"]
    return [*command, "--port", str(port), *extra]


@contextmanager
def running_service(
    port: int,
    env: dict[str, str],
    log_path: Path,
    say: Callable[[str], None] = print,
    *,
    command: Sequence[str] | None = None,
) -> Iterator[subprocess.Popen]:  # type: ignore[type-arg]
    """A service on 127.0.0.1:`port`, output to `log_path`; always stopped after.

    `command` is what to run (it must listen on `port`); the default is `assistant serve`
    (`serve_command(port)`), e.g. `[sys.executable, "-m", "benchmarks.langchain_app",
    "--host", "127.0.0.1", "--port", str(port)]` for the LangChain baseline.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    command = list(command) if command is not None else serve_command(port)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        say(f"started the service (pid {process.pid}) on 127.0.0.1:{port}; log: {log_path}")
        try:
            yield process
        finally:
            _stop(process, say)


def _stop(process: subprocess.Popen, say: Callable[[str], None]) -> None:  # type: ignore[type-arg]
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
    say(f"service stopped (exit code {process.returncode})")


# --- command line ------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.load",
        description=__doc__.split("\n\n", 1)[0] if __doc__ else None,
        epilog=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--url", help="use this running service (loopback only) instead of starting one"
    )
    parser.add_argument(
        "--seconds", type=float, default=60.0, help="duration of each level (default 60)"
    )
    parser.add_argument(
        "--concurrency", default="1,4,16", help="comma-separated worker counts (default 1,4,16)"
    )
    parser.add_argument(
        "--max-requests",
        type=int,
        default=100_000,
        help="cap on all requests sent, warm-up included (default 100000)",
    )
    parser.add_argument(
        "--warmup", type=int, default=3, help="requests before measuring (default 3)"
    )
    parser.add_argument(
        "--unique",
        action="store_true",
        help='append " (fråga N)" to each question so no two requests are the same',
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the question order")
    parser.add_argument(
        "--rate-limit",
        type=int,
        metavar="N",
        help="ASSISTANT_RATE_LIMIT_PER_MINUTE for the started service (default 0 = off)",
    )
    parser.add_argument(
        "--max-concurrent",
        type=int,
        metavar="N",
        help="ASSISTANT_MAX_CONCURRENT for the started service (default: the service's)",
    )
    parser.add_argument(
        "--health-timeout",
        type=float,
        default=300.0,
        help="seconds to wait for /healthz (default 300)",
    )
    parser.add_argument(
        "--json-out",
        type=Path,
        default=Path("benchmarks/results/load.json"),
        help="where the results are written (default benchmarks/results/load.json)",
    )
    parser.add_argument(
        "--server-log",
        type=Path,
        help="keep the started service's output here (default: a temporary file, "
        "deleted after a run that went well)",
    )
    return parser


def _config(args: argparse.Namespace) -> LoadConfig:
    if not 0 < args.seconds <= 24 * 3600:
        raise UsageError(f"--seconds must be above 0 and at most a day, got {args.seconds}")
    if args.max_requests < 1:
        raise UsageError(f"--max-requests must be at least 1, got {args.max_requests}")
    if not 0 <= args.warmup <= 100:
        raise UsageError(f"--warmup must be 0–100, got {args.warmup}")
    if args.rate_limit is not None and args.rate_limit < 0:
        raise UsageError(f"--rate-limit must be 0 or more, got {args.rate_limit}")
    if args.max_concurrent is not None and args.max_concurrent < 1:
        raise UsageError(f"--max-concurrent must be at least 1, got {args.max_concurrent}")
    if args.health_timeout <= 0:
        raise UsageError(f"--health-timeout must be above 0, got {args.health_timeout}")
    if args.url and (args.rate_limit is not None or args.max_concurrent is not None):
        raise UsageError("--rate-limit and --max-concurrent apply to a started service, not --url")
    return LoadConfig(
        levels=parse_levels(args.concurrency),
        seconds=args.seconds,
        warmup=args.warmup,
        max_requests=args.max_requests,
        unique=args.unique,
        seed=args.seed,
    )


def _write_json(
    path: Path, target: dict[str, object], config: LoadConfig, results: list[LevelResult]
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {
        "target": target,
        "config": asdict(config),
        "question_count": len(QUESTIONS),
        "levels": [asdict(r) for r in results],
    }
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)


def _raise_interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # exits 2 on a malformed command line
    try:
        config = _config(args)
        if args.url:
            base_url = check_loopback_url(args.url)
            host = urlsplit(base_url).hostname or ""
            if not resolves_to_loopback(host):
                raise UsageError(f"{host!r} does not resolve to loopback addresses only")
    except UsageError as exc:
        parser.print_usage(sys.stderr)
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE

    def say(message: str) -> None:
        print(f"· {message}", file=sys.stderr, flush=True)

    results: list[LevelResult] = []
    target: dict[str, object] = {}

    def on_level(result: LevelResult) -> None:
        results.append(result)
        _write_json(args.json_out, target, config, results)  # partial results survive Ctrl-C

    # SIGTERM, like Ctrl-C, unwinds through the code that stops the started service.
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous_sigterm = signal.signal(signal.SIGTERM, _raise_interrupt) if in_main_thread else None
    temp_log: Path | None = None
    try:
        if args.url:
            target.update(url=base_url, started_here=False)
            outcome = asyncio.run(
                run_load(
                    base_url,
                    config,
                    health_timeout_s=args.health_timeout,
                    on_level=on_level,
                    say=say,
                )
            )
        else:
            port = free_port()
            base_url = f"http://127.0.0.1:{port}"
            target.update(
                url=base_url,
                started_here=True,
                rate_limit_per_minute=args.rate_limit or 0,
                max_concurrent=args.max_concurrent,
            )
            env = service_env(args.rate_limit, args.max_concurrent)
            log_path: Path = args.server_log or _temp_log()
            temp_log = None if args.server_log else log_path
            with running_service(port, env, log_path, say) as process:
                outcome = asyncio.run(
                    run_load(
                        base_url,
                        config,
                        health_timeout_s=args.health_timeout,
                        process=process,
                        log_path=log_path,
                        on_level=on_level,
                        say=say,
                    )
                )
            if outcome is None:
                tail = _tail(log_path, 20)
                if tail:
                    say("last lines of the service's output:\n" + tail)
                say(f"the service's output is in {log_path}")
                temp_log = None  # kept for a look at why it failed
    except KeyboardInterrupt:
        say("interrupted")
        if results:
            print(format_table(results))
        return EXIT_INTERRUPTED
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous_sigterm or signal.SIG_DFL)
        if temp_log is not None:
            temp_log.unlink(missing_ok=True)
    if outcome is None:
        return EXIT_UNHEALTHY
    print(format_table(outcome))
    _write_json(args.json_out, target, config, outcome)
    say(f"results written to {args.json_out}")
    return EXIT_OK


def _temp_log() -> Path:
    fd, name = tempfile.mkstemp(prefix="assistant-load-server-", suffix=".log")
    os.close(fd)
    return Path(name)


def _tail(path: Path, n: int) -> str:
    if not path.exists():
        return ""
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join(lines[-n:])


if __name__ == "__main__":
    sys.exit(main())
