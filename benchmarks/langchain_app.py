"""`python -m benchmarks.langchain_app`: the LangChain baseline as an HTTP service.

A minimal FastAPI app for comparing latency and throughput with `assistant serve`
(point `benchmarks.load` at both). It serves the project's bundled corpus (`corpus/`,
read with `assistant.corpus.load_corpus`) from a LangChain FAISS store built the
LangChain way (`benchmarks.langchain_baseline.build_store`: default
`RecursiveCharacterTextSplitter`, `HuggingFaceEmbeddings` with the project's
multilingual-e5-small and its e5 prompts, `FAISS.from_documents`).

Endpoints:
    GET  /healthz   200 {"status": "ok", "chunks": n} once the store is built
    POST /api/ask   {"question": str} -> {"answer": <top passage text>, "answered": true,
                    "citations": [{"n": 1, "text": ..., "score": <cosine>}, ...]}

The endpoint is a plain `def`, so FastAPI runs it in its thread pool, as a typical
LangChain service does. There is no rate limit, no refusal and no generation: the
answer is the best passage, which is all a retrieval baseline can give.

Example:
    python -m benchmarks.langchain_app --host 127.0.0.1 --port 8001
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import FastAPI, HTTPException, Request
from pydantic import BaseModel, Field

from benchmarks import langchain_baseline as lc

if TYPE_CHECKING:
    from langchain_community.vectorstores import FAISS

#: Passages returned per question: LangChain's default `k` for `similarity_search`.
TOP_K = 4
#: The project's limit on a question's length (assistant.api.MAX_QUESTION_CHARS).
MAX_QUESTION_CHARS = 1000


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)


class CitationOut(BaseModel):
    n: int
    text: str
    score: float


class AskResponse(BaseModel):
    answer: str
    answered: bool
    citations: list[CitationOut]


def default_model_path() -> str:
    """The project's default embedding model, rebuilt offline on first use."""
    from assistant.config import get_settings
    from assistant.embeddings import prepare_model

    settings = get_settings()
    path, _ = prepare_model(settings.model, settings.model_cache_dir)
    return path


def corpus_store(corpus_dir: Path | None = None, model_path: str | None = None) -> FAISS:
    """The LangChain FAISS store over the documents in `corpus_dir` (default: settings')."""
    from assistant.config import get_settings
    from assistant.corpus import load_corpus

    root = corpus_dir if corpus_dir is not None else get_settings().corpus_dir
    documents = load_corpus(root).documents
    if not documents:
        raise RuntimeError(f"no documents in {root}")
    return lc.build_store(
        [d.text for d in documents],
        model_path or default_model_path(),
        metadatas=[{"doc_id": d.doc_id, "title": d.title} for d in documents],
    )


def create_app(
    store: FAISS | None = None,
    *,
    corpus_dir: Path | None = None,
    model_path: str | None = None,
) -> FastAPI:
    """The app over `store`, or over a store built from `corpus_dir` at startup."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if app.state.store is None:
            app.state.store = corpus_store(corpus_dir, model_path)
        yield

    app = FastAPI(title="LangChain baseline", lifespan=lifespan)
    app.state.store = store

    @app.get("/healthz")
    def healthz(request: Request) -> dict:
        current = request.app.state.store
        if current is None:
            raise HTTPException(status_code=503, detail="store not built yet")
        return {"status": "ok", "chunks": int(current.index.ntotal)}

    @app.post("/api/ask", response_model=AskResponse)
    def ask(body: AskRequest, request: Request) -> AskResponse:
        current = request.app.state.store
        if current is None:
            raise HTTPException(status_code=503, detail="store not built yet")
        hits = current.similarity_search_with_score(body.question, k=TOP_K)
        citations = [
            CitationOut(n=i, text=doc.page_content, score=lc.cosine_from_l2(distance))
            for i, (doc, distance) in enumerate(hits, start=1)
        ]
        return AskResponse(
            answer=citations[0].text if citations else "",
            answered=bool(citations),
            citations=citations,
        )

    return app


def main(argv: list[str] | None = None) -> int:
    import uvicorn

    parser = argparse.ArgumentParser(prog="python -m benchmarks.langchain_app", description=None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--corpus", type=Path, default=None, help="default: the settings' corpus")
    args = parser.parse_args(argv)
    app = create_app(corpus_dir=args.corpus)
    uvicorn.run(
        app, host=args.host, port=args.port, access_log=False, proxy_headers=False, log_level="info"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
