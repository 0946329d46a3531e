"""Fit the evidence scorer (`assistant.scoring.Scorer`) on tuning question sets.

`assistant fit eval/dev.jsonl …` reads each question the way the assistant does, collects
the feature vectors of its admissible candidate sentences, labels a sentence 1 when it holds
the question's gold passage (every sentence of an unanswerable question is 0), and fits a
conditional logit (which sentence) and a logistic regression (whether to answer), both with
an L2 penalty. The answer threshold is the one that best balances
answering answerable questions against refusing unanswerable ones;
the search floor keeps the gold passage of nearly every answerable question. With
`--ablation` it also reports, by cross-validation over questions, what each signal adds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from assistant.answer import admissible, verdict_of
from assistant.chunking import table_cells
from assistant.errors import AssistantError
from assistant.evaluation import EvalItem
from assistant.pipeline import ANSWER_CHUNKS, retrieve
from assistant.scoring import FEATURES, Model, Scorer, candidate_features

#: L2 penalty on the standardised coefficients; a few hundred questions fit 16 weights.
L2 = 1.0
#: Share of answerable tuning questions whose gold passage the search floor must keep.
SEARCH_RECALL = 0.98
#: Folds of the cross-validation over questions in the ablation.
FOLDS = 5
#: Share of the unanswerable yes/no tuning questions that the quote floor refuses by itself:
#: the refusal rate the project aims at.
QUOTE_REFUSALS = 0.90


@dataclass
class QuestionRows:
    """One tuning question's admissible candidates as the scorer sees them."""

    item: EvalItem
    features: np.ndarray  # [n_candidates, len(FEATURES)]
    labels: np.ndarray  # [n_candidates], 1 where the sentence holds the gold passage
    answerable: bool
    gold_chunk: np.ndarray | None  # all candidates of the gold's passage, ungated
    # For a yes/no question: the verdict each candidate would give as the evidence.
    verdicts: tuple[str | None, ...] = ()


def collect(bot, items: Sequence[EvalItem]) -> list[QuestionRows]:  # type: ignore[no-untyped-def]
    """The rows of every question that reaches the scorer (not small talk, not empty)."""
    retriever, view = bot._serving()
    rows = []
    for item in items:
        if item.kind == "smalltalk":
            continue
        rq = bot.read(item.question, item.history)
        if not rq.asked or rq.kind == "smalltalk":
            continue
        answerable = item.gold is not None and item.kind in ("answerable", "injection")
        hits = retrieve(retriever, rq, bot.settings.top_k)
        candidates = bot.candidates(rq, hits[:ANSWER_CHUNKS], retriever, view)
        usable = [c for c in candidates if admissible(c, rq)]
        labels = np.array(
            [answerable and holds(c.full_text, item.gold) for c in usable], dtype=np.float64
        )
        gold_chunk = None
        if answerable:
            for hit in hits:
                if item.gold in hit.chunk.text:
                    gold_chunk = candidate_features(rq, bot.candidates(rq, [hit], retriever, view))
                    break
        verdicts = tuple(verdict_of(rq, c) for c in usable) if rq.kind == "yesno" else ()
        rows.append(
            QuestionRows(
                item, candidate_features(rq, usable), labels, answerable, gold_chunk, verdicts
            )
        )
    return rows


def holds(sentence: str, gold: str | None) -> bool:
    """Whether a candidate sentence holds a gold passage; a gold copied across the cells of a
    table row ("10,1–20 km | 75 kr") is held by the row read as a sentence."""
    if not gold:
        return False
    if "|" in gold:
        return all(cell in sentence for cell in table_cells(gold) if cell)
    return gold in sentence


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = L2) -> tuple[np.ndarray, float]:
    """Coefficients and intercept of an L2-penalised logistic regression (Newton's method)
    on standardised features x [n, d] and labels y [n]."""
    n, d = x.shape
    design = np.hstack([x, np.ones((n, 1))])  # [n, d + 1]
    w = np.zeros(d + 1)
    penalty = np.full(d + 1, l2)
    penalty[-1] = 0.0  # the intercept is not penalised
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(design @ w)))
        gradient = design.T @ (p - y) + penalty * w
        hessian = (design * (p * (1 - p))[:, None]).T @ design + np.diag(penalty) + 1e-9
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w[:-1], float(w[-1])


def fit_softmax(groups: Sequence[tuple[np.ndarray, np.ndarray]], l2: float = L2) -> np.ndarray:
    """Coefficients of an L2-penalised conditional logit: per group (the candidates of one
    question, standardised features x [n, d] and labels y [n]), the softmax of x @ w should
    put its mass on the labelled rows. Fitted with L-BFGS."""
    try:
        from scipy.optimize import minimize
    except ImportError as exc:  # a serving install: fitting is a build step
        raise AssistantError("assistant fit needs SciPy: pip install '.[build]'") from exc

    d = groups[0][0].shape[1]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, gradient = 0.5 * l2 * w @ w, l2 * w
        for x, y in groups:
            z = x @ w
            e = np.exp(z - z.max())
            p = e / e.sum()
            gold = p[y].sum()
            total -= np.log(gold + 1e-12)
            gradient = gradient + x.T @ p - x[y].T @ p[y] / (gold + 1e-12)
        return total, gradient

    return minimize(loss, np.zeros(d), jac=True, method="L-BFGS-B").x


def _rank_model(rows: Sequence[QuestionRows], features: Sequence[str]) -> Model:
    columns = [FEATURES.index(f) for f in features]
    x = np.vstack([r.features[:, columns] for r in rows])
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    groups = [((r.features[:, columns] - mean) / scale, r.labels.astype(bool)) for r in rows]
    return Model(tuple(features), mean, scale, fit_softmax(groups), 0.0, "softmax")


def _model(x: np.ndarray, y: np.ndarray, features: Sequence[str]) -> Model:
    columns = [FEATURES.index(f) for f in features]
    x = x[:, columns]
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    coef, intercept = fit_logistic((x - mean) / scale, y)
    return Model(tuple(features), mean, scale, coef, intercept)


def fit(rows: Sequence[QuestionRows], features: Sequence[str] = FEATURES) -> Scorer:
    """A scorer over `features` fitted on the rows; threshold and search floor from them.

    The rank model learns from the questions whose candidates hold the gold; the answer
    model from each question's top-ranked sentence: 1 for an answerable question, 0 for an
    unanswerable one. (An answer model on corpus-size-independent signals only separated the
    second corpus's questions better by AUC, 0.826 against 0.777, but at its fitted threshold
    it answered and refused worse on both corpora, so every signal is used.)
    """
    rank = _rank_model([r for r in rows if r.labels.any()], features)
    scorer = _with_answer(rows, Scorer(rank, rank, 0.5, 0.0, 0.0), features)
    scorer = replace(scorer, threshold=best_threshold(rows, scorer))
    return replace(scorer, yes_floor=yes_floor(rows, scorer), quote_floor=quote_floor(rows, scorer))


def fit_answer(
    rows: Sequence[QuestionRows], current: Scorer, features: Sequence[str] = FEATURES
) -> Scorer:
    """`current` with its answer model refitted on the rows, from the sentence its rank model
    puts first for each question, and the search and quote floors that go with it; its rank
    model, second-sentence margin and yes floor are kept. The threshold is the lowest that
    refuses as many of the rows' unanswerable questions as `current` does, so it refuses no
    fewer of them. The answer model learns whether a question is answerable at all,
    which many corpora teach better than a few: fitted on every corpus but the one it
    answers, it separates that corpus's questions better than one fitted on three (README,
    "Evaluation")."""
    if all(r.answerable for r in rows) or not any(r.answerable for r in rows):
        raise AssistantError("the answer model needs answerable and unanswerable questions")
    refused = rates(decisions(rows, current), current.threshold)["refused"]
    scorer = _with_answer(rows, current, features)
    pairs = decisions(rows, scorer)
    probs = sorted({p for p, _ in pairs})
    floor = next((p for p in probs if rates(pairs, p)["refused"] >= refused), None)
    if floor is None:  # only a threshold above every probability refuses as many
        raise AssistantError("no threshold of the refitted model refuses as many questions")
    below = max((p for p in probs if p < floor), default=0.0)
    scorer = replace(scorer, threshold=(below + floor) / 2)
    return replace(scorer, quote_floor=quote_floor(rows, scorer))


def _with_answer(rows: Sequence[QuestionRows], scorer: Scorer, features: Sequence[str]) -> Scorer:
    """The scorer with an answer model fitted on the top-ranked sentence of each question (1
    for an answerable question, 0 for an unanswerable one) and its search floor; the threshold
    is the caller's to set."""
    tops, labels = [], []
    for r in rows:
        if not len(r.labels):
            continue
        top = int(np.argmax(scorer.rank(r.features)))
        tops.append(r.features[top])
        labels.append(float(r.answerable))
    answer = _model(np.vstack(tops), np.array(labels), features)
    scorer = replace(scorer, answer=answer)
    return replace(scorer, search_floor=search_floor(rows, scorer))


def decisions(rows: Sequence[QuestionRows], scorer: Scorer) -> list[tuple[float, bool]]:
    """Per question: (answer probability of the top-ranked sentence, answerable)."""
    out = []
    for r in rows:
        if not len(r.labels):
            out.append((0.0, r.answerable))
            continue
        top = int(np.argmax(scorer.probabilities(r.features)))
        out.append((float(scorer.confidence(r.features[top : top + 1])[0]), r.answerable))
    return out


def accuracy(rows: Sequence[QuestionRows], scorer: Scorer, threshold: float) -> dict[str, float]:
    """Answered rate on answerable questions and refusal rate on the others."""
    return rates(decisions(rows, scorer), threshold)


def rates(pairs: Sequence[tuple[float, bool]], threshold: float) -> dict[str, float]:
    """`accuracy` from the decisions already made: (answer probability, answerable) pairs."""
    answered, refused, n_ans, n_un = 0, 0, 0, 0
    for p, answerable in pairs:
        if answerable:
            n_ans += 1
            answered += p >= threshold
        else:
            n_un += 1
            refused += p < threshold
    answer_rate = answered / n_ans if n_ans else float("nan")
    refusal = refused / n_un if n_un else float("nan")
    return {"answered": answer_rate, "refused": refusal, "balanced": (answer_rate + refusal) / 2}


def best_threshold(rows: Sequence[QuestionRows], scorer: Scorer) -> float:
    """The threshold with the best balance of answers and refusals (the lowest of
    equally good ones, halfway to the next probability below it)."""
    pairs = decisions(rows, scorer)
    probs = sorted({p for p, _ in pairs} | {0.0})
    best, best_score = 0.5, -1.0
    for low, high in zip(probs, probs[1:], strict=False):
        threshold = (low + high) / 2
        score = rates(pairs, threshold)["balanced"]
        if score > best_score:
            best, best_score = threshold, score
    return best


def yes_evidence(rows: Sequence[QuestionRows], scorer: Scorer) -> list[tuple[float, bool]]:
    """Per yes/no question that the scorer answers with a "Ja": (rank probability of the
    evidence, whether the "Ja" is right). A "Ja" to an unanswerable question is as wrong as
    one to a question whose answer is "Nej"; where the tuning set does not say whether the
    answer is yes or no, the "Ja" is right when its evidence holds the gold passage."""
    out = []
    for r in rows:
        if not r.verdicts:
            continue
        probs = scorer.probabilities(r.features)
        top = int(np.argmax(probs))
        answered = scorer.confidence(r.features[top : top + 1])[0] >= scorer.threshold
        if not answered or r.verdicts[top] != "yes":
            continue
        if r.answerable and r.item.yes_no in ("ja", "nej"):
            out.append((float(probs[top]), r.item.yes_no == "ja"))
        else:
            out.append((float(probs[top]), r.answerable and bool(r.labels[top])))
    return out


def yes_floor(rows: Sequence[QuestionRows], scorer: Scorer) -> float:
    """The least rank probability of the evidence for a "Ja" that keeps most right ones
    beyond wrong ones (a wrong "Ja" confirms a false fact, so it weighs as much as a right
    one); the lowest of equally good floors, halfway to the next probability below it."""
    pairs = yes_evidence(rows, scorer)
    probs = sorted({p for p, _ in pairs} | {0.0})
    best, best_score = 0.0, sum(1 if right else -1 for _, right in pairs)
    for low, high in zip(probs, probs[1:], strict=False):
        floor = (low + high) / 2
        score = sum(1 if right else -1 for p, right in pairs if p >= floor)
        if score > best_score:
            best, best_score = floor, score
    return best


def quote_floor(rows: Sequence[QuestionRows], scorer: Scorer) -> float:
    """The least answer probability at which evidence for a yes/no question that decides
    neither way, or would say "Ja", is quoted without either word though the ranker is less
    sure of it than a "Ja" needs (`Scorer.quote_floor`): the one under which
    `QUOTE_REFUSALS` of the rows' unanswerable yes/no questions fall, judged by the sentence
    ranked first (so the answer model refuses those nearly as the project aims to by itself);
    1.0, never, when the rows hold no such question."""
    sure = []
    for r in rows:
        if r.answerable or not r.verdicts:
            continue
        top = int(np.argmax(scorer.probabilities(r.features)))
        sure.append(float(scorer.confidence(r.features[top : top + 1])[0]))
    return float(np.quantile(sure, QUOTE_REFUSALS)) if sure else 1.0


def search_floor(rows: Sequence[QuestionRows], scorer: Scorer) -> float:
    """The floor under which at most 1 - SEARCH_RECALL of gold passages fall."""
    best = [
        float(scorer.confidence(r.gold_chunk).max())
        for r in rows
        if r.gold_chunk is not None and len(r.gold_chunk)
    ]
    return float(np.quantile(best, 1 - SEARCH_RECALL)) if best else 0.0


def cross_validate(
    rows: Sequence[QuestionRows], features: Sequence[str], folds: int = FOLDS
) -> dict[str, float]:
    """Decision accuracy of scorers fitted on the other folds (questions in a fixed order)."""
    totals = {"answered": 0.0, "refused": 0.0}
    counts = {"answered": 0, "refused": 0}
    for k in range(folds):
        train = [r for i, r in enumerate(rows) if i % folds != k]
        test = [r for i, r in enumerate(rows) if i % folds == k]
        scorer = fit(train, features)
        result = accuracy(test, scorer, scorer.threshold)
        n_ans = sum(r.answerable for r in test)
        totals["answered"] += result["answered"] * n_ans
        totals["refused"] += result["refused"] * (len(test) - n_ans)
        counts["answered"] += n_ans
        counts["refused"] += len(test) - n_ans
    out = {k: totals[k] / counts[k] for k in totals}
    out["balanced"] = (out["answered"] + out["refused"]) / 2
    return out


def ablation(rows: Sequence[QuestionRows]) -> list[tuple[str, dict[str, float]]]:
    """Cross-validated accuracy with every signal, without each one, and cosine alone."""
    table = [("all signals", cross_validate(rows, FEATURES))]
    for name in FEATURES:
        table.append((f"without {name}", cross_validate(rows, [f for f in FEATURES if f != name])))
    table.append(("cosine alone", cross_validate(rows, ["dense"])))
    return table


def format_ablation(table: list[tuple[str, dict[str, float]]]) -> str:
    base = table[0][1]["balanced"]
    lines = [f"{'scorer':<26} {'answer':>6} {'refused':>8} {'balanced':>9} {'change':>7}"]
    for name, m in table:
        lines.append(
            f"{name:<26} {m['answered']:>6.3f} {m['refused']:>8.3f} "
            f"{m['balanced']:>9.3f} {m['balanced'] - base:>+7.3f}"
        )
    return "\n".join(lines)
