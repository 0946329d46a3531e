"""The speed benchmark (benchmarks/speed.py): its summaries, bars and tables on synthetic
samples, and short real runs of the in-process and indexing sections. No timing is asserted."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

import pytest

from assistant.config import Settings
from benchmarks import load, speed


def level(concurrency: int, latency_s: float, n: int = 20, elapsed_s: float = 2.0, **bad: int):
    """A `load.LevelResult` as a dict: `n` 200s at `latency_s`, plus `bad` failures."""
    samples = [load.Sample(200, latency_s, answered=True) for _ in range(n)]
    samples += [load.Sample(500, 0.001) for _ in range(bad.get("server", 0))]
    samples += [load.Sample(None, 0.5, error="timeout") for _ in range(bad.get("timeouts", 0))]
    return asdict(load.summarize(samples, concurrency, elapsed_s))


def service(c1: float, c16_rps: float, repeated: float) -> dict:
    return {
        "non_repeated": [
            level(1, c1),
            level(4, c1 * 4),
            level(16, 0.1, n=int(c16_rps * 2)),
        ],
        "warm_pass": {"200": len(load.QUESTIONS)},
        "repeated": [level(1, repeated)],
    }


def synthetic_result(project: dict, langchain: dict) -> dict:
    """A result shaped like `speed.run`'s, with one failed and one skipped part."""
    result = {
        "profile": "quick",
        "machine": {"cpu_model": "Test CPU", "cpu_count": 2, "loadavg_start": [0.5, 0.4, 0.3]},
        "sections": {
            "inprocess": {
                "questions_per_list": 3,
                "systems": {
                    "project": {
                        "load_s": 1.0,
                        "load_what": "model (onnx) and index",
                        "non_repeated": speed.latency_summary([0.01, 0.012, 0.011]),
                        "repeated": speed.latency_summary([0.001, 0.001, 0.002]),
                    },
                    "langchain": {"error": "RuntimeError: no model"},
                },
                "loadavg_before": [0.5, 0.4, 0.3],
                "loadavg_after": [0.7, 0.5, 0.3],
            },
            "http": {
                "seconds_per_level": 2.0,
                "levels": [1, 4, 16],
                "services": {"project": project, "langchain": langchain},
                "loadavg_before": [0.7, 0.5, 0.3],
                "loadavg_after": [1.7, 0.9, 0.4],
            },
            "startup": {
                "services": {
                    "project": {
                        "startup_s": 2.5,
                        "memory": {"rss_mib": 500.0, "pss_mib": 490.0, "uss_mib": 480.0},
                    },
                    "langchain": {
                        "startup_s": 10.0,
                        "memory": {"rss_mib": 1000.0, "pss_mib": None, "uss_mib": None},
                    },
                },
                "workers": {"skipped": "`assistant serve --help` lists no --workers"},
            },
            "indexing": {
                "answers": 503,
                "rows": {
                    "project-onnx": {
                        "answers": 503,
                        "backend": "onnx",
                        "load_s": 1.0,
                        "build_s": 2.0,
                        "passages_per_s": 251.5,
                        "peak_rss_mib": 800.0,
                        "vectors": 2157,
                    },
                    "project-torch": {"error": "exit code 1: boom"},
                    "langchain": {
                        "answers": 503,
                        "backend": "torch",
                        "load_s": 7.0,
                        "build_s": 12.0,
                        "passages_per_s": 41.9,
                        "peak_rss_mib": 1300.0,
                        "vectors": 503,
                    },
                },
            },
        },
    }
    result["ratios"] = speed.ratios(result)
    result["bars"] = speed.bars(result)
    return result


def test_latency_summary_is_in_milliseconds() -> None:
    summary = speed.latency_summary([0.010] * 99 + [0.110])
    assert summary["n"] == 100
    assert summary["p50_ms"] == pytest.approx(10.0)
    assert summary["p99_ms"] == pytest.approx(10.0 + 0.01 * 100)  # interpolated: 0.01 of a rank
    assert summary["max_ms"] == pytest.approx(110.0)
    assert summary["mean_ms"] == pytest.approx(11.0)
    empty = speed.latency_summary([])
    assert empty["n"] == 0 and empty["p50_ms"] is None and empty["mean_ms"] is None


def test_question_lists_are_non_repeated_and_repeated() -> None:
    unique, repeated = speed.question_lists(300)
    assert len(unique) == len(repeated) == 300
    assert len(set(unique)) == 300
    assert unique[0].endswith(" (fråga 1)") and unique[-1].endswith(" (fråga 300)")
    assert set(repeated) <= set(load.QUESTIONS)
    assert speed.question_lists(300) == (unique, repeated)  # the same lists every run


def test_failures_count_every_non_2xx_and_transport_error() -> None:
    assert speed.failures(level(1, 0.01)) == 0
    bad = level(1, 0.01, server=2, timeouts=3)
    assert speed.failures(bad) == 5
    assert bad["transport_errors"] == 3


def test_bars_and_ratios_from_synthetic_levels() -> None:
    fast = synthetic_result(
        service(c1=0.008, c16_rps=100, repeated=0.002), service(0.030, 20, 0.030)
    )
    assert fast["ratios"]["throughput_c16"] == pytest.approx(5.0)
    assert fast["ratios"]["p50_c1"] == pytest.approx(8 / 30)
    verdicts = {b["name"]: b["met"] for b in fast["bars"]}
    assert all(verdicts.values()), verdicts

    slow = synthetic_result(
        service(c1=0.020, c16_rps=30, repeated=0.004), service(0.030, 20, 0.030)
    )
    verdicts = {b["name"]: b["met"] for b in slow["bars"]}
    assert verdicts["HTTP c1 non-repeated p50"] is False
    assert verdicts["HTTP c1 non-repeated p95"] is True
    assert verdicts["HTTP c1 repeated p50"] is False
    assert verdicts["HTTP c16 throughput, project / LangChain"] is False  # 1.5×
    assert verdicts["indexing (ONNX Runtime)"] is True


def test_a_missing_measurement_is_neither_met_nor_missed() -> None:
    result = synthetic_result(service(0.008, 100, 0.002), {"error": "RuntimeError: exited"})
    assert result["ratios"] == {"throughput_c16": None, "p50_c1": None}
    verdicts = {b["name"]: b["met"] for b in result["bars"]}
    assert verdicts["HTTP c16 throughput, project / LangChain"] is None
    assert verdicts["HTTP c1 non-repeated p50"] is True


def test_tables_show_every_section_failures_and_verdicts() -> None:
    result = synthetic_result(
        service(c1=0.020, c16_rps=100, repeated=0.002), service(0.030, 20, 0.030)
    )
    result["sections"]["http"]["services"]["langchain"]["non_repeated"][0] = level(
        1, 0.03, server=1, timeouts=2
    )
    json.dumps(result)  # JSON-serialisable as it stands
    text = speed.format_tables(result)
    for expected in (
        "Test CPU",
        "1. POST /api/ask",
        "2. In-process",
        "3. Start-up",
        "4. Indexing",
        "LangChain: failed: RuntimeError: no model",
        "project VectorIndex.build, torch (reference): failed: exit code 1: boom",
        "--workers 2: skipped",
        "throughput at c16 5.00×",
        "≤ 15 ms",
        "missed",
        "met",
        "load average (1 min) 0.70 before, 1.70 after",
        "{'timeout': 2}",
    ):
        assert expected in text, expected
    [row] = [
        ln.split()
        for ln in text.splitlines()
        if ln.split()[:3] == ["LangChain", "non-repeated", "1"]
    ]
    assert row[-2:] == ["1", "2"]  # one 5xx, two transport errors
    lines = text.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("1. POST")) + 1
    http_rows = lines[start : start + 10]  # header, rule, 4 rows per service
    assert http_rows[1].startswith("---") and not lines[start + 10].startswith("project")
    assert len({len(r) for r in http_rows}) == 1  # aligned columns


def test_serve_command_is_the_default_of_running_service() -> None:
    assert load.serve_command(8123) == [
        sys.executable,
        "-m",
        "assistant.cli",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        "8123",
    ]
    assert load.serve_command(8123, "--workers", "2")[-2:] == ["--workers", "2"]


@pytest.mark.slow
def test_inprocess_section_end_to_end(seed_settings: Settings) -> None:
    section = speed.inprocess_section(5, settings=seed_settings, say=lambda _m: None)
    json.dumps(section)
    assert section["questions_per_list"] == 5
    assert set(section["systems"]) == {"project", "langchain"}
    for name, system in section["systems"].items():
        assert "error" not in system, (name, system)
        for key in ("non_repeated", "repeated"):
            s = system[key]
            assert s["n"] == 5
            assert 0 < s["p50_ms"] <= s["p95_ms"] <= s["p99_ms"] <= s["max_ms"]
    assert any(seed_settings.index_dir.iterdir())  # the child used these settings' paths
    assert section["systems"]["project"]["memory"]["peak_rss_mib"] > 0
    text = speed.format_tables({"sections": {"inprocess": section}})
    assert "project   repeated (warm)" in text and "LangChain non-repeated" in text


@pytest.mark.slow
def test_an_indexing_build_in_a_fresh_process() -> None:
    row = speed.run_index_child("project-onnx", limit=8, say=lambda _m: None)
    assert "error" not in row, row
    assert row["answers"] == 8 and row["chunks"] == 8
    assert row["vectors"] == row["chunks"] + row["segments"]
    assert (row["backend"], row["precision"]) == ("onnx", "fp32")
    int8 = speed.run_index_child("project-onnx-int8", limit=8, say=lambda _m: None)
    assert "error" not in int8, int8
    assert (int8["backend"], int8["precision"]) == ("onnx", "int8")
    assert int8["vectors"] == row["vectors"]
    assert row["passages_per_s"] == pytest.approx(8 / row["build_s"])
    assert row["peak_rss_mib"] > 0


STUB_SERVER = """
import sys

import uvicorn
from fastapi import FastAPI

app = FastAPI()


@app.get("/healthz")
def healthz() -> dict:
    return {"status": "ok"}


@app.post("/api/ask")
def ask(body: dict) -> dict:
    return {"answer": "Svar.", "answered": True, "citations": []}


if __name__ == "__main__":
    port, workers = int(sys.argv[1]), int(sys.argv[2])
    uvicorn.run("stub_server:app", host="127.0.0.1", port=port, workers=workers, log_level="warning")
"""


def test_worker_memory_is_summed_over_the_worker_processes(tmp_path: Path) -> None:
    script = tmp_path / "stub_server.py"
    script.write_text(STUB_SERVER, encoding="utf-8")
    result = speed.measure_workers(
        2,
        say=lambda _m: None,
        command_for=lambda port, n: [sys.executable, str(script), str(port), str(n)],
    )
    json.dumps(result)
    assert result["workers"] == 2
    assert len(result["processes"]) == 2
    pids = {p["pid"] for p in result["processes"]}
    assert len(pids) == 2
    for key in ("rss_mib", "pss_mib", "uss_mib"):
        assert result["sum"][key] == pytest.approx(sum(p[key] for p in result["processes"]))
        assert result["total"][key] == pytest.approx(result["sum"][key] + result["supervisor"][key])
    assert result["sum"]["shared_mib"] >= 0  # PSS never exceeds RSS
    text = speed.format_tables({"sections": {"startup": {"services": {}, "workers": result}}})
    assert "project --workers 2, sum over workers" in text


def test_timed_lists_stop_at_the_cap() -> None:
    asked: list[str] = []
    assert len(speed._timed(asked.append, ["a", "b", "c"])) == 3
    assert len(speed._timed(asked.append, ["d", "e"], max_seconds=3600)) == 2
    assert speed._timed(asked.append, ["f", "g"], max_seconds=-1) == []  # deadline passed
    assert asked == ["a", "b", "c", "d", "e"]


def test_a_capped_inprocess_list_is_noted() -> None:
    result = synthetic_result(service(0.008, 100, 0.002), service(0.030, 20, 0.030))
    section = result["sections"]["inprocess"]
    section["questions_per_list"], section["max_seconds"] = 100, 15.0
    section["systems"]["project"]["non_repeated"]["n"] = 100
    text = speed.format_tables(result)
    assert "project: repeated stopped at the 15 s cap before all 100 questions" in text
