"""Shared fixtures: the real model, the bundled corpus and a built index in tmp_path."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn

from assistant.config import Settings
from assistant.edge import GuardedHttpTools
from assistant.pipeline import Assistant

ROOT = Path(__file__).resolve().parents[1]
MUNICIPALITIES = [
    "Botkyrka",
    "Haninge",
    "Huddinge",
    "Nykvarn",
    "Nynäshamn",
    "Salem",
    "Södertälje",
    "Tyresö",
]

#: A hand-written fixture corpus (not a source): small, Swedish, several formats.
TINY_MARKDOWN = """---
title: Testkommunens bibliotek
url: https://example.invalid/bibliotek
updated: 2025-01-15
language: sv
---

# Testkommunens bibliotek

Biblioteket i Testby har öppet måndag till fredag. Lånekortet är gratis för alla som bor i kommunen.

## Tjänster

Biblioteket erbjuder

- lån av böcker och ljudböcker
- läxhjälp för skolelever
- datorer med internet

Bokbussen kör till skärgården varannan vecka.
"""


@pytest.fixture(scope="session")
def model_cache() -> Path:
    """The same model cache `make serve` uses, so the model is rebuilt once per machine."""
    return ROOT / "models"


@pytest.fixture(scope="session")
def seed_settings(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> Settings:
    """Settings over a copy of the bundled corpus, with the index in a temp folder."""
    root = tmp_path_factory.mktemp("seed")
    shutil.copytree(ROOT / "corpus", root / "corpus")
    return Settings(
        corpus_dir=root / "corpus", index_dir=root / "index", model_cache_dir=model_cache
    )


@pytest.fixture(scope="session")
def assistant(seed_settings: Settings) -> Assistant:
    """A warmed-up assistant over the bundled corpus (real model, real FAISS)."""
    bot = Assistant(seed_settings)
    bot.warm_up()
    return bot


@pytest.fixture(scope="session")
def embedder(assistant: Assistant):  # type: ignore[no-untyped-def]
    """The loaded default embedder."""
    return assistant.load_embedder()


@pytest.fixture
def tiny_settings(tmp_path: Path, model_cache: Path) -> Settings:
    """Settings over the tiny fixture corpus in tmp_path (no index yet)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "bibliotek.md").write_text(TINY_MARKDOWN, encoding="utf-8")
    return Settings(corpus_dir=corpus, index_dir=tmp_path / "index", model_cache_dir=model_cache)


def sibling(assistant: Assistant, **settings: object) -> Assistant:
    """A warmed-up assistant with other settings (a corpus, an index folder, a language
    model …) that shares the session's loaded model."""
    bot = Assistant(assistant.settings.model_copy(update=settings))
    bot.embedder = assistant.embedder
    bot.warm_up()
    return bot


def serve_env(seed_settings: Settings, data: Path, **extra: str) -> dict[str, str]:
    """The environment for `assistant serve` in a subprocess over the seed corpus and the
    index the `assistant` fixture built, with its writable files in `data`."""
    env = dict(os.environ)
    env.update(
        ASSISTANT_CORPUS_DIR=str(seed_settings.corpus_dir),
        ASSISTANT_INDEX_DIR=str(seed_settings.index_dir),
        ASSISTANT_MODEL_CACHE_DIR=str(seed_settings.model_cache_dir),
        ASSISTANT_FEEDBACK_DB=str(data / "feedback.sqlite"),
        **extra,
    )
    return env


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(
    url: str,
    process: subprocess.Popen,  # type: ignore[type-arg]
    timeout: float = 180,
    stderr: Callable[[], str] | None = None,
) -> None:
    """Wait until a served subprocess answers /healthz with 200; fail if it exits first,
    with the end of its stderr (read from the pipe, or from `stderr` where a reader has it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            if stderr is not None:
                text = stderr()
            else:
                text = process.stderr.read().decode() if process.stderr else ""
            raise AssertionError(f"the server exited: {text[-2000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("not healthy in time")


def stop(process: subprocess.Popen) -> None:  # type: ignore[type-arg]
    """SIGTERM a served subprocess and wait for it (killed if it takes over 30 s)."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def serve(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """Run `app` with a real uvicorn server on a free loopback port; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            access_log=False,
            proxy_headers=False,  # as `assistant serve` runs it
            http=GuardedHttpTools,
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        assert thread.is_alive(), "server thread died"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
