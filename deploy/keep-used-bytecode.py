"""Delete the compiled bytecode (.pyc) of every module the serving process never imports.

Run in the image build, against the built model and index:

    ASSISTANT_CORPUS_DIR=... ASSISTANT_INDEX_DIR=... ASSISTANT_MODEL_CACHE_DIR=... \
        python deploy/keep-used-bytecode.py /opt/venv [--dry-run]

It starts `assistant serve` on a loopback port, asks it what a widget, the search page and a
scraper ask (an answer, a streamed chat, a search, the facets, the pages, /metrics), has it
write the files of every module it loaded, and stops it. Every other module's .pyc under the
given prefix is deleted (the OpenAI client's modules are kept too: they load only when a
language model is configured). The image's root file system is read-only, so a module whose
.pyc is gone is compiled in memory if it is ever imported: slower that once, never wrong.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

LAUNCHER = """
import json, os, signal, sys
def dump(signum, frame):
    files = [getattr(m, "__file__", None) for m in list(sys.modules.values())]
    with open({report!r} + ".tmp", "w") as out:
        json.dump([f for f in files if f], out)
    os.replace({report!r} + ".tmp", {report!r})  # whole, or not there yet
signal.signal(signal.SIGUSR1, dump)
import httpx  # the language-model client: loaded when ASSISTANT_LLM_URL is set
from assistant.cli import main
sys.exit(main(["serve", "--host", "127.0.0.1", "--port", "{port}"]))
"""


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, body: dict | None = None) -> None:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as reply:
        reply.read()


def used_modules() -> set[Path]:
    """The files of the modules a serving process loads while it answers."""
    port = _port()
    report = Path(tempfile.mkdtemp()) / "modules.json"
    env = os.environ | {"ASSISTANT_RATE_LIMIT_PER_MINUTE": "0"}
    launcher = LAUNCHER.format(report=str(report), port=port)
    server = subprocess.Popen([sys.executable, "-c", launcher], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                _get(f"{base}/healthz")
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("the server did not start") from None
                time.sleep(0.2)
        question = {"question": "När startade samarbetet?"}
        _get(f"{base}/api/ask", question)
        _get(f"{base}/api/chat", question)
        pages = ("/api/search?q=samarbete", "/api/facets", "/api/config", "/sok?q=samarbete")
        for path in (*pages, "/widget.js", "/", "/metrics"):
            _get(base + path)
        server.send_signal(signal.SIGUSR1)
        while not report.is_file() and time.monotonic() < deadline:
            time.sleep(0.1)
        return {Path(f).resolve() for f in json.loads(report.read_text())}
    finally:
        server.terminate()
        server.wait(timeout=30)


def main(prefix: str, dry_run: bool = False) -> None:
    used = used_modules()
    kept = removed = 0
    for pyc in Path(prefix).rglob("__pycache__/*.pyc"):
        source = pyc.parent.parent / f"{pyc.name.split('.')[0]}.py"
        size = pyc.stat().st_size
        if source.resolve() in used:
            kept += size
        else:
            if not dry_run:
                pyc.unlink()
            removed += size
    verb = "would remove" if dry_run else "removed"
    print(
        f"bytecode: kept {kept / 1e6:.1f} MB of {len(used)} loaded modules, {verb} {removed / 1e6:.1f} MB"
    )
    if kept == 0:
        raise SystemExit("no loaded module under the prefix: nothing was measured")


if __name__ == "__main__":
    main(sys.argv[1], dry_run="--dry-run" in sys.argv[2:])
