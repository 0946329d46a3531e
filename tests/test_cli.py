import json
import subprocess
import sys

import pytest

from assistant.cli import main
from assistant.config import Settings


def _python(code: str) -> subprocess.CompletedProcess[str]:
    """Run `code` in a new Python process; its exit code, stdout and stderr."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)


def _args(settings: Settings) -> list[str]:
    return ["--corpus-dir", str(settings.corpus_dir), "--index-dir", str(settings.index_dir)]


def _partial_fit(settings: Settings, tmp_path, lines: str, flag: str, capsys):  # type: ignore[no-untyped-def]
    """Run `assistant fit <flag>` on the given tuning questions: (its output, the packaged
    scorer, the refitted one)."""
    from assistant.scoring import Scorer

    questions = tmp_path / "q.jsonl"
    questions.write_text(lines, encoding="utf-8")
    out = tmp_path / "scorer.json"
    assert main([*_args(settings), "fit", str(questions), "-o", str(out), flag]) == 0
    return capsys.readouterr().out, Scorer.load(), Scorer.load(out)


def test_ask_prints_answer_and_sources(assistant, seed_settings: Settings, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main([*_args(seed_settings), "ask", "När formaliserades samverkan?"]) == 0
    out = capsys.readouterr().out
    assert "2010" in out and "Källor:" in out and "[1] Södertörnssamarbetet" in out


def test_ask_json_has_the_api_shape(assistant, seed_settings: Settings, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main([*_args(seed_settings), "ask", "--json", "Vilka kommuner ingår?"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["answered"] is True and body["citations"][0]["n"] == 1


def test_search_and_eval(assistant, seed_settings: Settings, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert main([*_args(seed_settings), "search", "stadskärnor", "-k", "2"]) == 0
    assert "1. Södertörnssamarbetet" in capsys.readouterr().out
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        '{"question": "När formaliserades samverkan?", "kind": "answerable", '
        '"gold": "formaliserades år 2010", "must": ["2010"], "forbid": []}\n',
        encoding="utf-8",
    )
    assert main([*_args(seed_settings), "eval", str(questions)]) == 0
    out = capsys.readouterr().out
    assert "hit@1" in out and "1.000" in out


def test_fit_can_refit_the_yes_floor_alone(
    assistant, seed_settings: Settings, capsys, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """`assistant fit --yes-floor-only` keeps the models and fits the floor from the tuning
    questions: where every "Ja" is right, there is nothing to refuse."""
    lines = (
        '{"question": "Ingår Botkyrka i samarbetet?", "kind": "answerable", "yes_no": "ja", '
        '"gold": "Botkyrka, Haninge, Huddinge", "must": ["botkyrka"], "forbid": []}\n'
    )
    out, packaged, refitted = _partial_fit(
        seed_settings, tmp_path, lines, "--yes-floor-only", capsys
    )
    assert "yes floor 0.000" in out
    assert packaged.yes_floor > 0.0 and refitted.yes_floor == 0.0
    assert refitted.rank.coef.tolist() == packaged.rank.coef.tolist()
    assert refitted.threshold == packaged.threshold


def test_fit_can_refit_the_answer_model_alone(
    assistant, seed_settings: Settings, capsys, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """`assistant fit --answer-only` keeps the rank model and the yes floor, refits the answer
    model from the tuning questions, and sets the threshold between what they tell apart."""
    import numpy as np

    lines = (
        '{"question": "När formaliserades samverkan?", "kind": "answerable", '
        '"gold": "formaliserades år 2010", "must": ["2010"], "forbid": []}\n'
        '{"question": "Vilka kommuner ingår i samarbetet?", "kind": "answerable", '
        '"gold": "Botkyrka, Haninge, Huddinge", "must": ["botkyrka"], "forbid": []}\n'
        '{"question": "Vem är ordförande i samarbetet?", "kind": "unanswerable", '
        '"gold": null, "must": [], "forbid": []}\n'
        '{"question": "Hur stor är budgeten för samarbetet?", "kind": "unanswerable", '
        '"gold": null, "must": [], "forbid": []}\n'
    )
    out, packaged, refitted = _partial_fit(seed_settings, tmp_path, lines, "--answer-only", capsys)
    assert "answer model refitted" in out
    assert refitted.rank.coef.tolist() == packaged.rank.coef.tolist()
    assert (refitted.yes_floor, refitted.second) == (packaged.yes_floor, packaged.second)
    assert not np.allclose(refitted.answer.coef, packaged.answer.coef)
    assert refitted.threshold != packaged.threshold


def test_fit_can_refit_the_quote_floor_alone(
    assistant, seed_settings: Settings, capsys, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """`assistant fit --quote-floor-only` keeps the models and the other floors and sets the
    quote floor from the unanswerable yes/no questions, judged by the packaged scorer: with
    one, the answer probability of its sentence ranked first."""
    from assistant.evaluation import load_eval
    from assistant.fitting import collect, quote_floor

    lines = (
        '{"question": "Har samarbetet en egen simhall?", "kind": "unanswerable", '
        '"gold": null, "must": [], "forbid": []}\n'
    )
    out, packaged, refitted = _partial_fit(
        seed_settings, tmp_path, lines, "--quote-floor-only", capsys
    )
    rows = collect(assistant, load_eval(tmp_path / "q.jsonl"))
    assert len(rows) == 1 and rows[0].verdicts
    assert refitted.quote_floor == quote_floor(rows, packaged) != packaged.quote_floor
    assert f"quote floor {refitted.quote_floor:.3f}" in out
    assert refitted.rank.coef.tolist() == packaged.rank.coef.tolist()
    assert refitted.answer.coef.tolist() == packaged.answer.coef.tolist()
    kept = ("threshold", "second", "search_floor", "yes_floor")
    assert all(getattr(refitted, k) == getattr(packaged, k) for k in kept)


@pytest.mark.parametrize(
    "flags",
    [
        ("--answer-only", "--yes-floor-only"),
        ("--answer-only", "--quote-floor-only"),
        ("--yes-floor-only", "--quote-floor-only"),
    ],
)
def test_fit_takes_one_of_its_partial_refits_at_a_time(
    assistant, seed_settings: Settings, capsys, tmp_path, flags: tuple[str, str]
) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit):
        main([*_args(seed_settings), "fit", "q.jsonl", *flags])
    assert "not allowed with" in capsys.readouterr().err


@pytest.mark.parametrize("question", ["", "x" * 1001])
def test_bad_question_exits_with_a_message(
    assistant, seed_settings: Settings, capsys, question: str
) -> None:  # type: ignore[no-untyped-def]
    assert main([*_args(seed_settings), "ask", question]) == 2
    assert "Fel: Frågan är" in capsys.readouterr().err


def test_bad_eval_file_is_reported(assistant, seed_settings: Settings, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "x"}\n', encoding="utf-8")
    assert main([*_args(seed_settings), "eval", str(bad)]) == 1
    assert "bad.jsonl:1" in capsys.readouterr().err


def test_corrupt_index_stops_start_up_with_a_clear_message(assistant, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    import shutil

    corpus = tmp_path / "corpus"
    shutil.copytree(assistant.settings.corpus_dir, corpus)
    args = ["--corpus-dir", str(corpus), "--index-dir", str(tmp_path / "index")]
    assert main([*args, "build"]) == 0
    vectors = (tmp_path / "index" / "current").resolve() / "vectors.faiss"
    vectors.write_bytes(vectors.read_bytes()[:100])  # truncated
    capsys.readouterr()
    assert main([*args, "ask", "När formaliserades samverkan?"]) == 1
    err = capsys.readouterr().err
    assert "skadad" in err and "assistant build" in err


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ASSISTANT_TRUSTED_PROXIES", '["not-an-ip"]'),
        ("ASSISTANT_TRUSTED_PROXIES", "not json"),
        ("ASSISTANT_ALLOWED_ORIGINS", '["*"]'),
        ("ASSISTANT_ALLOWED_ORIGINS", '["https://kommun.se/sida"]'),
        ("ASSISTANT_PORT", "åttatusen"),
        ("ASSISTANT_FEEDBACK_DB", "tests"),  # a folder
        ("ASSISTANT_QUESTION_LOG", "tests"),
    ],
)
def test_a_bad_setting_stops_start_up_with_one_line(name: str, value: str) -> None:
    import os

    env = {**os.environ, name: value}
    done = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "serve", "--port", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and name in lines[0], lines
    assert "Traceback" not in done.stderr and "Serving" not in done.stdout + done.stderr


def test_a_fatal_signal_leaves_a_line_on_stderr() -> None:
    code = "import os, signal; from assistant.cli import log_fatal_signals; "
    code += "log_fatal_signals(); os.kill(os.getpid(), signal.SIGBUS)"
    done = _python(code)
    assert done.returncode != 0 and "Bus error" in done.stderr


def test_sigusr1_writes_each_threads_stack_and_the_process_goes_on() -> None:
    code = """
import os, signal, threading
from assistant.cli import log_fatal_signals
log_fatal_signals()
ready = threading.Event()
def park():
    ready.set()
    signal.pause()
threading.Thread(target=park, daemon=True).start()
ready.wait()
os.kill(os.getpid(), signal.SIGUSR1)
print("still here")
"""
    done = _python(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "still here\n"
    # The main thread and the one parked in signal.pause.
    assert "Current thread 0x" in done.stderr and "in park" in done.stderr


def test_a_sigusr1_handler_the_process_has_is_kept() -> None:
    code = """
import os, signal
signal.signal(signal.SIGUSR1, lambda *_: print("own handler"))
from assistant.cli import log_fatal_signals
log_fatal_signals()
os.kill(os.getpid(), signal.SIGUSR1)
"""
    done = _python(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "own handler\n" and "Current thread" not in done.stderr
