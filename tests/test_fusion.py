import numpy as np
import pytest

from assistant.retrieval import fuse


def test_weight_one_is_dense_order_and_zero_is_lexical_order() -> None:
    dense = np.array([0.80, 0.85, 0.82], dtype=np.float32)
    lexical = np.array([3.0, 0.0, 1.0], dtype=np.float32)
    assert list(np.argsort(-fuse(dense, lexical, 1.0))) == [1, 2, 0]
    assert list(np.argsort(-fuse(dense, lexical, 0.0))) == [0, 2, 1]


def test_scores_are_normalised_to_unit_range() -> None:
    fused = fuse(np.array([0.7, 0.9]), np.array([2.0, 4.0]), 0.5)
    assert fused.max() == pytest.approx(1.0)
    assert fused.min() == pytest.approx(0.25)


def test_no_lexical_match_adds_nothing() -> None:
    fused = fuse(np.array([0.7, 0.9]), np.zeros(2), 0.6)
    assert fused.tolist() == pytest.approx([0.0, 0.6])


def test_equal_dense_scores_and_empty_input() -> None:
    assert fuse(np.array([0.8, 0.8]), np.array([1.0, 0.0]), 0.5).tolist() == pytest.approx(
        [1.0, 0.5]
    )
    assert fuse(np.array([]), np.array([]), 0.5).size == 0
