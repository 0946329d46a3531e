"""A Unigram ``tokenizer.json`` read into plain Python: the same ids, a fraction of the memory.

The ``tokenizers`` library holds a Unigram vocabulary in a byte trie with a hash map per node;
for multilingual-e5-small's 250,002 pieces that costs more memory than everything else the
service keeps (see the README, "Docker and deployment"). Here the pieces live in one dict and
their scores in one array, and the segmentation is the library's own Viterbi search
(``Unigram::encode_optimized``) step for step: pieces tried from each start in order of
length, a later candidate kept only when strictly better, a one-character ``<unk>`` where no
one-character piece exists (with runs of them fused), and scores summed in the same order.

Everything around the model is still done by ``tokenizers``, from the same file: special
tokens are cut out of the raw text first (as its added vocabulary does for tokens that are
not normalised), then each remaining part is normalised and pre-tokenised by the file's own
normaliser and pre-tokeniser. The post-processor must be a template of special tokens around
the text, as a sentence-transformers model's is. A file outside that shape raises
`UnigramUnsupported`, and the caller uses ``tokenizers`` itself. The tests compare both on
every text of the corpora and question sets, and on text in many scripts.
"""

from __future__ import annotations

import json
import re
from array import array
from collections.abc import Sequence
from pathlib import Path
from typing import Any

#: What the library adds to the lowest piece score for an unknown character.
UNK_PENALTY = 10.0


class UnigramUnsupported(ValueError):
    """The file is not a Unigram model in the shape this reader reproduces exactly."""


class UnigramTokenizer:
    """Token ids of texts, as ``tokenizers.Tokenizer.from_file(path)`` with truncation gives.

    Example:
        >>> tok = UnigramTokenizer(Path("models/multilingual-e5-small/tokenizer.json"), 512)
        >>> tok.encode("query: Vilka kommuner ingår?")[:2]
        [0, 41]
    """

    def __init__(self, path: Path, max_length: int) -> None:
        from tokenizers import Tokenizer

        data = json.loads(Path(path).read_text(encoding="utf-8"))
        model = data.get("model") or {}
        if model.get("type") != "Unigram" or model.get("byte_fallback"):
            raise UnigramUnsupported(f"{path}: not a Unigram model without byte fallback")
        vocab = model["vocab"]
        unk = model.get("unk_id")
        if unk is None or not 0 <= unk < len(vocab):
            raise UnigramUnsupported(f"{path}: no <unk> piece")
        self.before, self.after = _template(data.get("post_processor"))
        added = data.get("added_tokens") or []
        if any(t["normalized"] or t["lstrip"] or t["rstrip"] or t["single_word"] for t in added):
            raise UnigramUnsupported(f"{path}: added tokens with matching options")
        self.max_length = max_length
        self._unk = int(unk)
        self._ids: dict[str, int] = {piece: i for i, (piece, _score) in enumerate(vocab)}
        self._scores = array("d", (float(score) for _piece, score in vocab))
        self._unk_score = min(self._scores) - UNK_PENALTY
        self._longest = max(len(piece) for piece, _score in vocab)
        self._added = {t["content"]: int(t["id"]) for t in added}
        by_length = sorted(self._added, key=len, reverse=True)
        self._split = re.compile("|".join(map(re.escape, by_length))) if by_length else None
        # The file's own normaliser and pre-tokeniser, around a one-piece model.
        data["model"] = {"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0.0]]}
        data["added_tokens"], data["post_processor"] = [], None
        shell = Tokenizer.from_str(json.dumps(data))
        self._normalizer = shell.normalizer
        self._pre_tokenizer = shell.pre_tokenizer
        del data, vocab, model, shell

    def token_to_id(self, token: str) -> int | None:
        return self._added.get(token, self._ids.get(token))

    def encode(self, text: str) -> list[int]:
        """The ids of `text` with the template's special tokens, truncated to `max_length`."""
        ids: list[int] = []
        start = 0
        for match in self._split.finditer(text) if self._split else ():
            ids += self._plain(text[start : match.start()])
            ids.append(self._added[match.group()])
            start = match.end()
        ids += self._plain(text[start:])
        room = max(self.max_length - len(self.before) - len(self.after), 0)
        return self.before + ids[:room] + self.after

    def encode_batch(self, texts: Sequence[str]) -> list[list[int]]:
        return [self.encode(t) for t in texts]

    def _plain(self, text: str) -> list[int]:
        if not text:
            return []
        if self._normalizer is not None:
            text = self._normalizer.normalize_str(text)
        words = (
            [w for w, _span in self._pre_tokenizer.pre_tokenize_str(text)]
            if self._pre_tokenizer is not None
            else [text]
        )
        ids: list[int] = []
        for word in words:
            ids += self._word(word)
        return ids

    def _word(self, word: str) -> list[int]:
        """`Unigram::encode_optimized` and the id lookup of `Unigram::tokenize`."""
        size = len(word)
        ids, scores, unk = self._ids, self._scores, self._unk
        best = [0.0] * (size + 1)
        start_of: list[int | None] = [None] * (size + 1)
        start_of[0] = 0
        chosen = [unk] * (size + 1)
        for begin in range(size):
            here = best[begin]
            single = False
            for end in range(begin + 1, min(begin + self._longest, size) + 1):
                piece = ids.get(word[begin:end])
                if piece is None:
                    continue
                score = scores[piece] + here
                if start_of[end] is None or score > best[end]:
                    best[end], start_of[end], chosen[end] = score, begin, piece
                if end == begin + 1:
                    single = True
            if not single:
                score = self._unk_score + here
                if start_of[begin + 1] is None or score > best[begin + 1]:
                    best[begin + 1], start_of[begin + 1], chosen[begin + 1] = score, begin, unk
        out: list[int] = []
        unknown: list[str] = []  # a run of <unk> pieces, fused into one token
        end = size
        while end > 0:
            origin = start_of[end]
            assert origin is not None  # every end is reached: a piece or <unk> per character
            begin = origin
            if chosen[end] == unk:
                unknown.append(word[begin:end])
            else:
                if unknown:
                    out.append(ids.get("".join(reversed(unknown)), unk))
                    unknown = []
                out.append(chosen[end])
            end = begin
        if unknown:
            out.append(ids.get("".join(reversed(unknown)), unk))
        out.reverse()
        return out


def _template(processor: dict[str, Any] | None) -> tuple[list[int], list[int]]:
    """The special-token ids before and after the text in a TemplateProcessing's `single`."""
    if not processor:
        return [], []
    if processor.get("type") != "TemplateProcessing":
        raise UnigramUnsupported(f"post-processor {processor.get('type')!r}")
    specials = processor.get("special_tokens") or {}
    before: list[int] = []
    after: list[int] = []
    seen_text = False
    for item in processor["single"]:
        if "Sequence" in item:
            if seen_text:
                raise UnigramUnsupported("a template with the text twice")
            seen_text = True
        else:
            (before if not seen_text else after).extend(specials[item["SpecialToken"]["id"]]["ids"])
    if not seen_text:
        raise UnigramUnsupported("a template without the text")
    return before, after
