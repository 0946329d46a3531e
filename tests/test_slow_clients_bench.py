"""The slow-client benchmark runs against a real server and reports what it saw."""

import subprocess
import sys

from tests.conftest import ROOT


def test_slow_clients_benchmark_reports_answers_and_cut_offs() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.slow_clients", "--seconds", "3", "--slow", "2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "normal client: {200:" in done.stdout
    assert "latency ms: p50" in done.stdout and "slow clients cut off" in done.stdout
