"""The pure parts of benchmarks/inference.py: statistics, the issue's rule, ranking, the table."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks import inference as bench


def test_percentile_matches_numpy_linear() -> None:
    rng = np.random.default_rng(0)
    values = rng.exponential(10.0, size=201).tolist()
    for q in (0, 5, 50, 95, 99, 100):
        assert bench.percentile(values, q) == pytest.approx(np.percentile(values, q))


def test_percentile_small_cases() -> None:
    assert bench.percentile([7.0], 95) == 7.0
    assert bench.percentile([1.0, 3.0], 50) == 2.0
    assert bench.percentile([3.0, 1.0, 2.0], 50) == 2.0  # order of input does not matter
    with pytest.raises(ValueError):
        bench.percentile([], 50)
    with pytest.raises(ValueError):
        bench.percentile([1.0], 101)


def test_latency_summary_is_in_milliseconds() -> None:
    summary = bench.latency_summary([0.010] * 19 + [0.100])
    assert summary["n"] == 20
    assert summary["p50_ms"] == pytest.approx(10.0)
    assert summary["p95_ms"] == pytest.approx(14.5)  # interpolated towards the one slow call
    assert summary["max_ms"] == pytest.approx(100.0)
    assert summary["mean_ms"] == pytest.approx(14.5)


@pytest.mark.parametrize(
    ("mrr", "eligible"),
    [(0.640, True), (0.650, True), (0.635, True), (0.6349, False), (0.60, False)],
)
def test_eligibility_rule_allows_a_drop_of_at_most_0_005(mrr: float, eligible: bool) -> None:
    assert bench.is_eligible(mrr, 0.640) is eligible


def test_verdict_names_the_baseline() -> None:
    assert bench.verdict(bench.BASELINE, 0.1, 0.64) == "baseline"
    assert bench.verdict("onnx int8 x2", 0.637, 0.64) == "eligible"
    assert bench.verdict("onnx int8 x2", 0.630, 0.64) == "not eligible"


def test_cosine_agreement() -> None:
    a = np.array([[1.0, 0.0], [0.0, 2.0]])
    b = np.array([[1.0, 0.0], [1.0, 1.0]])
    low, mean = bench.cosine_agreement(a, b)
    assert low == pytest.approx(np.sqrt(0.5))
    assert mean == pytest.approx((1 + np.sqrt(0.5)) / 2)
    with pytest.raises(ValueError):
        bench.cosine_agreement(a, b[:1])


def test_rank_by_cosine_orders_and_breaks_ties_by_id() -> None:
    passages = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.0, 1.0]])
    queries = np.array([[0.0, 3.0], [1.0, 0.1]])
    ranked = bench.rank_by_cosine(queries, passages, k=3)
    assert ranked[0] == [1, 3, 2]  # 1 and 3 tie; the lower id first
    assert ranked[1][0] == 0


def test_mean_pool_ignores_padding_and_normalises() -> None:
    hidden = np.array([[[1.0, 0.0], [3.0, 0.0], [100.0, 100.0]]], dtype=np.float32)
    mask = np.array([[1, 1, 0]])
    pooled = bench.mean_pool(hidden, mask)
    np.testing.assert_allclose(pooled, [[1.0, 0.0]], atol=1e-7)


def test_length_order_is_longest_first_and_stable() -> None:
    assert bench.length_order(["aa", "a", "bbb", "cc"]) == [2, 0, 3, 1]


def test_foreign_cores_subtracts_our_own_cpu() -> None:
    # 10 s wall, the machine was busy 1500 ticks (15 s at 100 Hz), 10 s of them ours
    assert bench.foreign_cores(1500, 10.0, 10.0) == pytest.approx(0.5)
    assert bench.foreign_cores(900, 10.0, 10.0) == 0.0  # tick rounding never goes negative
    assert bench.foreign_cores(100, 0.0, 0.0) == 0.0


def _row(name: str, p50: float, rate: float, verdict: str, mrr: float = 0.64) -> dict:
    return {
        "name": name,
        "query": {"p50_ms": p50, "p95_ms": p50 * 1.5},
        "passages_per_s": rate,
        "mrr10": mrr,
        "delta_mrr": mrr - 0.64,
        "min_cos_query": 0.999,
        "min_cos_passage": 0.998,
        "verdict": verdict,
        "other_cores": 0.0,
        "loadavg1": 0.5,
    }


def test_recommend_picks_the_fastest_eligible_only() -> None:
    rows = [
        _row(bench.BASELINE, 20.0, 30.0, "baseline"),
        _row("fast but wrong", 2.0, 300.0, "not eligible", 0.5),
        _row("quick queries", 5.0, 40.0, "eligible"),
        _row("quick passages", 8.0, 90.0, "eligible"),
    ]
    assert bench.recommend(rows) == {"queries": "quick queries", "passages": "quick passages"}
    assert bench.recommend([rows[1]]) == {"queries": None, "passages": None}


def test_format_table_is_aligned() -> None:
    rows = [
        _row(bench.BASELINE, 20.0, 30.0, "baseline"),
        _row("openvino bf16/default x2", 5.25, 123.4, "not eligible", 0.62),
    ]
    lines = bench.format_table(rows).splitlines()
    assert len(lines) == 4
    assert "variant" in lines[0] and "MRR@10" in lines[0] and "verdict" in lines[0]
    # every numeric column ends at the same place in every row
    end = lines[0].index("passages/s") + len("passages/s")
    assert lines[2][end - 4 : end] == "30.0"
    assert lines[3][end - 5 : end] == "123.4"
    assert "-0.0200" in lines[3] and "not eligible" in lines[3]


def test_export_dir_is_a_sibling_of_the_model(tmp_path) -> None:  # type: ignore[no-untyped-def]
    model = tmp_path / "models" / "multilingual-e5-small"
    assert bench.export_dir_for(model) == tmp_path / "models" / "multilingual-e5-small-onnx"


def test_format_table_marks_rows_measured_under_contention() -> None:
    quiet = _row(bench.BASELINE, 20.0, 30.0, "baseline")
    busy = {**_row("onnx fp32 x2", 7.0, 50.0, "eligible"), "other_cores": 0.9}
    lines = bench.format_table([quiet, busy]).splitlines()
    assert lines[2].startswith(bench.BASELINE + " ")
    assert "*" not in lines[2]
    assert lines[3].startswith("onnx fp32 x2 *")
