"""The on-disk index: FAISS vectors, the chunk store, answer segments and a manifest.

Layout of the index folder::

    index/
      current -> builds/20261126T101500-1a2b3c   (symlink, swapped atomically)
      builds/<id>/manifest.json  vectors.faiss  chunks.jsonl
                  segments.jsonl segments.npy
                  bm25.*.npy bm25.*.json lexicon.json   (BM25, see `LexicalIndex.save`)

A build is written into a fresh folder under ``builds/`` and only then made
current by replacing the ``current`` symlink (an atomic rename), so a crash
mid-build never leaves a half-written index in service. The manifest records
what the index was built from and a SHA-256 of every file, so a truncated,
bit-flipped or mismatched index is refused at load instead of served.

Memory at scale (measured by ``python -m benchmarks.scale``): vectors.faiss is
memory-mapped at load, so its pages are shared by every process serving the build and
can be dropped by the kernel under pressure instead of being copied onto each process's
heap; segment references are kept as compact columns (`Segments`), not one Python object
per sentence, which at 1M chunks (7M sentences) saves about 1.7 GB.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import uuid
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from assistant.ann import build_vector_index, prepare_loaded
from assistant.chunking import (
    is_item,
    item_sentence,
    leans_on_previous,
    split_segments,
    strip_bullet,
)
from assistant.embeddings import Embedder
from assistant.errors import IndexCorrupt, IndexMissing
from assistant.lexical import FILES as LEXICAL_FILES
from assistant.lexical import LexicalIndex
from assistant.types import Chunk, Document

log = logging.getLogger(__name__)

#: 2: the manifest's "faiss" records the index type and its tuning; 3: BM25 is built with the
#: index and saved in its folder (`LEXICAL_FILES`) instead of rebuilt at every load.
FORMAT_VERSION = 3
FILES = ("vectors.faiss", "chunks.jsonl", "segments.jsonl", "segments.npy", *LEXICAL_FILES)
#: Old builds kept next to the current one, for inspection or a manual roll-back.
KEEP_BUILDS = 2
#: Chunk fields repeated by every chunk of a document: one string object is shared at load.
_SHARED_FIELDS = ("doc_id", "title", "section", "url", "updated")


@dataclass(frozen=True)
class SegmentRef:
    """A sentence (or list with its lead-in) of a chunk; offsets into the chunk text."""

    chunk_id: int
    start: int
    end: int
    is_list: bool
    lead: str = ""  # a list item's lead-in sentence


class Segments(Sequence[SegmentRef]):
    """Segment references stored as columns: 17 bytes each instead of ~250 as objects.

    A million chunks have about seven million segments; as a list of `SegmentRef` they
    took 1.8 GB of the server's memory. Reading an item makes an equal `SegmentRef`.
    """

    def __init__(self, refs: Iterable[SegmentRef] = ()) -> None:
        self._chunk, self._start, self._end = array("i"), array("i"), array("i")
        self._is_list, self._lead = array("b"), array("i")
        leads: dict[str, int] = {"": 0}
        for ref in refs:
            self._chunk.append(ref.chunk_id)
            self._start.append(ref.start)
            self._end.append(ref.end)
            self._is_list.append(ref.is_list)
            self._lead.append(leads.setdefault(ref.lead, len(leads)))
        self._leads = list(leads)  # lead-in texts, each once

    def __len__(self) -> int:
        return len(self._chunk)

    def __getitem__(self, i):  # type: ignore[no-untyped-def,override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return SegmentRef(
            self._chunk[i],
            self._start[i],
            self._end[i],
            bool(self._is_list[i]),
            self._leads[self._lead[i]],
        )

    def __iter__(self) -> Iterator[SegmentRef]:
        return (self[i] for i in range(len(self)))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Segments({len(self)})"

    def chunk_ids(self) -> np.ndarray:
        """The chunk of each segment, [n_segments] (a view, not a copy)."""
        return np.frombuffer(self._chunk, dtype=np.intc) if len(self) else np.zeros(0, np.intc)


class SegmentsByChunk(Mapping[int, list[int]]):
    """chunk id → ids of its segments, in order; from a sorted array, not a dict of lists."""

    def __init__(self, chunk_ids: np.ndarray) -> None:
        ordered = bool(np.all(chunk_ids[1:] >= chunk_ids[:-1]))  # as built: chunk by chunk
        self._order = None if ordered else np.argsort(chunk_ids, kind="stable")
        self._sorted = chunk_ids if ordered else chunk_ids[self._order]
        self._keys = np.unique(self._sorted)

    def __getitem__(self, chunk_id: int) -> list[int]:
        lo = int(np.searchsorted(self._sorted, chunk_id, side="left"))
        hi = int(np.searchsorted(self._sorted, chunk_id, side="right"))
        if lo == hi:
            raise KeyError(chunk_id)
        return list(range(lo, hi)) if self._order is None else self._order[lo:hi].tolist()

    def __iter__(self) -> Iterator[int]:
        return (int(k) for k in self._keys)

    def __len__(self) -> int:
        return len(self._keys)


def corpus_hash(docs: Sequence[Document]) -> str:
    """A digest of everything about the documents that ends up in the index."""
    digest = hashlib.sha256()
    for doc in sorted(docs, key=lambda d: d.doc_id):
        record = [doc.doc_id, doc.title, doc.text, doc.url, doc.updated, doc.language]
        digest.update(json.dumps(record, ensure_ascii=False).encode())
    return digest.hexdigest()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class VectorIndex:
    """A loaded index: chunks, their vectors in FAISS, and sentence-level segments.

    Example:
        >>> index = VectorIndex.load(Path("index"))
        >>> scores, ids = index.search(query_vectors, k=5)
    """

    def __init__(
        self,
        manifest: dict,
        chunks: list[Chunk],
        faiss_index: object,
        segments: Sequence[SegmentRef],
        segment_vectors: np.ndarray,
        path: Path | None = None,
        lexical: LexicalIndex | None = None,
    ) -> None:
        self.manifest = manifest
        self.chunks = chunks
        self.faiss_index = faiss_index
        self.segments = segments if isinstance(segments, Segments) else Segments(segments)
        self.segment_vectors = segment_vectors  # [n_segments, dim]
        self.path = path
        self.segments_by_chunk = SegmentsByChunk(self.segments.chunk_ids())
        #: BM25 over the chunk texts; None until built (`build_lexical`, or at `save`).
        self.lexical = lexical

    def build_lexical(self) -> LexicalIndex:
        """BM25 over the chunk texts, built now unless it already is."""
        if self.lexical is None:
            self.lexical = LexicalIndex([c.text for c in self.chunks])
        return self.lexical

    @property
    def version(self) -> str:
        """The build id, shown in health checks and logs."""
        return str(self.manifest.get("build_id", "unknown"))

    def search(self, query_vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Inner-product search; returns (scores, ids), each [n_queries, k]; id -1 = none."""
        k = max(1, min(k, len(self.chunks)))
        if not self.chunks:
            n = query_vectors.shape[0]
            return np.zeros((n, 0), np.float32), np.zeros((n, 0), np.int64)
        queries = np.ascontiguousarray(query_vectors)
        if len(queries) > 1:
            return self.faiss_index.search(queries, k)  # type: ignore[attr-defined]
        with _one_openmp_thread():
            return self.faiss_index.search(queries, k)  # type: ignore[attr-defined]

    @classmethod
    def build(
        cls,
        chunks: list[Chunk],
        embedder: Embedder,
        *,
        manifest: dict,
        progress: Callable[[str], None] | None = None,
        batch_size: int = 64,
    ) -> VectorIndex:
        """Embed chunks and their segments and build the FAISS index in memory."""

        say = progress or (lambda _msg: None)
        dim = embedder.dimension
        vectors = np.zeros((len(chunks), dim), dtype=np.float32)
        for start in range(0, len(chunks), batch_size):
            batch = chunks[start : start + batch_size]
            vectors[start : start + len(batch)] = embedder.embed_passages(
                [passage_text(c) for c in batch]
            )
            say(f"Embedded {start + len(batch)}/{len(chunks)} chunks")
        dim = vectors.shape[1] if len(chunks) else dim
        faiss_index, faiss_info = build_vector_index(vectors)
        prepare_loaded(faiss_index, faiss_info)
        say(f"Vector index: {faiss_info['type']}")
        segments = [
            SegmentRef(c.chunk_id, s.start, s.end, s.is_list, s.lead)
            for c in chunks
            for s in split_segments(c.text)
        ]
        # A list item is embedded on its own: its lead-in is shared by every item and would
        # make them all look alike; the answer still quotes the item with its lead-in.
        seg_texts = [
            strip_bullet(text) if is_item(text) else text
            for text in (chunks[s.chunk_id].text[s.start : s.end] for s in segments)
        ]
        # "Fyra av dessa finns på Södertörn: …" means little alone; embed it with its lead.
        seg_texts = [
            f"{seg_texts[i - 1]} {text}"
            if i and leans_on_previous(text) and segments[i - 1].chunk_id == segments[i].chunk_id
            else text
            for i, text in enumerate(seg_texts)
        ]
        seg_vectors = np.zeros((len(segments), dim), dtype=np.float32)
        for start in range(0, len(segments), batch_size):
            batch_texts = seg_texts[start : start + batch_size]
            seg_vectors[start : start + len(batch_texts)] = embedder.embed_passages(batch_texts)
        say(f"Embedded {len(segments)} answer segments")
        full = {
            **manifest,
            "format_version": FORMAT_VERSION,
            "dimension": int(dim),
            "n_chunks": len(chunks),
            "n_segments": len(segments),
            "faiss": faiss_info,
            "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        index = cls(full, chunks, faiss_index, segments, seg_vectors)
        index.build_lexical()
        say(f"BM25 index over {len(chunks)} chunks")
        return index

    def save(self, root: Path) -> Path:
        """Write this index as a new build under `root` and make it current atomically."""
        import faiss

        builds = root / "builds"
        builds.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")  # sorts by time
        build_id = f"{stamp}-{uuid.uuid4().hex[:6]}"
        tmp = builds / f".tmp-{build_id}"
        tmp.mkdir()
        try:
            faiss.write_index(self.faiss_index, str(tmp / "vectors.faiss"))
            with (tmp / "chunks.jsonl").open("w", encoding="utf-8") as fh:
                for chunk in self.chunks:
                    fh.write(json.dumps(asdict(chunk), ensure_ascii=False) + "\n")
            with (tmp / "segments.jsonl").open("w", encoding="utf-8") as fh:
                for seg in self.segments:
                    fh.write(json.dumps(asdict(seg)) + "\n")
            np.save(tmp / "segments.npy", self.segment_vectors)
            self.build_lexical().save(tmp)
            manifest = {
                **self.manifest,
                "build_id": build_id,
                "files": {name: _sha256(tmp / name) for name in FILES},
            }
            (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
            for name in (*FILES, "manifest.json"):
                _fsync(tmp / name)
            final = builds / build_id
            os.rename(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        link = root / f".current-{build_id}"
        link.symlink_to(Path("builds") / build_id)
        os.replace(link, root / "current")  # the atomic switch
        self.manifest, self.path = manifest, final
        _prune(builds, keep=final.name)
        return final

    @classmethod
    def load(cls, root: Path) -> VectorIndex:
        """Load the current build under `root`, verifying it against its manifest.

        Raises:
            IndexMissing: No build has been made current.
            IndexCorrupt: A file is missing, truncated, altered or inconsistent.
        """
        import faiss

        current = root / "current"
        if not current.exists():
            msg = f"Inget index i {root} – kör `assistant build`."
            raise IndexMissing(msg)
        path = current.resolve()
        try:
            manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            msg = f"Indexets manifest i {path} går inte att läsa ({exc}); kör `assistant build`."
            raise IndexCorrupt(msg) from exc
        if manifest.get("format_version") != FORMAT_VERSION:
            found = manifest.get("format_version")
            msg = f"Indexet i {path} har formatversion {found}, väntade {FORMAT_VERSION}; "
            msg += "kör `assistant build`."
            raise IndexCorrupt(msg)
        for name in FILES:
            file = path / name
            expected = manifest.get("files", {}).get(name)
            if not file.is_file() or _sha256(file) != expected:
                msg = f"Indexfilen {file} saknas eller är skadad (kontrollsumman stämmer inte); "
                msg += "kör `assistant build`."
                raise IndexCorrupt(msg)
        try:
            faiss_index = faiss.read_index(str(path / "vectors.faiss"), _mmap_flags())
            prepare_loaded(faiss_index, manifest.get("faiss") or {})
            chunks = _read_chunks(path / "chunks.jsonl")
            with (path / "segments.jsonl").open(encoding="utf-8") as fh:
                segments = Segments(SegmentRef(**json.loads(line)) for line in fh)
            # Memory-mapped: pages are read when an answer needs them, and shared by workers.
            seg_vectors = np.load(path / "segments.npy", allow_pickle=False, mmap_mode="r")
            # Built with the index; its score matrix is memory-mapped like the vectors.
            lexical = LexicalIndex.load(path)
        except (OSError, ValueError, TypeError, KeyError, RuntimeError) as exc:
            msg = f"Indexet i {path} går inte att läsa ({exc}); kör `assistant build`."
            raise IndexCorrupt(msg) from exc
        dim = manifest.get("dimension")
        problems = []
        if faiss_index.ntotal != len(chunks) or len(chunks) != manifest.get("n_chunks"):
            problems.append(f"{faiss_index.ntotal} vektorer men {len(chunks)} textstycken")
        if faiss_index.d != dim or (len(segments) and seg_vectors.shape[1] != dim):
            problems.append(f"dimension {faiss_index.d}, manifestet säger {dim}")
        if len(segments) != seg_vectors.shape[0] or len(segments) != manifest.get("n_segments"):
            problems.append("segmenten stämmer inte med sina vektorer")
        if lexical.size != len(chunks):
            problems.append(f"BM25 har {lexical.size} textstycken, inte {len(chunks)}")
        if any(c.chunk_id != i for i, c in enumerate(chunks)):
            problems.append("textstyckenas id är inte i ordning")
        if problems:
            msg = f"Indexet i {path} är inkonsekvent: {'; '.join(problems)}. Kör `assistant build`."
            raise IndexCorrupt(msg)
        return cls(manifest, chunks, faiss_index, segments, seg_vectors, path=path, lexical=lexical)


def _mmap_flags() -> int:
    """FAISS's read flag that maps flat codes and IVF lists in place from the file.

    vectors.faiss is then memory-mapped read-only instead of copied onto the heap: its
    pages are shared by all processes serving the build and reclaimable under memory
    pressure. That is safe because a build's files are never rewritten (a new build gets
    a new folder, and a pruned file stays mapped until its index is dropped; truncating
    the file in place under a running server would crash it with SIGBUS) and they are
    checksummed before mapping. The loaded index is read-only: FAISS aborts on adding to it.
    """
    import faiss

    return int(getattr(faiss, "IO_FLAG_MMAP_IFC", 0))  # 0: an older FAISS reads into memory


@contextmanager
def _one_openmp_thread() -> Iterator[None]:
    """One OpenMP thread for this thread's FAISS calls (the setting is per thread).

    A single query split over OpenMP threads waits for the slowest; with other work on
    the cores (concurrent requests, the embedding model) exact search over 100k vectors
    took 34–44 ms at p50 on this machine's 2 threads against 10 ms on one.
    """
    import faiss

    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def _read_chunks(path: Path) -> list[Chunk]:
    """The chunk store; the strings every chunk of a document repeats are shared."""
    shared: dict[str, str] = {}
    chunks = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            fields = json.loads(line)
            for key in _SHARED_FIELDS:
                value = fields.get(key)
                if isinstance(value, str):
                    fields[key] = shared.setdefault(value, value)
            chunks.append(Chunk(**fields))
    return chunks


def segment_text(chunk: Chunk, segment: SegmentRef) -> str:
    """A segment as a sentence: a list item is read together with its lead-in."""
    text = chunk.text[segment.start : segment.end]
    return item_sentence(segment.lead, text) if is_item(text) else text


def passage_text(chunk: Chunk) -> str:
    """What gets embedded for a chunk: its title and section give the text context."""
    head = " – ".join(part for part in (chunk.title, chunk.section) if part)
    return f"{head}\n{chunk.text}" if head else chunk.text


def read_manifest(root: Path) -> dict | None:
    """The current build's manifest, or None when there is none or it is unreadable."""
    try:
        return json.loads((root / "current" / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _fsync(path: Path) -> None:
    with path.open("rb") as fh:
        os.fsync(fh.fileno())


def _prune(builds: Path, keep: str) -> None:
    """Remove all but the newest KEEP_BUILDS builds (never the current one)."""
    done = sorted(
        (p for p in builds.iterdir() if p.is_dir() and not p.name.startswith(".")), reverse=True
    )
    for old in done[KEEP_BUILDS:]:
        if old.name != keep:
            shutil.rmtree(old, ignore_errors=True)
