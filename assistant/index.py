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

A rebuild (`VectorIndex.build` with ``reuse``) takes the vectors of texts that are unchanged
since the current build from it, keyed by the exact text embedded, instead of embedding them
again (`PreviousBuild`); a build it cannot read or trust only means embedding everything.

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
import time
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
    is_row,
    item_sentence,
    leans_on_previous,
    row_sentence,
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
#: index and saved in its folder (`LEXICAL_FILES`) instead of rebuilt at every load; 4: the
#: lexicon knows the words of titles and section headings; 5: a word written in lower case
#: anywhere is no name (`lexical.names_of`); 6: each row of a table is a segment, read with its
#: header row (`chunking.split_segments`); 7: a word's ending is no half of a compound
#: (`Analyzer.split_compound`: "rådgivarna" holds no "ARN").
FORMAT_VERSION = 7
FILES = ("vectors.faiss", "chunks.jsonl", "segments.jsonl", "segments.npy", *LEXICAL_FILES)
#: Old builds kept next to the current one, for inspection or a manual roll-back.
KEEP_BUILDS = 2
#: Texts per call to the embedder at build: it sorts a call's texts by length to pad less, so
#: small corpora are embedded in one call; the bound keeps a call's memory small at 1M chunks.
EMBED_CALL = 4096
#: How the embedded texts are composed (`passage_text`, `segment_texts`); bump it when they
#: change, so that a rebuild does not reuse vectors of differently composed texts.
TEXT_RECIPE = 3
#: Chunk fields repeated by every chunk of a document: one string object is shared at load.
_SHARED_FIELDS = ("doc_id", "title", "section", "url", "updated", "municipality", "kind", "source")


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
        return self.columns()[0]

    def columns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Chunk ids, starts and ends of the segments, [n_segments] each (views, no copies)."""
        if not len(self):
            return np.zeros(0, np.intc), np.zeros(0, np.intc), np.zeros(0, np.intc)
        return tuple(  # type: ignore[return-value]
            np.frombuffer(column, dtype=np.intc) for column in (self._chunk, self._start, self._end)
        )


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

    def flat(self, chunk_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The segment ids of several chunks at once, in chunk order, and for each the
        position of its chunk in `chunk_ids` (a chunk without segments adds none)."""
        lo = np.searchsorted(self._sorted, chunk_ids, side="left")
        counts = np.searchsorted(self._sorted, chunk_ids, side="right") - lo
        owner = np.repeat(np.arange(len(chunk_ids)), counts)
        starts = np.repeat(lo - (np.cumsum(counts) - counts), counts)
        positions = np.arange(int(counts.sum())) + starts
        return (positions if self._order is None else self._order[positions]), owner

    def __iter__(self) -> Iterator[int]:
        return (int(k) for k in self._keys)

    def __len__(self) -> int:
        return len(self._keys)


def lexical_index(chunks: Sequence[Chunk]) -> LexicalIndex:
    """BM25 over the chunk texts; the words of titles and section headings are known too."""
    headings = {f"{c.title} {c.section or ''}" for c in chunks}
    return LexicalIndex([c.text for c in chunks], headings=sorted(headings))


def corpus_hash(docs: Sequence[Document]) -> str:
    """A digest of everything about the documents that ends up in the index."""
    digest = hashlib.sha256()
    for doc in sorted(docs, key=lambda d: d.doc_id):
        record = [doc.doc_id, doc.title, doc.text, doc.url, doc.updated, doc.language]
        record += [doc.municipality, doc.kind, doc.source, list(doc.pages)]
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
        """BM25 over the chunk texts, built now unless it already is; the words of titles
        and section headings are known to it too (a word only in a heading is still a word
        of the sources)."""
        if self.lexical is None:
            self.lexical = lexical_index(self.chunks)
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
        batch_size: int = EMBED_CALL,
        reuse: Path | None = None,
    ) -> VectorIndex:
        """Embed chunks and their segments and build the FAISS index in memory.

        Args:
            batch_size: Texts per call to the embedder (`EMBED_CALL`).
            reuse: An index folder; vectors of texts its current build embedded the same way
                are taken from it instead of embedded again (see `PreviousBuild`).
        """

        say = progress or (lambda _msg: None)
        dim = embedder.dimension
        segments = [
            SegmentRef(c.chunk_id, s.start, s.end, s.is_list, s.lead)
            for c in chunks
            for s in split_segments(c.text)
        ]
        previous = PreviousBuild.open(reuse, embedder, say) if reuse is not None else None
        texts = [passage_text(c) for c in chunks]
        known = previous.chunk_vectors if previous else None
        vectors = _embed(texts, embedder, dim, known, "chunk", say, batch_size)
        faiss_index, faiss_info = build_vector_index(vectors)
        prepare_loaded(faiss_index, faiss_info)
        say(f"Vector index: {faiss_info['type']}")
        texts = segment_texts(chunks, segments)
        known = previous.segment_vectors if previous else None
        seg_vectors = _embed(texts, embedder, dim, known, "answer segment", say, batch_size)
        del previous, known  # unmaps the previous build's files
        full = {
            **manifest,
            "format_version": FORMAT_VERSION,
            "dimension": int(dim),
            "n_chunks": len(chunks),
            "n_segments": len(segments),
            "faiss": faiss_info,
            "embedding": embedding_recipe(embedder),
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
        _remove_stale_tmp(builds)
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
                # Read-only: a build is never rewritten, and a file truncated in place under a
                # server that maps it would kill the server (SIGBUS).
                (tmp / name).chmod(0o444)
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
        if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
            msg = f"Indexets manifest i {path} har fel form; kör `assistant build`."
            raise IndexCorrupt(msg)
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
        if any(not 0 <= c.start <= c.end for c in chunks):
            problems.append("ett textstycke har ogiltiga positioner")
        if not _segments_fit(segments, chunks):
            problems.append("ett segment pekar utanför sitt textstycke")
        if problems:
            msg = f"Indexet i {path} är inkonsekvent: {'; '.join(problems)}. Kör `assistant build`."
            raise IndexCorrupt(msg)
        return cls(manifest, chunks, faiss_index, segments, seg_vectors, path=path, lexical=lexical)


def _segments_fit(segments: Segments, chunks: Sequence[Chunk]) -> bool:
    """Whether every segment names an existing chunk and lies within its text (vectorised:
    millions of segments are checked in milliseconds)."""
    if not len(segments):
        return True
    chunk_ids, starts, ends = segments.columns()
    if chunk_ids.min() < 0 or chunk_ids.max() >= len(chunks):
        return False
    lengths = np.fromiter((len(c.text) for c in chunks), dtype=np.int64, count=len(chunks))
    return bool(np.all((starts >= 0) & (starts <= ends) & (ends <= lengths[chunk_ids])))


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


def _embed(
    texts: Sequence[str],
    embedder: Embedder,
    dim: int,
    known: Callable[[Sequence[str]], tuple[list[int], np.ndarray]] | None,
    what: str,
    say: Callable[[str], None],
    call_size: int,
) -> np.ndarray:
    """[len(texts), dim] vectors: those `known` finds, the rest embedded `call_size` at a time.

    The embedder sorts each call's texts by length so that a batch pads little; large calls
    let that sorting span the whole of a small corpus (1,654 FAQ segments: 11.8 s in one call
    against 16.1 s in calls of 64) while a call's tokens and vectors stay bounded at scale.
    """
    vectors = np.zeros((len(texts), dim), dtype=np.float32)
    todo: Sequence[int] = range(len(texts))
    if known is not None and len(texts):
        try:
            rows, found = known(texts)
        except Exception as exc:  # an unreadable previous build only costs the reuse
            say(f"Previous {what} vectors unreadable ({type(exc).__name__}): embedding them")
            log.info("Not reusing %s vectors: %s", what, exc)
            rows, found = [], vectors[:0]
        if rows:
            vectors[rows] = found
            taken = set(rows)
            todo = [i for i in todo if i not in taken]
        say(f"Reused {len(rows)}/{len(texts)} {what} vectors from the previous build")
    for start in range(0, len(todo), call_size):
        part = todo[start : start + call_size]
        vectors[list(part)] = embedder.embed_passages([texts[i] for i in part])
        say(f"Embedded {start + len(part)}/{len(todo)} {what}s")
    return vectors


def embedding_recipe(embedder: Embedder) -> dict:
    """What besides the model decides a build's vectors; recorded in its manifest."""
    return {
        "backend": getattr(embedder, "backend", None),
        "precision": getattr(embedder, "precision", "fp32"),
        "passage_prompt": getattr(embedder, "passage_prompt", None),
        "texts": TEXT_RECIPE,
    }


def _text_key(text: str) -> bytes:
    """A 128-bit digest standing for an embedded text (smaller than the text in a dict)."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class PreviousBuild:
    """The current build of an index folder, lending its vectors by the exact text embedded.

    Only vectors that read back exactly are lent: segment vectors from segments.npy
    (float32), and chunk vectors only from an exact flat FAISS index (an IVF index with
    float16 codes would return rounded vectors). A build made with another model, backend,
    passage prompt, dimension or way of composing the embedded texts lends nothing.

    Example:
        >>> previous = PreviousBuild.open(Path("index"), embedder, print)
        >>> rows, vectors = previous.segment_vectors(["Biblioteket har öppet."])
    """

    #: Rows copied from the previous build per step, bounding the temporary copy.
    COPY_ROWS = 65_536

    def __init__(self, index: VectorIndex) -> None:
        self.index = index
        exact = type(index.faiss_index).__name__ in ("IndexFlatIP", "IndexFlat", "IndexFlatL2")
        self._chunks = (
            {_text_key(passage_text(c)): i for i, c in enumerate(index.chunks)} if exact else {}
        )
        texts = iter_segment_texts(index.chunks, index.segments)
        self._segments = {_text_key(t): i for i, t in enumerate(texts)}

    @classmethod
    def open(
        cls, root: Path, embedder: Embedder, say: Callable[[str], None]
    ) -> PreviousBuild | None:
        """The current build under `root` if its vectors fit `embedder`; None (and why) if not.

        Never raises: a missing, corrupt or unreadable build only means embedding everything.
        """
        try:
            index = VectorIndex.load(root)
        except IndexMissing:
            say("No previous build: embedding every text")
            return None
        except Exception as exc:  # any failure to read it only costs the reuse
            say(f"Previous build unusable ({type(exc).__name__}): embedding every text")
            log.info("Not reusing vectors of the build in %s: %s", root, exc)
            return None
        reason = cls._mismatch(index.manifest, embedder)
        if reason:
            say(f"Previous build not reused ({reason}): embedding every text")
            return None
        try:
            return cls(index)
        except Exception as exc:
            say(f"Previous build unusable ({type(exc).__name__}): embedding every text")
            log.info("Not reusing vectors of the build in %s: %s", root, exc)
            return None

    @staticmethod
    def _mismatch(manifest: dict, embedder: Embedder) -> str | None:
        """Why vectors of a build with `manifest` differ from `embedder`'s, or None."""
        if manifest.get("model_id") != embedder.model_id:
            return "another model"
        if manifest.get("dimension") != embedder.dimension:
            return "another dimension"
        recorded = manifest.get("embedding")
        # Builds made before the recipe was recorded composed their texts as recipe 1 does;
        # their backend and prompt are unknown, so only what is recorded is compared.
        recorded = {"texts": 1, **(recorded if isinstance(recorded, dict) else {})}
        for key, value in embedding_recipe(embedder).items():
            if key in recorded and recorded[key] != value:
                return f"another {key.replace('_', ' ')}"
        return None

    def chunk_vectors(self, texts: Sequence[str]) -> tuple[list[int], np.ndarray]:
        """(positions in `texts`, their vectors) for the passages the previous build holds."""
        rows, ids = self._lookup(self._chunks, texts)
        faiss_index = self.index.faiss_index
        found = np.zeros((len(ids), faiss_index.d), dtype=np.float32)  # type: ignore[attr-defined]
        for start in range(0, len(ids), self.COPY_ROWS):
            part = np.asarray(ids[start : start + self.COPY_ROWS], dtype=np.int64)
            found[start : start + len(part)] = faiss_index.reconstruct_batch(part)  # type: ignore[attr-defined]
        return rows, found

    def segment_vectors(self, texts: Sequence[str]) -> tuple[list[int], np.ndarray]:
        """(positions in `texts`, their vectors) for the segments the previous build holds."""
        rows, ids = self._lookup(self._segments, texts)
        stored = self.index.segment_vectors
        found = np.zeros((len(ids), stored.shape[1]), dtype=np.float32)
        for start in range(0, len(ids), self.COPY_ROWS):
            found[start : start + self.COPY_ROWS] = stored[ids[start : start + self.COPY_ROWS]]
        return rows, found

    @staticmethod
    def _lookup(keys: dict[bytes, int], texts: Sequence[str]) -> tuple[list[int], list[int]]:
        rows, ids = [], []
        if keys:
            for i, text in enumerate(texts):
                j = keys.get(_text_key(text))
                if j is not None:
                    rows.append(i)
                    ids.append(j)
        return rows, ids


def segment_texts(chunks: Sequence[Chunk], segments: Iterable[SegmentRef]) -> list[str]:
    """What gets embedded for each segment (`chunks` indexed by chunk id)."""
    return list(iter_segment_texts(chunks, segments))


def iter_segment_texts(chunks: Sequence[Chunk], segments: Iterable[SegmentRef]) -> Iterator[str]:
    """`segment_texts` one at a time (a previous build's seven million need no list).

    Change `TEXT_RECIPE` with this function: older builds' vectors are then not reused.
    """
    before, before_chunk = "", -1
    for seg in segments:
        text = chunks[seg.chunk_id].text[seg.start : seg.end]
        # A list item is embedded on its own: its lead-in is shared by every item and would
        # make them all look alike; the answer still quotes the item with its lead-in.
        text = strip_bullet(text) if is_item(text) else text
        # A table row is embedded as a sentence that names each cell by its column.
        text = row_sentence(seg.lead, text) if is_row(text) else text
        # "Fyra av dessa finns på Södertörn: …" means little alone; embed it with its lead.
        leans = seg.chunk_id == before_chunk and leans_on_previous(text)
        yield f"{before} {text}" if leans else text
        before, before_chunk = text, seg.chunk_id


def segment_text(chunk: Chunk, segment: SegmentRef) -> str:
    """A segment as a sentence: a list item is read together with its lead-in, a table row
    with its header row."""
    text = chunk.text[segment.start : segment.end]
    if is_item(text):
        return item_sentence(segment.lead, text)
    return row_sentence(segment.lead, text) if is_row(text) else text


def passage_text(chunk: Chunk) -> str:
    """What gets embedded for a chunk: its title and section give the text context.

    Change `TEXT_RECIPE` with this function: older builds' vectors are then not reused.
    """
    head = " – ".join(part for part in (chunk.title, chunk.section) if part)
    return f"{head}\n{chunk.text}" if head else chunk.text


def read_manifest(root: Path) -> dict | None:
    """The current build's manifest, or None when there is none or it is unreadable."""
    try:
        manifest = json.loads((root / "current" / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def _fsync(path: Path) -> None:
    with path.open("rb") as fh:
        os.fsync(fh.fileno())


#: A temporary build folder older than this was left by a build that was killed.
STALE_TMP_SECONDS = 3600


def _remove_stale_tmp(builds: Path) -> None:
    """Remove `.tmp-*` folders of builds killed while saving (a running build's is young)."""
    now = time.time()
    for tmp in builds.glob(".tmp-*"):
        try:
            if tmp.is_dir() and now - tmp.stat().st_mtime > STALE_TMP_SECONDS:
                shutil.rmtree(tmp, ignore_errors=True)
        except OSError:
            continue


def _prune(builds: Path, keep: str) -> None:
    """Remove all but the newest KEEP_BUILDS builds (never the current one)."""
    done = sorted(
        (p for p in builds.iterdir() if p.is_dir() and not p.name.startswith(".")), reverse=True
    )
    for old in done[KEEP_BUILDS:]:
        if old.name != keep:
            shutil.rmtree(old, ignore_errors=True)
