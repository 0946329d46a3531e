"""The tuning-set benchmark's counts and comparison (pure functions, no model)."""

from pathlib import Path

import pytest

from assistant.evaluation import EvalItem, EvalResult
from assistant.types import Answer, Citation
from benchmarks.tuning import changes, counts, outcome, question_sets, table

GOLD = "formaliserades år 2010"


def _result(kind: str, answer: str, *, cited: str = "", yes_no: str | None = None) -> EvalResult:
    gold = GOLD if kind == "answerable" else None
    item = EvalItem("q1", "Är det så?", kind, gold=gold, yes_no=yes_no, lang="en")
    citations = [Citation(1, "d", "t", None, None, cited, 1.0)] if cited else []
    answered = bool(citations)
    return EvalResult(item, Answer(answer, answered, citations), 0.0)


def test_an_outcome_counts_the_gold_passage_the_verdict_and_the_language() -> None:
    row = outcome(_result("answerable", "Nej. Samverkan …", cited=f"… {GOLD} …", yes_no="ja"), "s")
    assert row["hit3"] and row["answered"] and row["verdict"] == "nej" and row["lang"] == "en"
    assert row["false_no"] and not row["false_yes"]
    refused = outcome(_result("unanswerable", "Det framgår inte av källorna."), "s")
    assert not refused["answered"] and refused["verdict"] is None


def _row(id_: str, kind: str, **values: object) -> dict:
    row = {"set": "eval/a.jsonl", "id": id_, "kind": kind, "lang": "sv", "yes_no": None}
    row |= {"hit3": False, "answered": False, "verdict": None, "false_yes": False}
    row |= {"false_no": False, "question": id_, "answer": ""}
    return row | values


def test_counts_pool_what_the_readme_tables_give() -> None:
    rows = [
        _row("a", "answerable", hit3=True, answered=True, yes_no="ja", verdict="ja"),
        _row("b", "answerable", answered=True, yes_no="nej", verdict="ja", false_yes=True),
        _row("c", "unanswerable"),
        _row("d", "unanswerable", answered=True, verdict="nej", false_no=True, lang="en"),
        _row("e", "smalltalk"),
    ]
    assert counts(rows) == {
        "gold passages": 1,
        "answerable": 2,
        "refused": 1,
        "unanswerable": 2,
        'right "Ja"/"Nej"': 1,
        "yes/no": 2,
        'false "Ja"': 1,
        'wrong "Nej"': 1,
    }
    assert counts(rows, "en")["unanswerable"] == 1 and counts(rows, "en")["refused"] == 0
    assert "| now | 1 | 1 | 1 | 1 | 1 |" in table({"now": rows})


def test_changes_mark_each_answer_that_differs_better_worse_or_the_same() -> None:
    before = [
        _row("a", "answerable", answer="Det framgår inte."),
        _row("b", "unanswerable", answer="Det framgår inte."),
        _row("c", "answerable", answer="x", hit3=True, answered=True),
        _row("d", "answerable", answer="same"),
    ]
    after = [
        _row("a", "answerable", answer="Ja. …", hit3=True, answered=True),
        _row("b", "unanswerable", answer="Ett grannfaktum.", answered=True),
        _row("c", "answerable", answer="y", hit3=True, answered=True),
        _row("d", "answerable", answer="same"),
    ]
    marks = [line.split()[0] for line in changes(before, after) if not line.startswith(" ")]
    assert marks == ["better", "worse", "same"]


def test_question_sets_are_the_tuning_sets_never_the_sealed(tmp_path: Path) -> None:
    (tmp_path / "eval" / "sealed").mkdir(parents=True)
    (tmp_path / "eval" / "dev.jsonl").write_text("")
    (tmp_path / "eval" / "sealed" / "holdout9.jsonl").write_text("")
    corpus = tmp_path / "tests" / "second_corpus"
    (corpus / "sealed").mkdir(parents=True)
    (corpus / "holdout.jsonl").write_text("")
    (corpus / "sealed" / "holdout2.jsonl").write_text("")
    (tmp_path / "tests" / "third_corpus").mkdir()  # no set yet: skipped
    found = [(s.name, i.name, [f.name for f in fs]) for s, i, fs in question_sets(tmp_path)]
    assert found == [
        ("corpus", "index", ["dev.jsonl"]),
        ("docs", "index-second-corpus", ["holdout.jsonl"]),
    ]


def test_a_saved_run_is_read_back_beside_the_new_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import benchmarks.tuning as tuning

    earlier = [_row("a", "answerable", answer="Det framgår inte.")]
    monkeypatch.setattr(tuning, "run", lambda: earlier)
    saved = tmp_path / "before.jsonl"
    assert tuning.main(["--save", str(saved)]) == 0
    now = [_row("a", "answerable", answer="Ja. …", hit3=True, answered=True)]
    monkeypatch.setattr(tuning, "run", lambda: now)
    capsys.readouterr()
    assert tuning.main(["--against", str(saved), "--changes"]) == 0
    out = capsys.readouterr().out
    assert "better eval/a.jsonl a" in out
    assert "| before.jsonl | 0 | 0 | 0 | 0 | 0 |" in out and "| now | 1 | 0 | 0 | 0 | 0 |" in out
