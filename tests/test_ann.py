import faiss
import numpy as np
import pytest

from assistant.ann import build_vector_index, prepare_loaded, recall_at_10


def _clustered(n: int, dim: int = 64, seed: int = 0) -> np.ndarray:
    """Vectors around cluster centres, like embeddings of texts on a few topics."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((50, dim)).astype(np.float32)
    vectors = centres[rng.integers(0, 50, n)] + 0.3 * rng.standard_normal((n, dim)).astype(
        np.float32
    )
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_small_corpus_is_searched_exactly() -> None:
    vectors = _clustered(500)
    index, info = build_vector_index(vectors)
    assert info == {"type": "IndexFlatIP", "recall_at_10": 1.0}
    _, ids = index.search(vectors[:3], 1)
    assert ids[:, 0].tolist() == [0, 1, 2]


def test_large_corpus_gets_ivf_tuned_to_the_recall_target(tmp_path) -> None:  # type: ignore[no-untyped-def]
    every = _clustered(20_300)
    vectors, queries = every[:20_000], every[20_000:]  # queries: same topics, unseen texts
    index, info = build_vector_index(vectors, exact_limit=1_000)
    assert info["type"] == "IndexIVFFlat"
    assert info["recall_at_10"] >= 0.97 and 1 <= info["nprobe"] <= info["nlist"]
    # The recorded recall holds for fresh queries too, and after a save/load round trip.
    path = str(tmp_path / "v.faiss")
    faiss.write_index(index, path)
    loaded = faiss.read_index(path)
    prepare_loaded(loaded, info)
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    _, truth = exact.search(queries, 10)
    _, found = loaded.search(queries, 10)
    assert recall_at_10(found, truth) >= 0.95
    assert np.allclose(loaded.reconstruct(123), vectors[123])  # BM25-only candidates need it


@pytest.mark.parametrize(
    ("found", "expected"),
    [([[1, 2, 3]], 1.0), ([[1, 9, -1]], 1 / 3), ([[7, 8, 9]], 0.0)],
)
def test_recall(found: list, expected: float) -> None:
    assert recall_at_10(np.array(found), np.array([[1, 2, 3]])) == pytest.approx(expected)
