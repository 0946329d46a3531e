"""The answer-quality benchmark's measures (pure functions)."""

import pytest

from benchmarks.answers import auc, kept_at_bar


def test_auc_orders_answerable_above_unanswerable() -> None:
    assert auc([(0.9, True), (0.8, True), (0.2, False), (0.1, False)]) == 1.0
    assert auc([(0.1, True), (0.9, False)]) == 0.0
    assert auc([(0.5, True), (0.5, False)]) == 0.5


def test_kept_at_bar_is_the_share_answered_when_90_percent_are_refused() -> None:
    unanswerable = [(p / 10, False) for p in range(10)]  # 0.0 … 0.9: the threshold is 0.8
    answerable = [(0.85, True), (0.95, True), (0.5, True), (0.7, True)]
    assert kept_at_bar(unanswerable + answerable) == pytest.approx(0.5)
