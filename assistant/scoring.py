"""How strongly a sentence answers a question: a logistic regression over a few signals.

Each candidate sentence gets a feature vector (`candidate_features`) and the fitted model
turns it into a probability that the sentence answers the question. The assistant quotes
the most probable sentence when that probability reaches the fitted threshold and refuses
otherwise; the search page drops passages below a lower, fitted floor. The coefficients,
threshold and floor live in `scorer.json` beside this module and are refitted from the
tuning question sets by `assistant fit` (see `assistant.fitting`), never set by hand.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.lang import DEFAULT
from assistant.question import ReadQuestion
from assistant.types import Hit

DEFAULT_SCORER = Path(__file__).with_name("scorer.json")

#: Every signal the scorer can use, in the order of a feature vector.
FEATURES = (
    "dense",  # cosine of question and sentence
    "dense_gap",  # that cosine minus the best among the candidates (0 for the best)
    "dense_rank",  # 1 / its rank by cosine among the candidates
    "dense_z",  # that cosine in standard deviations above the background sentences' cosines
    "chunk_z",  # the passage's cosine likewise
    "chunk",  # fused retrieval score of the sentence's passage (1.0: first in both rankings)
    "chunk_dense",  # cosine of question and passage
    "lexical",  # log(1 + BM25 score) of the passage
    # coverage, passage_coverage and where: for a question in another language, the share of
    # its words (`ReadQuestion.glossed`) held through a glossary counterpart
    "coverage",  # share of the question's topic terms the sentence holds
    "bigram",  # share of the question's adjacent topic-term pairs the sentence holds both of
    "passage_coverage",  # share of the question's topic terms in the sentence's whole passage
    "where",  # share of the question's topic terms in the passage's title and section
    "missing",  # topic terms in no form in the corpus (0 for questions in another language)
    "expects",  # the question asks for a type of fact (a year, an amount …) the sentence states
    "names",  # the question names corpus names, all in the sentence
    "list_match",  # a list question and a list or enumeration
    "list_shape",  # the sentence is a list or an enumeration
    "only_names",  # it shares nothing with the question but names and the kind of fact
    "foreign",  # the question is not in the sources' language
    "yesno",  # the question is a yes/no question
    "length",  # log of the sentence's length in characters
)


@dataclass(frozen=True)
class Candidate:
    """A segment of a retrieved chunk: what the answer step can quote.

    `dense` is the cosine between the question and this segment; `terms` the segment's
    own analysed terms (with those of the sentence it leans on).
    """

    hit: Hit
    text: str
    is_list: bool
    position: int  # index of the segment within its chunk
    dense: float
    terms: frozenset[str] = frozenset()
    context: str = ""  # the sentence an anaphoric segment depends on, else ""
    where: frozenset[str] = frozenset()  # terms of the passage's title and section
    passage: frozenset[str] = frozenset()  # terms of the whole passage
    background: tuple[float, float] = (0.0, 1.0)  # mean and spread of the question's cosines
    # to everyday sentences that do not answer it (`Language.background`)
    is_row: bool = False  # one row of a table, read with its header ("Dag: Fredag, …")
    # the corpus names of the segment before, which this one refers back to with a definite
    # noun ("Orrliden ligger i … Området har inte …")
    before: frozenset[str] = frozenset()
    # the corpus names the segment holds (with the sentence it leans on) and its heading holds
    names: frozenset[str] = frozenset()

    @property
    def full_text(self) -> str:
        return f"{self.context} {self.text}" if self.context else self.text


#: Three or more capitalised names in a row, separated by commas, dashes or "och"/"and".
_NAMES_ENUMERATION = re.compile(
    r"(?:[A-ZÅÄÖ][\wåäö-]+(?: [a-zåäö]+)?(?:, | – | och | and )){2,}[A-ZÅÄÖ]"
)
#: Three or more items separated by commas and a final "och"/"samt"/"and"/"or".
_ENUMERATION = re.compile(r"(?:[\w -]{2,60}, ){2,}[\w -]{2,60} (?:och|samt|eller|and|or) \w")


def is_enumeration(text: str) -> bool:
    """Whether a sentence names several things: "Botkyrka, Haninge, Huddinge …"."""
    return bool(_NAMES_ENUMERATION.search(text) or _ENUMERATION.search(text))


def only_names_shared(candidate: Candidate, rq: ReadQuestion) -> bool:
    """Whether a sentence shares nothing with the question but names and the kind of fact
    asked for, while the question asks about more than those: a sentence that only mentions
    the place asked about is not evidence for what is asked about it ("blir det regn i
    Haninge?")."""
    weak = rq.names | (rq.terms - rq.topic)
    shared = rq.terms & candidate.terms
    return bool(shared) and shared <= weak and bool(rq.topic - rq.names)


def candidate_features(rq: ReadQuestion, candidates: Sequence[Candidate]) -> np.ndarray:
    """The feature vectors of the candidates: [n_candidates, len(FEATURES)]."""
    out = np.zeros((len(candidates), len(FEATURES)), dtype=np.float64)
    if not candidates:
        return out
    best_dense = max(c.dense for c in candidates)
    by_dense = sorted(range(len(candidates)), key=lambda i: -candidates[i].dense)
    dense_rank = {i: 1.0 / (r + 1) for r, i in enumerate(by_dense)}
    topic = rq.topic
    pairs = _pairs(rq)
    foreign = rq.language != DEFAULT
    missing = 0.0 if foreign else float(min(len(rq.missing), 3))
    # A question in another language meets the sources through its glossary: a word is held
    # where one of its counterparts is ("library" – "biblioteket").
    glossed = rq.glossed  # none for a question in the sources' language

    def share(terms: frozenset[str]) -> float:
        if glossed:
            return sum(bool(g & terms) for g in glossed) / len(glossed)
        return len(topic & terms) / len(topic) if topic else 0.0

    for i, c in enumerate(candidates):
        shape = c.is_list or is_enumeration(c.text)
        out[i] = (
            c.dense,
            c.dense - best_dense,
            dense_rank[i],
            (c.dense - c.background[0]) / c.background[1],
            (c.hit.dense - c.background[0]) / c.background[1],
            c.hit.score,
            c.hit.dense,
            math.log1p(max(c.hit.lexical, 0.0)),
            share(c.terms),
            sum(a in c.terms and b in c.terms for a, b in pairs) / len(pairs) if pairs else 0.0,
            share(c.passage | c.terms),
            share(c.where),
            missing,
            float(rq.expects is not None),
            float(bool(rq.names)),
            float(rq.kind == "list" and shape),
            float(shape),
            float(only_names_shared(c, rq)),
            float(foreign),
            float(rq.kind == "yesno"),
            math.log(max(len(c.text), 1)),
        )
    return out


def _pairs(rq: ReadQuestion) -> list[tuple[str, str]]:
    ordered = [t for t in rq.sequence if t in rq.topic]
    return list(zip(ordered, ordered[1:], strict=False))


@dataclass(frozen=True)
class Model:
    """A linear model over standardised features (a subset of `FEATURES`).

    `link` "logistic": each row's own probability; "softmax": a distribution over the rows
    given together (the candidates of one question), as a conditional logit is fitted.
    """

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    link: str = "logistic"

    def __call__(self, features: np.ndarray) -> np.ndarray:
        """Probabilities for the rows of a full feature matrix [n, len(FEATURES)] -> [n]."""
        if features.shape[0] == 0:
            return np.zeros(0)
        columns = [FEATURES.index(f) for f in self.features]
        z = (features[:, columns] - self.mean) / self.scale @ self.coef + self.intercept
        if self.link == "softmax":
            e = np.exp(z - z.max())
            return e / e.sum()
        return 1.0 / (1.0 + np.exp(-z))

    def to_json(self) -> dict:
        return {
            "link": self.link,
            "features": list(self.features),
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
            "coef": self.coef.tolist(),
            "intercept": self.intercept,
        }

    @classmethod
    def from_json(cls, data: dict) -> Model:
        features = tuple(data["features"])
        unknown = set(features) - set(FEATURES)
        if unknown:
            raise ValueError(f"unknown features {sorted(unknown)}")
        arrays = [np.asarray(data[k], dtype=np.float64) for k in ("mean", "scale", "coef")]
        if any(a.shape != (len(features),) for a in arrays):
            raise ValueError("mean, scale and coef must have one value per feature")
        link = data.get("link", "logistic")
        if link not in ("logistic", "softmax"):
            raise ValueError(f"unknown link {link!r}")
        return cls(features, *arrays, float(data["intercept"]), link)


@dataclass(frozen=True)
class Scorer:
    """Two fitted models: `rank` says which sentence answers best (a softmax over the
    candidates: the probability that each is the one that holds the answer), `answer` whether
    the best one is good enough to quote (P that the question is answerable, from that
    sentence's features).

    `threshold`: the least `answer` probability that is answered; `second`: a second sentence
    is quoted when its `rank` probability is within this of the best; `search_floor`:
    passages whose best sentence has a lower `answer` probability are not shown by search;
    `yes_floor`: the least `rank` probability of the evidence for a "Ja" (evidence that is
    not clearly the sentence that answers confirms nothing); `quote_floor`: the least `answer`
    probability at which evidence for a yes/no question whose `rank` probability is under the
    yes floor is quoted all the same, without "Ja" or "Nej", when it decides neither way or
    would say "Ja" (1.0: never; a floor under `threshold` is the threshold, which is checked
    first).
    """

    rank: Model
    answer: Model
    threshold: float
    second: float
    search_floor: float
    yes_floor: float = 0.0
    quote_floor: float = 1.0

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """Rank probability per candidate, over the candidates given: [n, len(FEATURES)] -> [n]."""
        return self.rank(features)

    def confidence(self, features: np.ndarray) -> np.ndarray:
        """Answer probability per candidate, each judged as the one to quote: [n]."""
        return self.answer(features)

    def quotes(self, rank: float, answer: float) -> bool:
        """Whether evidence for a yes/no question that gives no "Ja" may be quoted without a
        word, from the rank and answer probabilities of the sentence ranked first: the
        ranker is as sure of it as a "Ja" needs, or the answer model as the quote floor asks
        (never at a floor of 1.0, which a saturated probability would reach)."""
        return rank >= self.yes_floor or (self.quote_floor < 1.0 and answer >= self.quote_floor)

    def to_json(self) -> dict:
        return {
            "rank": self.rank.to_json(),
            "answer": self.answer.to_json(),
            "threshold": self.threshold,
            "second": self.second,
            "search_floor": self.search_floor,
            "yes_floor": self.yes_floor,
            "quote_floor": self.quote_floor,
        }

    @classmethod
    def from_json(cls, data: dict) -> Scorer:
        return cls(
            Model.from_json(data["rank"]),
            Model.from_json(data["answer"]),
            float(data["threshold"]),
            float(data["second"]),
            float(data["search_floor"]),
            float(data.get("yes_floor", 0.0)),
            float(data.get("quote_floor", 1.0)),
        )

    def save(self, path: Path) -> None:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.to_json(), indent=1) + "\n", encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path | None = None) -> Scorer:
        """Read a scorer written by `save` (the packaged one by default).

        Raises:
            OSError, ValueError, KeyError: The file is missing or malformed.
        """
        data = json.loads((path or DEFAULT_SCORER).read_text(encoding="utf-8"))
        return cls.from_json(data)
