"""Answer quality over every tuning set of every corpus, pooled and question by question.

    python -m benchmarks.tuning [--save RUN.jsonl] [--against EARLIER.jsonl] [--changes]

Asks every question of `eval/*.jsonl` (the seed page) and of each `tests/<corpus>/*.jsonl`
(its `docs/`, indexed in `index-<corpus>` as `make eval` does) in-process, and prints what the
README's tables give: gold passages among the first three citations, unanswerable questions
refused, right "Ja"/"Nej", false "Ja", wrong "Nej", and hit@3 and refusal by language (a
question without `lang` counts as Swedish). Sealed sets are never read. `--save` keeps each
question's outcome; `--against` puts a saved run (of another commit, say) beside this one, and
`--changes` lists every question whose answer differs, marked better, worse or the same.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from assistant.config import Settings
from assistant.evaluation import (
    EvalResult,
    false_no,
    false_yes,
    gold_cited,
    load_eval,
    verdict_word,
)
from assistant.pipeline import Assistant

ROOT = Path(__file__).resolve().parents[1]
COLUMNS = ("gold passages", "refused", 'right "Ja"/"Nej"', 'false "Ja"', 'wrong "Nej"')


def question_sets(root: Path = ROOT) -> Iterator[tuple[Path, Path, list[Path]]]:
    """(sources, index, tuning sets) per corpus, the seed page first; no sealed set."""
    yield root / "corpus", root / "index", sorted((root / "eval").glob("*.jsonl"))
    for folder in sorted((root / "tests").glob("*_corpus")):
        files = sorted(folder.glob("*.jsonl"))
        if files:
            yield folder / "docs", root / ("index-" + folder.name.replace("_", "-")), files


def outcome(result: EvalResult, set_name: str) -> dict:
    """What counts of one answer, as `assistant eval` counts it."""
    item, answer = result.item, result.answer
    return {
        "set": set_name,
        "id": item.id,
        "kind": item.kind,
        "lang": item.lang or "sv",
        "yes_no": item.yes_no,
        "hit3": bool(item.gold) and gold_cited(result, 3),
        "answered": answer.answered,
        "verdict": verdict_word(result),
        "false_yes": false_yes(result),
        "false_no": false_no(result),
        "question": item.question,
        "answer": answer.answer,
    }


def counts(rows: Iterable[dict], lang: str | None = None) -> dict[str, int]:
    """The pooled counts, with the number of questions each is out of."""
    rows = [r for r in rows if lang is None or r["lang"] == lang]
    answerable = [r for r in rows if r["kind"] == "answerable"]
    unanswerable = [r for r in rows if r["kind"] == "unanswerable"]
    yes_no = [r for r in answerable if r["yes_no"]]
    return {
        "gold passages": sum(r["hit3"] for r in answerable),
        "answerable": len(answerable),
        "refused": sum(not r["answered"] for r in unanswerable),
        "unanswerable": len(unanswerable),
        'right "Ja"/"Nej"': sum(r["verdict"] == r["yes_no"] for r in yes_no),
        "yes/no": len(yes_no),
        'false "Ja"': sum(r["false_yes"] for r in rows),
        'wrong "Nej"': sum(r["false_no"] for r in rows),
    }


def _good(row: dict) -> tuple[bool, bool]:
    if row["kind"] == "answerable":
        return row["hit3"], row["verdict"] == row["yes_no"] if row["yes_no"] else True
    if row["kind"] == "unanswerable":
        return not row["answered"], not row["false_yes"] and not row["false_no"]
    return row["answered"], True


def changes(before: list[dict], after: list[dict]) -> list[str]:
    """One line per question answered differently: better, worse or the same by the counts."""
    earlier = {(r["set"], r["id"]): r for r in before}
    lines = []
    for row in after:
        old = earlier.get((row["set"], row["id"]))
        if old is None or old["answer"] == row["answer"]:
            continue
        was, now = _good(old), _good(row)
        mark = "same" if was == now else ("better" if sum(now) > sum(was) else "worse")
        lines.append(f"{mark:6} {row['set']} {row['id']} {row['question']!r}")
        lines.append(f"         before: {old['answer'][:160]!r}")
        lines.append(f"         now:    {row['answer'][:160]!r}")
    return lines


def table(runs: dict[str, list[dict]]) -> str:
    """The pooled counts of each run, a row each, then hit@3 and refusal by language."""
    first = next(iter(runs.values()))
    total = counts(first)
    head = (
        f"all {len({r['set'] for r in first})} sets ({total['answerable']} / "
        f"{total['unanswerable']} / {total['yes/no']})"
    )
    lines = [f"| {head} | " + " | ".join(COLUMNS) + " |", "|---" * (len(COLUMNS) + 1) + "|"]
    for name, rows in runs.items():
        c = counts(rows)
        lines.append(f"| {name} | " + " | ".join(str(c[k]) for k in COLUMNS) + " |")
    lines.append("")
    for name, rows in runs.items():
        shares = []
        for lang in ("en", "sv"):
            c = counts(rows, lang)
            hit = c["gold passages"] / c["answerable"] if c["answerable"] else float("nan")
            refusal = c["refused"] / c["unanswerable"] if c["unanswerable"] else float("nan")
            shares.append(f"{lang} hit@3 {hit:.3f} refusal {refusal:.3f}")
        lines.append(f"{name}: " + ", ".join(shares))
    return "\n".join(lines)


def run(root: Path = ROOT) -> list[dict]:
    rows = []
    for sources, index, files in question_sets(root):
        bot = Assistant(Settings(corpus_dir=sources, index_dir=index))
        bot.warm_up()
        for path in files:
            for item in load_eval(path):
                result = EvalResult(item, bot.ask(item.question, item.history), 0.0)
                rows.append(outcome(result, str(path.relative_to(root))))
        print(f"· {sources.relative_to(root)}: {len(files)} set(s)", file=sys.stderr)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--save", type=Path, help="write each question's outcome (JSON lines)")
    parser.add_argument("--against", type=Path, help="a saved run to show beside this one")
    parser.add_argument("--changes", action="store_true", help="list the questions that changed")
    args = parser.parse_args(argv)
    rows = run()
    if args.save:
        args.save.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    runs = {"now": rows}
    if args.against:
        before = [json.loads(line) for line in args.against.read_text().splitlines() if line]
        runs = {args.against.name: before, "now": rows}
        if args.changes:
            print("\n".join(changes(before, rows)))
    print(table(runs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
