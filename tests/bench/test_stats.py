"""The benchmark helpers that decide what a figure is: percentiles, ratios, the report."""

from __future__ import annotations

import pytest

from bench import report
from bench.run import KEYS
from bench.stats import percentile, ratio, summary


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
    assert len(KEYS) == 24 and len(set(KEYS)) == 24
    assert {"bot_turns_per_s_one_rasa", "bot_turns_per_s_two_rasa"} <= set(KEYS)
    assert {"peer_relay_p99_ratio_same", "peer_relay_p99_ratio_cross"} <= set(KEYS)
    assert KEYS[0] == "bot_reply_p50_ms_direct" and KEYS[-1] == "intent_macro_f1"
