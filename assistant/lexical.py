"""Swedish lexical search: BM25 (bm25s) over stemmed, diacritic-folded, decompounded terms.

Residents type "sodertorn" for "Södertörn", "södertörns kommunerna" for
"Södertörnskommunerna", and make typos. The analyser meets them half way:

* terms are Snowball-stemmed (PyStemmer, Swedish) and then folded (å→a, ä→a, ö→o),
  so a query without diacritics matches the text with them;
* a compound whose two halves are both corpus terms also yields the halves
  ("södertörnskommunerna" → "södertorn", "kommun"), on both the index and the query side;
* a query term the corpus does not know is mapped to the nearest corpus term within
  a small edit distance (rapidfuzz), so "kommunr" still finds "kommun".
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

_WORD = re.compile(r"\w+", re.UNICODE)
#: A capitalised word that does not start a sentence or a list item: a name ("Flemingsberg").
_NAME = re.compile(r"(?<=[\w,:;–)] )[A-ZÅÄÖÉ][\wåäöé-]+")
#: A word written in lower case: where a word is, it is not a name.
_LOWER = re.compile(r"\b[a-zåäöé][\wåäöé-]*")
#: A web or e-mail address (a word with "@", "/" or a dot inside).
_ADDRESS = re.compile(r"\S*(?:[@/]|\w\.\w)\S*")
#: The top-level domains a web or e-mail address on the sources' pages ends its host with.
TLDS = "se|nu|com|org|net|eu"


def names_of(texts: Sequence[str]) -> frozenset[str]:
    """The terms of the names in `texts`: words capitalised where no sentence starts, and
    never written in lower case ("Flemingsberg"; not "Slamtömning", the name of an e-service
    that is "slamtömning" everywhere else)."""
    capitalised = {term(m.group().lower()) for t in texts for m in _NAME.finditer(t)}
    # Addresses write names in lower case ("sjovik.se", "info@botkyrka.se"): not counted.
    lower = {term(m.group()) for t in texts for m in _LOWER.finditer(_ADDRESS.sub(" ", t))}
    return frozenset(capitalised - lower)


#: Shortest half of a compound worth splitting off; shorter stems ("att", "ny") are noise.
MIN_PART = 4


def half_of(part: str, whole: str, *, first: bool = False) -> bool:
    """Whether a term is a half of a compound term: its first or last `MIN_PART` letters or
    more, with as many left ("vass" of "vassklipp"; not "far" of "fardtjanst"); with `first`,
    only its first ("kommun" of "kommunstyrels")."""
    return (
        len(part) >= MIN_PART
        and len(whole) - len(part) >= MIN_PART
        and (whole.startswith(part) or (not first and whole.endswith(part)))
    )


def fold(term: str) -> str:
    """Strip diacritics: "Södertörn" → "Sodertorn"."""
    decomposed = unicodedata.normalize("NFKD", term)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    import Stemmer

    return Stemmer.Stemmer("swedish")


def spellings(texts: Iterable[str]) -> dict[str, str]:
    """For each word of the texts that holds diacritics, its folded form mapped to it
    ("tjanstemannaniva" -> "tjänstemannanivå"), when at least four in five of the words that
    fold to that form are written so and none is written without diacritics (then the folded
    form is a word too), and the folded form is no stop word nor shorter than four letters: a
    text that never says "man" may say "i mån av plats"."""
    written: Counter[str] = Counter()
    for text in texts:
        written.update(words(unicodedata.normalize("NFC", text)))
    forms: dict[str, Counter[str]] = {}
    for word, count in written.items():
        forms.setdefault(fold(word), Counter())[word] += count
    stop = stopwords()
    found = {}
    for plain, spelt in forms.items():
        if plain in spelt or plain in stop or len(plain) < 4:
            continue
        word, count = spelt.most_common(1)[0]
        if 5 * count >= 4 * sum(spelt.values()):
            found[plain] = word
    return found


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Swedish and English stop words, folded (English questions arrive too)."""
    from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_SWEDISH

    words = {fold(w) for w in (*STOPWORDS_SWEDISH, *STOPWORDS_EN)}
    # Question words carry no topic; left in, they match any text that happens to use them.
    # "e" is "är" as it is typed ("vad e det?").
    words |= {"vad", "vilka", "vilken", "vilket", "hur", "nar", "varfor", "finns", "ar", "ska", "e"}
    return frozenset(words)


@lru_cache(maxsize=1)
def stopwords_digest() -> str:
    """A short digest of the stop words: the BM25 index holds no stop word, so an index built
    with others is rebuilt (`Assistant.stale_reason`)."""
    joined = "\n".join(sorted(stopwords())).encode()
    return hashlib.blake2b(joined, digest_size=8).hexdigest()


@lru_cache(maxsize=200_000)
def term(word: str) -> str:
    """The canonical form of one lower-cased word: stemmed, then folded."""
    return fold(_stemmer().stemWord(word))


def words(text: str) -> list[str]:
    """Lower-cased word tokens of a text."""
    return _WORD.findall(text.lower())


class Analyzer:
    """Turns text into BM25 terms; knows the corpus vocabulary for compounds and typos."""

    def __init__(self, vocabulary: Iterable[str] = ()) -> None:
        self.vocabulary: frozenset[str] = frozenset(vocabulary)
        self._by_length: dict[int, list[str]] = {}
        # Sorted, so that a typo equally close to two terms is corrected the same way in
        # every process (set order depends on the hash seed) and after a save and load.
        for item in sorted(self.vocabulary):
            self._by_length.setdefault(len(item), []).append(item)

    def known(self, item: str) -> bool:
        """Whether a term is in the vocabulary, also as another inflection the stemmer left
        a short ending on ("syftet" beside "syft", "skolan" beside "skol"; not "bygglov"
        beside "bygg", whose "lov" is no ending: `form_of`)."""
        from assistant.lang import form_of  # the languages' endings (it imports this module)

        if item in self.vocabulary:
            return True
        if any(
            item[:-k] in self.vocabulary and form_of(item, item[:-k])
            for k in range(1, MAX_ENDING + 1)
            if len(item) - k >= MIN_PART
        ):
            return True
        if len(item) < MIN_PART:
            return False
        longer = (item + c for c in ("e", "et", "en", "er", "ar", "na", "s", "t", "a"))
        return any(w in self.vocabulary for w in longer)

    @staticmethod
    def base_terms(text: str) -> list[str]:
        """Stemmed, folded terms without stop words (no compound splitting)."""
        stop = stopwords()
        return [t for w in words(text) if (t := term(w)) and fold(w) not in stop and t not in stop]

    def terms(self, text: str) -> list[str]:
        """Terms for the index side: base terms plus the halves of known compounds."""
        out: list[str] = []
        stop = stopwords()
        for word in words(text):
            if fold(word) in stop:
                continue
            out.append(term(word))
            out.extend(self.split_compound(word))
        return out

    def query_terms(self, text: str) -> list[str]:
        """Terms for the query side: like `terms`, with unknown terms corrected to known ones."""
        out: list[str] = []
        for item in self.terms(text):
            out.append(item if item in self.vocabulary else self.correct(item) or item)
        # A compound typed as two words ("stads kärnor") matches the joined corpus term.
        tokens = words(text)
        for left, right in zip(tokens, tokens[1:], strict=False):
            joined = term(left + right)
            if joined in self.vocabulary and joined not in out:
                out.append(joined)
        return out

    def highlights(self, text: str, query: str) -> list[tuple[int, int]]:
        """Character spans of the words in `text` that match the query's terms.

        Matching is on canonical terms, so "kommunerna" marks "Kommunen", "sodertorn"
        marks "Södertörn" and "stadskärnor" marks the "stadskärnorna" of a compound.
        """
        wanted = set(self.query_terms(query))
        if not wanted:
            return []
        stop = stopwords()
        spans = []
        for match in _WORD.finditer(text):
            word = match.group().lower()
            if fold(word) not in stop and self._matched(word, wanted):
                spans.append((match.start(), match.end()))
        return spans

    def holds_all(self, text: str, wanted: Iterable[str]) -> bool:
        """Whether every wanted term is in the text in a form `highlights` would mark (a stop
        word marks nothing: "var" is no form of "varor")."""
        missing = set(wanted)
        stop = stopwords()
        for match in _WORD.finditer(text):
            if not missing:
                break
            word = match.group().lower()
            if fold(word) not in stop:
                missing -= self._matched(word, missing)
        return not missing

    def _matched(self, word: str, wanted: set[str]) -> set[str]:
        """The wanted terms a word of a text is a form of: itself, a half of it as a
        compound, or the stem with a short ending the stemmer left on it."""
        t = term(word)
        found = wanted.intersection({t, *self.split_compound(word)})
        return found | {w for w in wanted if _inflects(t, {w})}

    def split_compound(self, word: str) -> list[str]:
        """The two halves of a compound, when both are corpus terms; else nothing. A head that
        is the whole word's own term leaves only an ending, no half: "rådgivarna" is
        "rådgiv|arna", not a compound of "rådgiv" and "ARN"."""
        if len(word) < 2 * MIN_PART or not self.vocabulary:
            return []
        whole = term(word)
        for i in range(len(word) - MIN_PART, MIN_PART - 1, -1):  # longest head first
            head, tail = word[:i], word[i:]
            tail_term = term(tail)
            if len(tail_term) < MIN_PART - 1 or tail_term not in self.vocabulary:
                continue
            for candidate in (head, head[:-1] if head.endswith("s") else None):
                if candidate and len(candidate) >= MIN_PART:
                    head_term = term(candidate)
                    if head_term in self.vocabulary and head_term != whole:
                        return [head_term, tail_term]
        return []

    def correct(self, item: str) -> str | None:
        """The closest corpus term within 1 edit (2 for long terms) that starts with the same
        letter, if any: a typo seldom hits the first letter, and a word that differs there is
        mostly another word ("plast" is no "last", "anstalld" no "bestalld"). Failing that,
        for a long term, the closest inflected form (`form_of`) whose base is within the
        limit: "prisbasbelop" for "prisbasbeloppet", not "bibliotek" for "bibliotekarien";
        a short one finds a name or a word of another language too easily ("grant" –
        "Granås")."""
        if len(item) < 5 or item.isdigit():
            return None
        from rapidfuzz.distance import Levenshtein
        from rapidfuzz.process import extractOne

        from assistant.lang import form_of  # the languages' endings (it imports this module)

        limit = 1 if len(item) < 8 else 2
        pool = [
            c
            for n in range(len(item) - limit, len(item) + limit + 1)
            for c in self._by_length.get(n, [])
            if c[0] == item[0]
        ]
        best = extractOne(item, pool, scorer=Levenshtein.distance, score_cutoff=limit)
        if best or limit < 2:
            return best[0] if best else None
        found: tuple[int, str] | None = None
        for n in range(len(item) + 1 - limit, len(item) + limit + MAX_ENDING + 1):
            for c in self._by_length.get(n, []):
                if c[0] != item[0]:
                    continue
                for e in range(max(1, n - len(item) - limit), MAX_ENDING + 1):
                    base = c[:-e]
                    edits = Levenshtein.distance(item, base, score_cutoff=limit)
                    if edits > limit or len(base) < MIN_PART or not form_of(c, base):
                        continue
                    if found is None or (edits, c) < found:
                        found = (edits, c)
        return found[1] if found else None


#: Longest inflection ending a stemmer may leave on a word form ("syftet" beside "syft").
MAX_ENDING = 3


def _inflects(found: str, wanted: set[str]) -> bool:
    """Whether `found` is a wanted stem with a short ending the stemmer left on it:
    a search for "syfte" (stem "syft") marks "Syftet" (stem "syftet")."""
    return any(
        len(w) >= MIN_PART and found.startswith(w) and len(found) - len(w) <= MAX_ENDING
        for w in wanted
    )


#: The files a saved `LexicalIndex` consists of, in the folder given to `save`.
BM25_NAMES = {
    "data_name": "bm25.data.npy",
    "indices_name": "bm25.indices.npy",
    "indptr_name": "bm25.indptr.npy",
    "vocab_name": "bm25.vocab.json",
    "params_name": "bm25.params.json",
}
LEXICON = "lexicon.json"
FILES = (*BM25_NAMES.values(), LEXICON)


class _TokenIds:
    """Every document's term ids as one flat int32 array: what bm25s iterates while indexing.

    A list of lists of Python ints costs ~36 bytes a token (1M chunks: GBs); this costs 4.
    """

    def __init__(self) -> None:
        self.ids = array("i")
        self.ends = array("q")

    def add(self, ids: Iterable[int]) -> None:
        self.ids.extend(ids)
        self.ends.append(len(self.ids))

    def __len__(self) -> int:
        return len(self.ends)

    def __iter__(self) -> Iterator[array]:
        start = 0
        for end in self.ends:
            yield self.ids[start:end]
            start = end


class LexicalIndex:
    """BM25 over chunk texts, from bm25s (Lucene variant).

    Built once with the index (`VectorIndex.build`/`save`) and written next to it (`save`);
    a server loads it (`load`) with the score matrix memory-mapped instead of rebuilding it.
    """

    def __init__(self, texts: Sequence[str], headings: Iterable[str] = ()) -> None:
        """Index `texts`; `headings` (titles, section headings) add only to the vocabulary."""
        import bm25s

        # Streamed: no list of every text's terms is kept; only the vocabulary and the
        # term ids (bm25s's own indexing from token lists holds both, as Python objects).
        vocabulary: set[str] = set()
        for text in (*texts, *headings):
            vocabulary.update(Analyzer.base_terms(text))
        self.analyzer = Analyzer(vocabulary)
        del vocabulary
        self.names = names_of(texts)
        #: How the texts write the words a question may type without diacritics (`spellings`);
        #: None in an index written before it was kept.
        self.spellings: dict[str, str] | None = spellings(texts)
        self.size = len(texts)
        self._bm25 = bm25s.BM25()
        if not self.size:  # bm25s cannot index an empty corpus
            self._bm25.scores = {
                "data": np.zeros(0, dtype=np.float32),
                "indices": np.zeros(0, dtype=np.int32),
                "indptr": np.zeros(1, dtype=np.int64),
                "num_docs": 0,
            }
            self._bm25.vocab_dict = {}
            self._bm25.nonoccurrence_array = None
            return
        vocab: dict[str, int] = {}
        corpus = _TokenIds()
        for text in texts:
            corpus.add(vocab.setdefault(t, len(vocab)) for t in self.analyzer.terms(text))
        # What `BM25.index` does with token lists, from the ids (the same matrix and scores).
        self._bm25.scores = self._bm25.build_index_from_ids(
            unique_token_ids=list(vocab.values()), corpus_token_ids=corpus, show_progress=False
        )
        del corpus
        if "" not in vocab:
            vocab[""] = max(vocab.values()) + 1
        self._bm25.vocab_dict = vocab
        self._bm25.unique_token_ids_set = set(vocab.values())

    def scores(self, query: str, extra: Sequence[str] = ()) -> np.ndarray:
        """BM25 score of every chunk for `query` and the `extra` terms, each of those once and
        only when the query has it not: [n_chunks] float32."""
        terms = self.analyzer.query_terms(query)
        terms += [
            t for t in dict.fromkeys(extra) if t in self.analyzer.vocabulary and t not in terms
        ]
        if not terms or not self.size:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(terms), dtype=np.float32)

    def save(self, folder: Path) -> tuple[str, ...]:
        """Write the index into `folder` as the files named in `FILES`; returns their names."""
        self._bm25.save(folder, show_progress=False, **BM25_NAMES)
        lexicon = {
            "size": self.size,
            "vocabulary": sorted(self.analyzer.vocabulary),
            "names": sorted(self.names),
            "spellings": self.spellings,
        }
        (folder / LEXICON).write_text(json.dumps(lexicon, ensure_ascii=False), encoding="utf-8")
        return FILES

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        """Load an index written by `save`; the BM25 score matrix is memory-mapped.

        Raises:
            OSError, ValueError, KeyError: A file is missing or malformed.
        """
        import bm25s

        lexicon = json.loads((folder / LEXICON).read_text(encoding="utf-8"))
        self = cls.__new__(cls)
        self.size = int(lexicon["size"])
        self.analyzer = Analyzer(lexicon["vocabulary"])
        self.names = frozenset(lexicon["names"])
        spelt = lexicon.get("spellings")
        self.spellings = {str(k): str(v) for k, v in spelt.items()} if spelt is not None else None
        self._bm25 = bm25s.BM25.load(folder, mmap=True, **BM25_NAMES)
        if self._bm25.scores["num_docs"] != self.size:
            msg = f"BM25 has {self._bm25.scores['num_docs']} documents, the lexicon {self.size}"
            raise ValueError(msg)
        return self
