"""The language-model benchmark runs against a real llama.cpp server and reports its table."""

import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow


def test_llm_benchmark_reports_verification_and_timeouts() -> None:
    pytest.importorskip("llama_cpp.server", reason="llama-cpp-python[server] is not installed")
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.llm", "--questions", "6", "--max-tokens", "16"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = {line.split("  ")[1].strip(): line for line in done.stdout.splitlines() if "  " in line}
    assert "served sentences, fact not cited" in done.stdout
    assert lines["served sentences, fact not cited"].split()[-1] == "0"
    assert "all extractive: True" in done.stdout and "all extractive: False" not in done.stdout
