"""The LangChain baseline (benchmarks/langchain_baseline.py, langchain_app.py): real model, no mocks."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.config import DEFAULT_MODEL
from assistant.embeddings import prepare_model
from benchmarks import langchain_app
from benchmarks import langchain_baseline as lc

TEXTS = [
    "Biblioteket i Testby har öppet måndag till fredag och lånekortet är gratis.",
    "Soptömning sker varannan vecka; kärlet ska stå vid tomtgränsen före klockan sex.",
    "Bygglov söks hos kommunens byggnadsnämnd innan du bygger ett nytt hus.",
    "Förskoleplats kan sökas när barnet är ett år; kön är fyra månader lång.",
    "Simhallen stänger för renovering i juli och öppnar igen i augusti.",
]


@pytest.fixture(scope="module")
def store(model_cache: Path):  # type: ignore[no-untyped-def]
    path, _ = prepare_model(DEFAULT_MODEL, model_cache)
    return lc.build_store(TEXTS, path)


def test_default_splitter_keeps_short_texts_whole(store) -> None:  # type: ignore[no-untyped-def]
    assert store.index.ntotal == len(TEXTS)
    assert sorted(d.metadata["doc"] for d in store.docstore._dict.values()) == [0, 1, 2, 3, 4]


@pytest.mark.parametrize(
    ("query", "doc"),
    [
        ("När har biblioteket öppet?", 0),
        ("Hur ofta töms soporna?", 1),
        ("Var ansöker jag om bygglov?", 2),
        ("Hur länge är kön till förskolan?", 3),
    ],
)
def test_query_finds_the_right_document_first(store, query: str, doc: int) -> None:  # type: ignore[no-untyped-def]
    ranked = lc.rank_documents(store, query)
    assert ranked[0] == doc
    assert sorted(ranked) == [0, 1, 2, 3, 4]  # deduplicated, every document once


def test_long_text_is_split_and_ranked_once(model_cache: Path) -> None:
    path, _ = prepare_model(DEFAULT_MODEL, model_cache)
    long_text = "\n\n".join([TEXTS[2]] * 80)  # > 4000 characters: several chunks
    embeddings = lc.make_embeddings(path)
    built = lc.build_store([long_text, TEXTS[0]], path, embeddings=embeddings)
    assert built.index.ntotal > 2
    assert lc.rank_documents(built, "bygglov") == [0, 1]


def test_app_answers_over_loopback(store) -> None:  # type: ignore[no-untyped-def]
    with TestClient(langchain_app.create_app(store)) as client:
        assert client.get("/healthz").json() == {"status": "ok", "chunks": len(TEXTS)}
        response = client.post("/api/ask", json={"question": "När stänger simhallen?"})
        assert response.status_code == 200
        body = response.json()
        assert body["answered"] is True
        assert body["answer"] == TEXTS[4]
        first = body["citations"][0]
        assert first["n"] == 1 and first["text"] == TEXTS[4]
        assert 0.0 < first["score"] <= 1.0
        assert [c["n"] for c in body["citations"]] == [1, 2, 3, 4]
        assert client.post("/api/ask", json={"question": ""}).status_code == 422


def test_app_builds_the_bundled_corpus_store(model_cache: Path) -> None:
    path, _ = prepare_model(DEFAULT_MODEL, model_cache)
    root = Path(__file__).resolve().parents[1] / "corpus"
    app = langchain_app.create_app(corpus_dir=root, model_path=path)
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        body = client.post("/api/ask", json={"question": "Vilka kommuner ingår?"}).json()
        assert body["answered"] is True
        assert "Botkyrka" in body["answer"]
