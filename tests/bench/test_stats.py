"""The benchmark helpers that decide what a figure is: percentiles, ratios, the report."""

from __future__ import annotations

import random

import pytest

from bench import report
from bench.run import KEYS
from bench.stats import knee, percentile, ratio, ratio_ci, summary


def test_percentiles_interpolate_between_ranks() -> None:
    values = [4.0, 1.0, 3.0, 2.0]
    assert percentile(values, 0) == 1.0
    assert percentile(values, 100) == 4.0
    assert percentile(values, 50) == 2.5
    assert percentile(values, 99) == pytest.approx(3.97)
    assert percentile([7.0], 99) == 7.0
    assert percentile([], 50) is None


def test_percentile_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_summary_and_ratio() -> None:
    s = summary(float(x) for x in range(1, 101))
    assert s["n"] == 100 and s["p50"] == 50.5 and s["max"] == 100.0
    assert s["p99"] == pytest.approx(99.01)
    assert summary([])["p50"] is None
    assert ratio(3.0, 2.0) == 1.5
    assert ratio(None, 2.0) is None and ratio(1.0, 0.0) is None


def test_report_keeps_what_people_wrote(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "benchmarks.md"
    path.write_text(f"# Benchmarks\n\nintro\n\n{report.BEGIN}\nold\n{report.END}\n\nanalysis\n")
    figures = dict.fromkeys(KEYS)
    figures.update(relay_p99_ms_same_replica=3.0, echo_p99_ms=2.0, relay_p99_ratio_same=1.5)
    report.update(path, figures, {"machine": {"cpu": "Test CPU", "cores": 2}})
    text = path.read_text()
    assert text.startswith("# Benchmarks\n\nintro\n") and text.rstrip().endswith("analysis")
    assert "old" not in text and "Test CPU" in text
    assert "| 3.00 ms | 2.00 ms (echo) | 1.50 | <= 2x echo | **yes** |" in text


def test_latest_json_has_exactly_the_issue_keys() -> None:
    assert len(KEYS) == len(set(KEYS))
    assert {"gateway_overhead_p50_ratio_ci_low", "gateway_overhead_p50_ratio_ci_high"} <= set(KEYS)
    assert {"bot_turns_per_s_one_rasa", "bot_turns_per_s_two_rasa"} <= set(KEYS)
    assert {"peer_relay_p99_ratio_same", "peer_relay_p99_ratio_cross"} <= set(KEYS)
    assert {"assist_p95_ms", "assist_request_p95_ms"} <= set(KEYS)
    assert {"cost_knee_msgs_per_s_one_replica", "cost_rss_kb_per_connection"} <= set(KEYS)
    assert KEYS[0] == "bot_reply_p50_ms_direct"


def _phases(rng: random.Random, count: int, turns: int, scale: float = 1.0) -> list[list[float]]:
    return [[rng.gauss(30.0, 5.0) * scale for _ in range(turns)] for _ in range(count)]


def test_ratio_interval_brackets_the_true_ratio() -> None:
    rng = random.Random(1)
    anchor = _phases(rng, 4, 600)
    value = _phases(rng, 4, 600, scale=1.10)
    low, high = ratio_ci(value, anchor) or (0.0, 0.0)
    assert low < 1.10 < high
    assert low > 1.05  # 2,400 turns a side: decisively above a 1.05 goal
    same = ratio_ci(_phases(rng, 4, 600), anchor)
    assert same is not None and same[0] < 1.0 < same[1]
    assert ratio_ci(value, anchor) == (low, high)  # seeded: reproducible
    assert ratio_ci([], anchor) is None and ratio_ci([[]], anchor) is None


def test_ratio_interval_widens_when_phases_drift() -> None:
    # The same turns, once spread evenly over the phases, once with one phase 20 % slower
    # (the machine got busier): the drift must show in the interval, not only in the ratio.
    rng = random.Random(2)
    anchor = _phases(rng, 4, 300)
    steady = _phases(rng, 4, 300)
    drifting = [list(p) for p in steady]
    drifting[3] = [x * 1.2 for x in drifting[3]]
    steady_ci, drifting_ci = ratio_ci(steady, anchor), ratio_ci(drifting, anchor)
    assert steady_ci is not None and drifting_ci is not None
    assert drifting_ci[1] - drifting_ci[0] > 1.5 * (steady_ci[1] - steady_ci[0])


def test_the_bot_goal_is_met_only_by_the_upper_bound(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "benchmarks.md"
    figures = dict.fromkeys(KEYS)
    figures.update(
        gateway_overhead_p50_ratio=1.03,
        gateway_overhead_p50_ratio_ci_low=1.01,
        gateway_overhead_p50_ratio_ci_high=1.06,
    )
    report.update(path, figures, {})
    assert (
        "| 1.030 [1.010, 1.060] | ratio <= 1.05 (upper bound of the 95 % interval) | **no** |"
        in (path.read_text())
    )
    figures["gateway_overhead_p50_ratio_ci_high"] = 1.049
    report.update(path, figures, {})
    assert "| 1.030 [1.010, 1.049] | ratio <= 1.05" in path.read_text()
    assert "1.049] | ratio <= 1.05 (upper bound of the 95 % interval) | **yes** |" in (
        path.read_text()
    )


def test_knee_interpolates_where_p99_passes_the_limit() -> None:
    assert knee([(100, 12.0), (200, 40.0), (400, 900.0)], 250.0) == 248.8
    assert knee([(100, 12.0), (200, 40.0)], 250.0) is None  # beyond what was measured
    assert knee([(100, 300.0), (200, 900.0)], 250.0) == 100.0  # already past it
    assert knee([(100, 12.0), (200, None)], 250.0) == 200.0  # did not keep up at all
    assert knee([(100, 12.0), (200, 250.0)], 250.0) is None  # at the limit is not past it


def test_a_paired_interval_cancels_the_drift_both_sides_shared() -> None:
    # Side-by-side phases: both kinds slowed down together in phases 3 and 4 (the machine got
    # busier), the value is 8 % slower throughout. Drawn apart, the shared drift widens the
    # interval past the goal; drawn as pairs, it cancels, and the interval is decisive.
    rng = random.Random(3)
    moods = [1.0, 1.0, 1.3, 1.25]
    anchor = [[rng.gauss(30.0, 5.0) * m for _ in range(600)] for m in moods]
    value = [[rng.gauss(30.0, 5.0) * m * 1.08 for _ in range(600)] for m in moods]
    apart = ratio_ci(value, anchor)
    paired = ratio_ci(value, anchor, paired=True)
    assert apart is not None and paired is not None
    assert paired[0] < 1.08 < paired[1]
    assert paired[0] > 1.05  # decisively above a 1.05 goal ...
    assert apart[0] < 1.05  # ... which drawing the phases apart could not tell
    assert paired[1] - paired[0] < 0.5 * (apart[1] - apart[0])


def test_a_paired_interval_needs_phases_that_pair() -> None:
    with pytest.raises(ValueError):
        ratio_ci([[1.0], [1.0]], [[1.0]], paired=True)
    # A phase empty on one side leaves the pair out on both.
    assert ratio_ci([[2.0, 2.0], []], [[1.0, 1.0], [5.0]], paired=True) == (2.0, 2.0)
