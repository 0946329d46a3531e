import numpy as np
import pytest

from assistant.retrieval import fuse


def test_weight_one_is_dense_order_and_zero_is_lexical_order() -> None:
    dense = np.array([0.80, 0.85, 0.82], dtype=np.float32)
    lexical = np.array([3.0, 0.5, 1.0], dtype=np.float32)
    assert list(np.argsort(-fuse(dense, lexical, 1.0))) == [1, 2, 0]
    assert list(np.argsort(-fuse(dense, lexical, 0.0))) == [0, 2, 1]


def test_lexical_breaks_a_near_tie_but_does_not_overturn_dense() -> None:
    dense = np.array([0.90, 0.89, 0.70])
    lexical = np.array([0.0, 2.0, 5.0])
    # The BM25 match breaks the near-tie; the strong BM25 match alone cannot lift a weak one.
    assert list(np.argsort(-fuse(dense, lexical, 0.95, k=20))) == [1, 0, 2]
    # With equal votes, the best BM25 match does rise to the top.
    assert list(np.argsort(-fuse(dense, lexical, 0.5, k=20))) == [2, 1, 0]


def test_top_of_both_lists_scores_one_and_bm25_zero_adds_nothing() -> None:
    fused = fuse(np.array([0.9, 0.7]), np.array([4.0, 0.0]), 0.6, k=20)
    assert fused[0] == pytest.approx(1.0)
    assert fused[1] == pytest.approx(0.6 * 21 / 22)


def test_empty_input() -> None:
    assert fuse(np.array([]), np.array([]), 0.5).size == 0
