"""`python -m benchmarks.speed [--full]`: how fast, how lean — the project against LangChain.

Everything is measured in this run, on this machine, and printed as plain tables:

1. HTTP latency and throughput of POST /api/ask on loopback. Each service is started as a
   subprocess on a free 127.0.0.1 port (`benchmarks.load.running_service`): the project
   (`assistant serve`, rate limit off) and the LangChain baseline (`benchmarks.langchain_app`,
   same /healthz and /api/ask contract). Per service: concurrency 1, 4 and 16 with
   non-repeated questions (`benchmarks.load`'s " (fråga N)" suffix, so no cache ever hits),
   then every question of the mix asked once and concurrency 1 with repeated questions
   (warm caches). Non-2xx responses and transport errors are counted and must be 0.
2. In-process latency: `Assistant.ask` and the LangChain store's
   `similarity_search_with_score` (what its app calls), over the same question lists, each
   system in a fresh process (so ONNX Runtime's and torch's thread pools never meet).
3. Start-up: seconds from spawning each service in (1) to its first /healthz 200, with model
   and index already on disk (the LangChain app builds its FAISS store at start, as it always
   does), and the server process's memory once healthy (RSS; PSS and USS where the system
   gives them). With `assistant serve --workers N`, the same for 2 workers, summed over them.
4. Indexing the 503 answers of the Swedish construction FAQ, each in a fresh process so its
   peak RSS is that of one build: the project's `VectorIndex.build` on ONNX Runtime (the
   default) and on torch, and LangChain's `FAISS.from_documents`. Model load (with one warm-up
   encode) is timed apart from the build; passages/s = 503 answers / build seconds. Peak RSS
   is the child's VmHWM: its ru_maxrss is recorded too, but on Linux that includes the
   parent's peak (see `peak_rss_mib`). The quick profile builds the torch reference over the
   first 64 answers only (torch is slow here and only a reference).

The issue's bars are checked and shown as met/missed. The machine (CPU model and count) and
its load average before and after each section are recorded, as are the cores other processes
kept busy during each section, so a noisy run can be seen as such; on a busy machine the
numbers are upper bounds for latency and lower bounds for throughput.

Profiles: quick (default) runs 5 s per HTTP level and 100 in-process questions per list;
--full runs 30 s per level and 500 questions. The quick run's length is dominated by the
service start-ups and the indexing builds, so it depends on how fast the project indexes.

Run it from the project root (the services use ./corpus, ./index and ./models like
`assistant serve` does).

Examples:
    python -m benchmarks.speed
    python -m benchmarks.speed --full --json-out benchmarks/results/speed-full.json
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

from benchmarks import load
from benchmarks.inference import cpu_model

Say = Callable[[str], None]

#: Concurrency levels of the non-repeated HTTP runs.
LEVELS = (1, 4, 16)
#: Non-repeated requests sent (and not measured) before the first HTTP level.
HTTP_WARMUP = 3
#: Questions asked (and not measured) before each in-process list.
INPROCESS_WARMUP = 3
#: Worker processes started to show what they share.
WORKERS = 2
HEALTH_TIMEOUT_S = 300.0
#: How often /healthz is polled while a service starts (start-up is timed to this resolution).
HEALTH_POLL_S = 0.02
CHILD_TIMEOUT_S = 900.0
#: The line a child process prints its result on (libraries may print to stdout too).
RESULT_PREFIX = "SPEED-RESULT "
INPROCESS_SYSTEMS = ("project", "langchain")
INDEX_KINDS = ("project-onnx", "project-onnx-int8", "project-torch", "langchain")
INDEX_LABELS = {
    "project-onnx": "project VectorIndex.build, ONNX Runtime (default)",
    "project-onnx-int8": "project VectorIndex.build, ONNX Runtime int8 (opt-in)",
    "project-torch": "project VectorIndex.build, torch (reference)",
    "langchain": "LangChain FAISS.from_documents",
}
#: The setting each project build runs with (`ASSISTANT_BACKEND`).
PROJECT_BACKENDS = {
    "project-onnx": "auto",
    "project-onnx-int8": "onnx-int8",
    "project-torch": "torch",
}
SERVICE_LABELS = {"project": "project", "langchain": "LangChain"}
MIB = 1024 * 1024
ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Profile:
    """How long each measurement runs."""

    name: str
    http_seconds: float
    inprocess_questions: int
    #: A cap on each in-process list's time: a system slowed down by a busy machine stops
    #: early (the table's n shows how many questions were measured).
    inprocess_max_seconds: float
    #: Answers the reference builds (torch, opt-in int8) embed (None: all); they are not the
    #: default engine, and the quick run must stay under five minutes.
    reference_index_answers: int | None


QUICK = Profile(
    "quick",
    http_seconds=5.0,
    inprocess_questions=100,
    inprocess_max_seconds=15.0,
    reference_index_answers=64,
)
FULL = Profile(
    "full",
    http_seconds=30.0,
    inprocess_questions=500,
    inprocess_max_seconds=120.0,
    reference_index_answers=None,
)


# --- pure parts ---------------------------------------------------------------------------


def latency_summary(seconds: Sequence[float]) -> dict[str, float | int | None]:
    """n, p50/p95/p99, mean and max in milliseconds (None when there are no samples)."""
    ms = [s * 1000 for s in seconds]
    return {
        "n": len(ms),
        "p50_ms": load.percentile(ms, 50),
        "p95_ms": load.percentile(ms, 95),
        "p99_ms": load.percentile(ms, 99),
        "mean_ms": sum(ms) / len(ms) if ms else None,
        "max_ms": max(ms) if ms else None,
    }


def question_lists(n: int, seed: int = 0) -> tuple[list[str], list[str]]:
    """(non-repeated, repeated) lists of `n` questions from `benchmarks.load`'s mix.

    Non-repeated ones carry the " (fråga N)" suffix, N = 1..n, so each is asked once;
    repeated ones are drawn from the mix as it is.
    """
    rng = random.Random(seed)
    unique = [load.question_for(i, rng, unique=True) for i in range(1, n + 1)]
    rng = random.Random(seed + 1)
    repeated = [load.question_for(i, rng, unique=False) for i in range(1, n + 1)]
    return unique, repeated


def failures(level: dict[str, Any]) -> int:
    """Requests of a level (a `load.LevelResult` as a dict) that were not 2xx."""
    return int(level["requests"]) - int(level["ok_2xx"])


def _ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return a / b


def _level(result: dict[str, Any], service: str, run: str, concurrency: int) -> dict | None:
    """One HTTP level's result, or None when it was not measured."""
    svc = result.get("sections", {}).get("http", {}).get("services", {}).get(service)
    if not svc or "error" in svc:
        return None
    for level in svc.get(run, []):
        if level["concurrency"] == concurrency:
            return level
    return None


def ratios(result: dict[str, Any]) -> dict[str, float | None]:
    """Project / LangChain: throughput at concurrency 16 and p50 at concurrency 1."""
    p16, l16 = (_level(result, s, "non_repeated", 16) for s in ("project", "langchain"))
    p1, l1 = (_level(result, s, "non_repeated", 1) for s in ("project", "langchain"))
    return {
        "throughput_c16": _ratio(p16 and p16["throughput_rps"], l16 and l16["throughput_rps"]),
        "p50_c1": _ratio(p1 and p1["p50_ms"], l1 and l1["p50_ms"]),
    }


def _bar(name: str, value: float | None, unit: str, limit: float, at_most: bool) -> dict:
    met = None if value is None else (value <= limit if at_most else value >= limit)
    sign = "≤" if at_most else "≥"
    return {
        "name": name,
        "value": value,
        "unit": unit,
        "bar": f"{sign} {limit:g}{unit}",
        "met": met,
    }


def bars(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The issue's bars with this run's values; `met` is None when a value is missing."""
    c1 = _level(result, "project", "non_repeated", 1)
    rep = _level(result, "project", "repeated", 1)
    index_rows = result.get("sections", {}).get("indexing", {}).get("rows", {})
    onnx = index_rows.get("project-onnx", {})
    return [
        _bar("HTTP c1 non-repeated p50", c1 and c1["p50_ms"], " ms", 15, True),
        _bar("HTTP c1 non-repeated p95", c1 and c1["p95_ms"], " ms", 30, True),
        _bar("HTTP c1 repeated p50", rep and rep["p50_ms"], " ms", 3, True),
        _bar(
            "HTTP c16 throughput, project / LangChain",
            ratios(result)["throughput_c16"],
            "×",
            2,
            False,
        ),
        _bar("indexing (ONNX Runtime)", onnx.get("passages_per_s"), " passages/s", 150, False),
    ]


# --- formatting ---------------------------------------------------------------------------


def _f(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], left: int = 1) -> list[str]:
    """Aligned columns: the first `left` left-aligned, the rest right-aligned."""
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return " ".join(
            f"{c:<{w}}" if i < left else f"{c:>{w}}"
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    out = [line(header)]
    out.append("-" * len(out[0]))
    out.extend(line(r) for r in rows)
    return out


def _load_note(section: dict[str, Any]) -> str:
    parts = []
    before, after = section.get("loadavg_before"), section.get("loadavg_after")
    if before and after:
        parts.append(f"load average (1 min) {before[0]:.2f} before, {after[0]:.2f} after")
    if section.get("other_cpu_cores") is not None:
        parts.append(f"other processes used {section['other_cpu_cores']:.2f} cores on average")
    if section.get("wall_s") is not None:
        parts.append(f"took {section['wall_s']:.0f} s")
    return "; ".join(parts)


def _format_http(section: dict[str, Any]) -> list[str]:
    lines = [
        f"1. POST /api/ask over HTTP on loopback ({section['seconds_per_level']:g} s per level; "
        "latency of 2xx responses)"
    ]
    header = ["service", "questions", "conc", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms"]
    header += ["non-2xx", "errors"]
    rows = []
    notes = []
    for service, data in section["services"].items():
        label = SERVICE_LABELS.get(service, service)
        if "error" in data:
            notes.append(f"{label}: failed: {data['error']}")
            continue
        runs = (("non_repeated", "non-repeated"), ("repeated", "repeated (warm)"))
        for key, name in runs:
            for r in data.get(key, []):
                rows.append(
                    [
                        label,
                        name,
                        str(r["concurrency"]),
                        str(r["requests"]),
                        _f(r["throughput_rps"]),
                        _f(r["p50_ms"], 2),
                        _f(r["p95_ms"], 2),
                        _f(r["p99_ms"], 2),
                        str(failures(r) - r["transport_errors"]),
                        str(r["transport_errors"]),
                    ]
                )
                if r.get("errors"):
                    notes.append(f"{label} {name} c{r['concurrency']}: {r['errors']}")
                if r.get("statuses") and failures(r):
                    notes.append(f"{label} {name} c{r['concurrency']}: statuses {r['statuses']}")
        warm = data.get("warm_pass", {})
        bad = {k: v for k, v in warm.items() if not k.startswith("2")}
        if bad:
            notes.append(f"{label}: warm pass (each question once) had {bad}")
    if rows:
        lines += _table(header, rows, left=2)
    lines += notes
    return lines


def _format_ratios_and_bars(result: dict[str, Any]) -> list[str]:
    r = result.get("ratios", {})
    lines = [
        "project / LangChain: throughput at c16 "
        + (f"{r['throughput_c16']:.2f}×" if r.get("throughput_c16") is not None else "-")
        + ", p50 at c1 "
        + (f"{r['p50_c1']:.2f}×" if r.get("p50_c1") is not None else "-")
        + " (below 1 = the project is faster)",
        "",
        "The issue's bars (project)",
    ]
    rows = []
    for b in result.get("bars", []):
        value = b["value"]
        shown = "-" if value is None else f"{value:.2f}{b['unit']}"
        verdict = "n/a" if b["met"] is None else ("met" if b["met"] else "missed")
        rows.append([b["name"], shown, b["bar"], verdict])
    return lines + _table(["measure", "value", "bar", "met/missed"], rows)


def _format_inprocess(section: dict[str, Any]) -> list[str]:
    lines = [
        "2. In-process latency (no HTTP): Assistant.ask vs the LangChain store's "
        "similarity_search_with_score, same questions, each system in a fresh process"
    ]
    rows = []
    notes = []
    for system, data in section["systems"].items():
        label = SERVICE_LABELS.get(system, system)
        if "error" in data:
            notes.append(f"{label}: failed: {data['error']}")
            continue
        for key, name in (("non_repeated", "non-repeated"), ("repeated", "repeated (warm)")):
            s = data[key]
            rows.append(
                [
                    label,
                    name,
                    str(s["n"]),
                    _f(s["p50_ms"], 2),
                    _f(s["p95_ms"], 2),
                    _f(s["p99_ms"], 2),
                    _f(s["mean_ms"], 2),
                ]
            )
        notes.append(f"{label}: loaded in {data['load_s']:.1f} s ({data['load_what']})")
        wanted = section.get("questions_per_list")
        short = [k for k in ("non_repeated", "repeated") if wanted and data[k]["n"] < wanted]
        if short:
            cap = section.get("max_seconds")
            notes.append(
                f"{label}: {' and '.join(k.replace('_', '-') for k in short)} stopped at the "
                f"{cap:g} s cap before all {wanted} questions (a slow or busy run)"
            )
    header = ["system", "questions", "n", "p50 ms", "p95 ms", "p99 ms", "mean ms"]
    if rows:
        lines += _table(header, rows, left=2)
    return lines + notes


def _mem_cells(mem: dict[str, Any] | None) -> list[str]:
    mem = mem or {}
    return [_f(mem.get("rss_mib"), 0), _f(mem.get("pss_mib"), 0), _f(mem.get("uss_mib"), 0)]


def _format_startup(section: dict[str, Any]) -> list[str]:
    lines = [
        "3. Start-up (spawn → first /healthz 200; model and index already on disk) and the "
        "server's memory once healthy"
    ]
    rows = []
    notes = []
    for service, data in section["services"].items():
        label = SERVICE_LABELS.get(service, service)
        if "error" in data:
            notes.append(f"{label}: failed: {data['error']}")
            continue
        if service == "langchain":
            label += " (builds its FAISS store)"
        rows.append(
            [label, "1", _f(data["startup_s"], 2), *_mem_cells(data["memory"])]
            + [_f((data.get("loadavg") or [None])[0], 2)]
        )
    workers = section.get("workers", {})
    if "skipped" in workers:
        notes.append(f"--workers {WORKERS}: skipped: {workers['skipped']}")
    elif "error" in workers:
        notes.append(f"--workers {WORKERS}: failed: {workers['error']}")
    elif workers:
        n = workers["workers"]
        rows.append(
            [f"project --workers {n}, sum over workers", str(len(workers["processes"]))]
            + [_f(workers["startup_s"], 2), *_mem_cells(workers["sum"])]
            + [_f((workers.get("loadavg_before") or [None])[0], 2)]
        )
        if workers.get("supervisor"):
            rows.append(
                [f"project --workers {n}, supervisor", "1", "-"]
                + [*_mem_cells(workers["supervisor"]), ""]
            )
            rows.append(
                [f"project --workers {n}, all processes", str(len(workers["processes"]) + 1)]
                + ["-", *_mem_cells(workers["total"]), ""]
            )
        notes.append(
            f"--workers {n}: start s = until the first /healthz 200 (one worker ready); memory "
            "once every worker had answered and their RSS had stopped growing"
        )
        shared = workers["sum"].get("shared_mib")
        if shared is not None:
            notes.append(
                f"--workers {n}: RSS − PSS summed over the workers = {shared:.0f} MiB: pages "
                "counted in more than one process's RSS, i.e. shared between processes "
                "(shared libraries, memory-mapped files); USS = pages private to each process"
            )
    header = ["service", "procs", "start s", "RSS MiB", "PSS MiB", "USS MiB", "load 1m"]
    if rows:
        lines += _table(header, rows)
    return lines + notes


def _format_indexing(section: dict[str, Any]) -> list[str]:
    lines = [
        f"4. Indexing the {section.get('answers', 503)} FAQ answers, each build in a fresh "
        "process (peak RSS = VmHWM of that process; passages/s = answers / build s)"
    ]
    rows = []
    notes = []
    for kind, data in section["rows"].items():
        label = INDEX_LABELS.get(kind, kind)
        if "error" in data:
            notes.append(f"{label}: failed: {data['error']}")
            continue
        rows.append(
            [
                label,
                f"{data.get('backend', '-')} {data.get('precision', 'fp32')}",
                str(data["answers"]),
                _f(data["load_s"], 2),
                _f(data["build_s"], 2),
                _f(data["passages_per_s"], 1),
                _f(data["peak_rss_mib"], 0),
                str(data["vectors"]),
            ]
        )
    header = ["build", "engine", "answers", "load s", "build s", "passages/s", "peak RSS MiB"]
    header.append("vectors")
    if rows:
        lines += _table(header, rows)
    notes.append(
        "load s = model load plus one warm-up encode; build s = embedding and index; "
        "the project also embeds each answer's sentences for its answer step "
        "(vectors = answers + sentences), LangChain embeds its chunks only"
    )
    answers = [d["answers"] for d in section["rows"].values() if "answers" in d]
    if any(n < section.get("answers", 0) for n in answers):
        notes.append(
            "a row over fewer answers is one of the quick profile's short reference builds"
        )
    return lines + notes


def format_tables(result: dict[str, Any]) -> str:
    """Every section's table, the ratios and the bars, as plain aligned text."""
    m = result.get("machine", {})
    lines = [
        f"Speed benchmark, {result.get('profile', '?')} profile — {m.get('cpu_model', '?')}, "
        f"{m.get('cpu_count', '?')} CPUs, load average at start "
        + (f"{m['loadavg_start'][0]:.2f}" if m.get("loadavg_start") else "?")
    ]
    formatters = {
        "http": _format_http,
        "inprocess": _format_inprocess,
        "startup": _format_startup,
        "indexing": _format_indexing,
    }
    sections = result.get("sections", {})
    for key in ("http", "inprocess", "startup", "indexing"):
        section = sections.get(key)
        if section is None:
            continue
        lines.append("")
        if "error" in section:
            lines.append(f"{key}: failed: {section['error']}")
        else:
            lines += formatters[key](section)
        note = _load_note(section)
        if key == "startup":
            note = _load_note(section.get("workers", {}))
            note = f"--workers run: {note}" if note else ""
        if note:
            lines.append(f"({note})")
        if key == "http" and "error" not in section:
            lines.append("")
            lines += _format_ratios_and_bars(result)
    if result.get("wall_s") is not None:
        lines += ["", f"The whole run took {result['wall_s']:.0f} s."]
    return "\n".join(lines)


# --- machine facts ---------------------------------------------------------------------------


def loadavg() -> list[float] | None:
    """The 1, 5 and 15 minute load averages, where the system has them."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def machine() -> dict[str, Any]:
    import psutil

    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count(),
        "cpus_usable": usable,
        "memory_total_mib": round(psutil.virtual_memory().total / MIB),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "loadavg_start": loadavg(),
    }


def cpu_snapshot() -> dict[str, float]:
    """The machine's busy CPU seconds and this process tree's own (reaped children included)."""
    import psutil

    t = psutil.cpu_times()
    busy = sum(getattr(t, f, 0.0) for f in ("user", "nice", "system", "irq", "softirq", "steal"))
    own = os.times()
    return {
        "wall": time.monotonic(),
        "busy": busy,
        "own": own.user + own.system + own.children_user + own.children_system,
    }


def other_cores(before: dict[str, float], after: dict[str, float]) -> float | None:
    """Cores other processes kept busy on average between two snapshots (our children
    count as ours once they have exited and been waited for)."""
    wall = after["wall"] - before["wall"]
    if wall <= 0:
        return None
    other = (after["busy"] - before["busy"]) - (after["own"] - before["own"])
    return round(max(other, 0.0) / wall, 2)


def process_memory(pid: int) -> dict[str, float | None]:
    """RSS, and PSS and USS where available, of one process, MiB."""
    import psutil

    proc = psutil.Process(pid)
    out: dict[str, float | None] = {"rss_mib": proc.memory_info().rss / MIB}
    try:
        full = proc.memory_full_info()
        pss = getattr(full, "pss", None)
        out["pss_mib"] = pss / MIB if pss is not None else None
        out["uss_mib"] = full.uss / MIB
    except (psutil.AccessDenied, AttributeError):
        out["pss_mib"] = out["uss_mib"] = None
    return out


# --- 1 + 3: the services over HTTP -----------------------------------------------------------


def service_env() -> dict[str, str]:
    """`benchmarks.load`'s service environment (rate limit off), `benchmarks` importable."""
    env = load.service_env(None, None)
    env["PYTHONPATH"] = child_env()["PYTHONPATH"]
    return env


def project_command(port: int) -> list[str]:
    return load.serve_command(port)


def langchain_command(port: int) -> list[str]:
    command = [sys.executable, "-m", "benchmarks.langchain_app", "--host", "127.0.0.1"]
    return [*command, "--port", str(port)]


def wait_startup(
    base_url: str,
    process: subprocess.Popen,  # type: ignore[type-arg]
    started: float,
    timeout_s: float = HEALTH_TIMEOUT_S,
) -> float:
    """Seconds from `started` (perf_counter) to the first /healthz 200.

    Raises:
        RuntimeError: the process exited first, or it was not healthy within `timeout_s`.
    """
    with httpx.Client(trust_env=False, timeout=5.0) as client:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the service exited with code {process.returncode}")
            with contextlib.suppress(httpx.RequestError):
                if client.get(f"{base_url}/healthz").status_code == 200:
                    return time.perf_counter() - started
            if time.perf_counter() - started > timeout_s:
                raise RuntimeError(f"not healthy within {timeout_s:.0f} s")
            time.sleep(HEALTH_POLL_S)


async def ask_each(base_url: str, questions: Sequence[str]) -> dict[str, int]:
    """Ask each question once, one after another; the count of each status (or error kind)."""
    seen = Counter[str]()
    async with httpx.AsyncClient(timeout=load.REQUEST_TIMEOUT_S, trust_env=False) as client:
        for question in questions:
            sample = await load.ask_once(client, f"{base_url}/api/ask", question)
            seen[str(sample.status) if sample.status else sample.error or "?"] += 1
    return dict(sorted(seen.items()))


def _temp_log(name: str) -> Path:
    fd, path = tempfile.mkstemp(prefix=f"speed-{name}-", suffix=".log")
    os.close(fd)
    return Path(path)


def measure_service(
    name: str, command_for: Callable[[int], list[str]], seconds: float, say: Say = print
) -> dict[str, Any]:
    """Start one service; its start-up, memory, then the HTTP runs; always stopped after."""
    port = load.free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = _temp_log(name)
    quiet: Say = lambda message: say(f"{name}: {message}")  # noqa: E731
    keep_log = True
    try:
        started = time.perf_counter()
        with load.running_service(
            port, service_env(), log_path, quiet, command=command_for(port)
        ) as process:
            load_at_start = loadavg()
            try:
                startup_s = wait_startup(base_url, process, started)
            except RuntimeError as exc:
                tail = load._tail(log_path, 15)
                raise RuntimeError(f"{exc}; log {log_path}:\n{tail}") from None
            memory = process_memory(process.pid)
            quiet(f"healthy after {startup_s:.2f} s, RSS {memory['rss_mib']:.0f} MiB")
            config = load.LoadConfig(
                levels=LEVELS, seconds=seconds, warmup=HTTP_WARMUP, unique=True, seed=1
            )
            non_repeated = asyncio.run(
                load.run_load(base_url, config, process=process, log_path=log_path, say=quiet)
            )
            warm_pass = asyncio.run(ask_each(base_url, load.QUESTIONS))
            config = load.LoadConfig(levels=(1,), seconds=seconds, warmup=0, seed=2)
            repeated = asyncio.run(
                load.run_load(base_url, config, process=process, log_path=log_path, say=quiet)
            )
            memory_after = process_memory(process.pid)
        if non_repeated is None or repeated is None:
            raise RuntimeError(f"the service stopped answering /healthz; log {log_path}")
        keep_log = False
    finally:
        if not keep_log:
            log_path.unlink(missing_ok=True)
    return {
        "command": command_for(port)[1:],
        "startup": {"startup_s": startup_s, "memory": memory, "loadavg": load_at_start},
        "memory_after_load": memory_after,
        "non_repeated": [asdict(r) for r in non_repeated],
        "warm_pass": warm_pass,
        "repeated": [asdict(r) for r in repeated],
    }


# === --workers: memory of several worker processes ==========================================
# Needs `assistant serve --workers N`. `measure_workers` checks for the option first and
# reports {"skipped": reason} while it is missing.


def project_workers_command(port: int, n: int) -> list[str]:
    return load.serve_command(port, "--workers", str(n))


def workers_supported() -> str | None:
    """None if `assistant serve` takes --workers, else why not."""
    help_text = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "serve", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    return None if "--workers" in help_text else "`assistant serve --help` lists no --workers"


def _worker_processes(pid: int) -> list[Any]:
    """The server's descendants that serve requests (multiprocessing's helpers left out)."""
    import psutil

    out = []
    for child in psutil.Process(pid).children(recursive=True):
        with contextlib.suppress(psutil.Error):
            cmdline = " ".join(child.cmdline())
            if "resource_tracker" in cmdline or "semaphore_tracker" in cmdline:
                continue
            out.append(child)
    return out


def _settle(pid: int, n: int, timeout_s: float = 120.0) -> list[Any]:
    """Wait until `n` workers exist and their summed RSS stopped growing (all loaded)."""
    import psutil

    deadline = time.monotonic() + timeout_s
    last = -1.0
    while True:
        workers = _worker_processes(pid)
        total = 0.0
        with contextlib.suppress(psutil.Error):
            total = sum(w.memory_info().rss for w in workers)
        if len(workers) >= n and last > 0 and abs(total - last) <= 0.01 * last:
            return workers
        if time.monotonic() > deadline:
            return workers
        last = total
        time.sleep(1.0)


def measure_workers(
    n: int = WORKERS,
    say: Say = print,
    *,
    command_for: Callable[[int, int], list[str]] | None = None,
) -> dict[str, Any]:
    """`assistant serve --workers n`: start-up, and RSS/PSS/USS summed over the workers.

    `command_for(port, n)` runs another multi-worker server instead (for tests).
    """
    if command_for is None:
        reason = workers_supported()
        if reason:
            say(f"workers: skipped: {reason}")
            return {"skipped": reason}
        command_for = project_workers_command
    port = load.free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = _temp_log("workers")
    quiet: Say = lambda message: say(f"workers: {message}")  # noqa: E731
    started = time.perf_counter()
    command = command_for(port, n)
    with load.running_service(port, service_env(), log_path, quiet, command=command) as process:
        try:
            startup_s = wait_startup(base_url, process, started)
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}; log {log_path}:\n{load._tail(log_path, 15)}") from None
        # Fresh connections, so that each worker (whichever accepts) has answered something.
        with httpx.Client(trust_env=False, timeout=load.REQUEST_TIMEOUT_S) as client:
            for question in load.QUESTIONS[: 4 * n]:
                client.post(
                    f"{base_url}/api/ask",
                    json={"question": question, "history": []},
                    headers={"Connection": "close"},
                )
        workers = _settle(process.pid, n)
        per_process = []
        for w in workers:
            mem = process_memory(w.pid)
            per_process.append({"pid": w.pid, **mem})
        supervisor = process_memory(process.pid)
    log_path.unlink(missing_ok=True)

    def total(key: str) -> float | None:
        values = [p[key] for p in per_process]
        return None if not values or any(v is None for v in values) else sum(values)

    sums: dict[str, float | None] = {k: total(k) for k in ("rss_mib", "pss_mib", "uss_mib")}
    rss, pss = sums["rss_mib"], sums["pss_mib"]
    sums["shared_mib"] = rss - pss if rss is not None and pss is not None else None
    everything = [*per_process, supervisor]
    totals = {
        key: None if any(p[key] is None for p in everything) else sum(p[key] for p in everything)
        for key in ("rss_mib", "pss_mib", "uss_mib")
    }
    return {
        "workers": n,
        "startup_s": startup_s,
        "processes": per_process,
        "sum": sums,
        # A server that serves in the process itself (no children) has no supervisor.
        "supervisor": supervisor if per_process else None,
        "total": totals,
    }


def http_section(profile: Profile, say: Say = print) -> tuple[dict, dict]:
    """(section 1, the start-up part of section 3) from one start of each service."""
    services: dict[str, Any] = {}
    startup: dict[str, Any] = {}
    for name, command_for in (("project", project_command), ("langchain", langchain_command)):
        try:
            data = measure_service(name, command_for, profile.http_seconds, say)
        except Exception as exc:  # one failed service must not lose the other's numbers
            say(f"{name}: failed: {exc}")
            services[name] = startup[name] = {"error": f"{type(exc).__name__}: {exc}"}
            continue
        startup[name] = data.pop("startup")
        services[name] = data
    return (
        {"seconds_per_level": profile.http_seconds, "levels": list(LEVELS), "services": services},
        {"services": startup},
    )


# --- fresh child processes ---------------------------------------------------------------


def child_env(settings: Any = None) -> dict[str, str]:
    """The environment of a child: this one, `benchmarks` importable, and `settings`' paths."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    if settings is not None:
        env["ASSISTANT_CORPUS_DIR"] = str(settings.corpus_dir)
        env["ASSISTANT_INDEX_DIR"] = str(settings.index_dir)
        env["ASSISTANT_MODEL_CACHE_DIR"] = str(settings.model_cache_dir)
        env["ASSISTANT_MODEL"] = str(settings.model)
    return env


def run_child(args: Sequence[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """`python -m benchmarks.speed ARGS` in a fresh interpreter: its result or {"error": ...}."""
    start = time.perf_counter()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "benchmarks.speed", *args],
            capture_output=True,
            text=True,
            timeout=CHILD_TIMEOUT_S,
            env=env if env is not None else child_env(),
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"no result within {CHILD_TIMEOUT_S:.0f} s"}
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(RESULT_PREFIX)]
    if proc.returncode != 0 or not lines:
        tail = "\n".join(proc.stderr.strip().splitlines()[-5:])
        return {"error": f"exit code {proc.returncode}: {tail}"}
    data = json.loads(lines[-1][len(RESULT_PREFIX) :])
    data["process_s"] = time.perf_counter() - start
    return data


def peak_rss_mib() -> dict[str, float | None]:
    """This process's peak resident memory, MiB: VmHWM, and getrusage's ru_maxrss.

    On Linux ru_maxrss carries over the parent's peak through fork and exec (the parent's
    high-water mark is folded in at exec), so a child of a large process reports at least
    the parent's peak; VmHWM belongs to this process image alone. Both are recorded; the
    tables show VmHWM where the system has it.
    """
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    out: dict[str, float | None] = {
        "ru_maxrss_mib": maxrss / MIB if sys.platform == "darwin" else maxrss / 1024,
        "vm_hwm_mib": None,
    }
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                out["vm_hwm_mib"] = int(line.split()[1]) / 1024
    out["peak_rss_mib"] = out["vm_hwm_mib"] or out["ru_maxrss_mib"]
    return out


# --- 2: in-process, each system in a fresh process ----------------------------------------------


def _timed(
    call: Callable[[str], object], questions: Sequence[str], max_seconds: float | None = None
) -> list[float]:
    """The latency of each call, in order; none is started after `max_seconds`."""
    out = []
    deadline = None if max_seconds is None else time.perf_counter() + max_seconds
    for question in questions:
        start = time.perf_counter()
        if deadline is not None and start > deadline:
            break
        call(question)
        out.append(time.perf_counter() - start)
    return out


def _lists_for(
    call: Callable[[str], object],
    unique: list[str],
    repeated: list[str],
    max_seconds: float | None = None,
) -> dict:
    for i in range(1, INPROCESS_WARMUP + 1):  # first-call costs, never in the measured lists
        call(f"{load.QUESTIONS[i]} (uppvärmning {i})")
    non_repeated = latency_summary(_timed(call, unique, max_seconds))
    for question in load.QUESTIONS:  # every repeated question once: caches are warm
        call(question)
    repeated_summary = latency_summary(_timed(call, repeated, max_seconds))
    return {"non_repeated": non_repeated, "repeated": repeated_summary}


def inprocess_child(
    system: str, n_questions: int, max_seconds: float | None = None
) -> dict[str, Any]:
    """One system's in-process latencies, in this process (`--inprocess-child SYSTEM`).

    The settings come from the environment (`Settings()`), as `assistant serve` reads them.
    """
    from assistant.config import Settings

    settings = Settings()
    unique, repeated = question_lists(n_questions)
    start = time.perf_counter()
    if system == "project":
        from assistant.pipeline import Assistant

        bot = Assistant(settings)
        bot.warm_up()  # builds the index if there is none yet
        assert bot.embedder is not None
        what = f"model ({getattr(bot.embedder, 'backend', '?')}) and index"
        call: Callable[[str], object] = bot.ask
    elif system == "langchain":
        from assistant.embeddings import prepare_model
        from benchmarks import langchain_app

        model_path, _ = prepare_model(settings.model, settings.model_cache_dir)
        store = langchain_app.corpus_store(settings.corpus_dir, model_path)
        what = "model and FAISS store built from the corpus"
        k = langchain_app.TOP_K

        def call(question: str) -> object:
            return store.similarity_search_with_score(question, k=k)

    else:
        raise ValueError(f"unknown system {system!r}; one of {', '.join(INPROCESS_SYSTEMS)}")
    load_s = time.perf_counter() - start
    lists = _lists_for(call, unique, repeated, max_seconds)
    return {"load_s": load_s, "load_what": what, **lists, "memory": peak_rss_mib()}


def inprocess_section(
    n_questions: int,
    *,
    max_seconds: float | None = None,
    settings: Any = None,
    langchain: bool = True,
    say: Say = print,
) -> dict[str, Any]:
    """Section 2 over `n_questions` per list, each system in a fresh process.

    Separate processes keep ONNX Runtime's and torch's thread pools from meeting and this
    process small. `settings` (default: the environment's) are passed on by their paths.
    """
    systems: dict[str, Any] = {}
    for system in INPROCESS_SYSTEMS if langchain else ("project",):
        say(f"in-process: {SERVICE_LABELS[system]} (fresh process) …")
        args = ["--inprocess-child", system, "--questions", str(n_questions)]
        if max_seconds is not None:
            args += ["--max-seconds", str(max_seconds)]
        systems[system] = data = run_child(args, child_env(settings))
        if "error" in data:
            say(f"in-process: {system}: failed: {data['error']}")
    return {"questions_per_list": n_questions, "max_seconds": max_seconds, "systems": systems}


# --- 4: indexing, one fresh process per build -------------------------------------------------


def index_child(kind: str, limit: int | None = None) -> dict[str, Any]:
    """One build in this process (`python -m benchmarks.speed --index-child KIND`).

    `limit` builds over the first `limit` answers only (the quick profile's torch row).
    """
    from benchmarks import faq

    _, _, answers = faq.load_faq()
    answers = answers[:limit] if limit else answers
    if kind in PROJECT_BACKENDS:
        from assistant.config import Settings
        from assistant.embeddings import load_embedder

        settings = Settings(backend=PROJECT_BACKENDS[kind])
        start = time.perf_counter()
        embedder = load_embedder(settings)
        embedder.embed_passages(["Uppvärmning."])
        load_s = time.perf_counter() - start
        start = time.perf_counter()
        index = faq.faq_index(answers, embedder)
        build_s = time.perf_counter() - start
        backend = getattr(embedder, "backend", "?")
        vectors = len(index.chunks) + len(index.segments)
        detail = {
            "chunks": len(index.chunks),
            "segments": len(index.segments),
            "precision": embedder.precision,
        }
    elif kind == "langchain":
        from benchmarks import langchain_app
        from benchmarks import langchain_baseline as lc

        model_path = langchain_app.default_model_path()
        start = time.perf_counter()
        embeddings = lc.make_embeddings(model_path)
        embeddings.embed_documents(["Uppvärmning."])
        load_s = time.perf_counter() - start
        start = time.perf_counter()
        store = lc.build_store(answers, model_path, embeddings=embeddings)
        build_s = time.perf_counter() - start
        backend = "torch"
        vectors = int(store.index.ntotal)
        detail = {"chunks": vectors}
    else:
        raise ValueError(f"unknown build {kind!r}; one of {', '.join(INDEX_KINDS)}")
    return {
        "answers": len(answers),
        "backend": backend,
        "load_s": load_s,
        "build_s": build_s,
        "passages_per_s": len(answers) / build_s,
        **peak_rss_mib(),
        "vectors": vectors,
        **detail,
    }


def run_index_child(kind: str, limit: int | None = None, say: Say = print) -> dict[str, Any]:
    """`index_child(kind, limit)` in a fresh interpreter; its result, or {"error": ...}."""
    say(f"indexing: {INDEX_LABELS[kind]} (fresh process) …")
    before = loadavg()
    args = ["--index-child", kind] + (["--index-limit", str(limit)] if limit else [])
    data = run_child(args)
    if "error" in data:
        say(f"indexing: {kind}: failed: {data['error']}")
        return data
    data["loadavg_before"], data["loadavg_after"] = before, loadavg()
    say(
        f"indexing: {kind}: {data['passages_per_s']:.0f} passages/s, "
        f"peak RSS {data['peak_rss_mib']:.0f} MiB"
    )
    return data


#: Builds that are references, not the default engine: shortened in the quick profile.
REFERENCE_BUILDS = ("project-onnx-int8", "project-torch")


def indexing_section(reference_answers: int | None = None, say: Say = print) -> dict[str, Any]:
    """Section 4; the `REFERENCE_BUILDS` over the first `reference_answers` answers (None: all)."""
    limits = dict.fromkeys(REFERENCE_BUILDS, reference_answers)
    rows = {kind: run_index_child(kind, limits.get(kind), say) for kind in INDEX_KINDS}
    answers = max((r["answers"] for r in rows.values() if "answers" in r), default=503)
    return {"answers": answers, "rows": rows}


# --- the whole run ---------------------------------------------------------------------------


def _section(fn: Callable[[], dict[str, Any]], name: str, say: Say) -> dict[str, Any]:
    """Run one section with the load average before and after; a failure is recorded."""
    before = loadavg()
    cpu = cpu_snapshot()
    start = time.perf_counter()
    try:
        data = fn()
    except Exception as exc:
        say(f"{name}: failed: {type(exc).__name__}: {exc}")
        data = {"error": f"{type(exc).__name__}: {exc}"}
    data["loadavg_before"] = before
    data["loadavg_after"] = loadavg()
    data["wall_s"] = time.perf_counter() - start
    data["other_cpu_cores"] = other_cores(cpu, cpu_snapshot())
    return data


def run(*, quick: bool = True, say: Say = print) -> dict[str, Any]:
    """Every section, in this order: in-process (which also prepares model and index on disk
    for the services), HTTP with start-up, the --workers start-up, indexing.

    Returns a JSON-serialisable dict; `format_tables` prints it.
    """
    profile = QUICK if quick else FULL
    started = time.perf_counter()
    result: dict[str, Any] = {
        "profile": profile.name,
        "settings": asdict(profile),
        "machine": machine(),
        "sections": {},
    }
    sections = result["sections"]
    sections["inprocess"] = _section(
        lambda: inprocess_section(
            profile.inprocess_questions, max_seconds=profile.inprocess_max_seconds, say=say
        ),
        "in-process",
        say,
    )
    holder: dict[str, Any] = {}

    def http() -> dict[str, Any]:
        http_data, holder["startup"] = http_section(profile, say)
        return http_data

    sections["http"] = _section(http, "http", say)
    startup = holder.get("startup", {"services": {}})
    startup["workers"] = _section(lambda: measure_workers(WORKERS, say), "workers", say)
    # Start-up times were taken while section 1 started each service (same spawns); the
    # load average at each spawn is kept with it.
    sections["startup"] = startup
    sections["indexing"] = _section(
        lambda: indexing_section(profile.reference_index_answers, say), "indexing", say
    )
    result["ratios"] = ratios(result)
    result["bars"] = bars(result)
    result["machine"]["loadavg_end"] = loadavg()
    result["wall_s"] = time.perf_counter() - started
    return result


def _write_json(path: Path, result: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.speed",
        description=__doc__.split("\n\n", 1)[0] if __doc__ else None,
        epilog=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--full", action="store_true", help="30 s per HTTP level and 500 in-process questions"
    )
    parser.add_argument(
        "--json-out",
        type=Path,
        default=Path("benchmarks/results/speed.json"),
        help="where the results are written (default benchmarks/results/speed.json)",
    )
    parser.add_argument("--index-child", choices=INDEX_KINDS, help=argparse.SUPPRESS)
    parser.add_argument("--index-limit", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--inprocess-child", choices=INPROCESS_SYSTEMS, help=argparse.SUPPRESS)
    parser.add_argument(
        "--questions", type=int, default=QUICK.inprocess_questions, help=argparse.SUPPRESS
    )
    parser.add_argument("--max-seconds", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.index_child or args.inprocess_child:
        if args.index_child:
            child = index_child(args.index_child, args.index_limit)
        else:
            child = inprocess_child(args.inprocess_child, args.questions, args.max_seconds)
        print(RESULT_PREFIX + json.dumps(child), flush=True)
        return 0

    def say(message: str) -> None:
        print(f"· {message}", file=sys.stderr, flush=True)

    result = run(quick=not args.full, say=say)
    print(format_tables(result))
    _write_json(args.json_out, result)
    say(f"results written to {args.json_out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
