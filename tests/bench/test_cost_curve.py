"""The cost curve's arithmetic: a step's figures, CPU per 1,000 messages, the knee, the table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench import cost_curve


def _results(latencies: list[float], sent: int, waiting: int = 0) -> list[dict[str, Any]]:
    half = len(latencies) // 2
    return [
        {"latencies_ms": latencies[:half], "sent": sent // 2, "replies": half, "waiting": 0},
        {
            "latencies_ms": latencies[half:],
            "sent": sent - sent // 2,
            "replies": len(latencies) - half,
            "waiting": waiting,
        },
    ]


def _step(rate: float, p99_ms: float, *, sent: int = 1000, waiting: int = 0) -> dict[str, Any]:
    cores = {"handoff-a": 0.2, "handoff-b": 0.1, "redis": 0.05, "worker-0": 0.1, "worker-1": 0.1}
    return cost_curve.step_record(
        _results([1.0] * 98 + [p99_ms] * 2, sent, waiting), cores, 10.0, rate=rate, seconds=10.0
    )


def test_a_step_sums_the_replicas_and_prices_a_thousand_messages() -> None:
    step = _step(100, 5.0)
    assert step["sent"] == 1000 and step["sent_per_s"] == 100.0
    assert step["service_cores"] == 0.3 and step["loadgen_cpu_cores"] == 0.2
    # 0.3 cores for 10 s is 3 CPU-seconds for 1,000 messages; Redis 0.5.
    assert step["service_cpu_s_per_1000"] == 3.0 and step["redis_cpu_s_per_1000"] == 0.5
    assert step["kept_up"] is True
    assert cost_curve.per_thousand(0.3, 10.0, 0) is None


def test_a_step_that_leaves_replies_behind_did_not_keep_up() -> None:
    assert _step(100, 5.0, waiting=10)["kept_up"] is True  # 1 %: within
    assert _step(100, 5.0, waiting=11)["kept_up"] is False


def test_the_knee_is_where_p99_passes_250_ms_or_a_step_fell_behind() -> None:
    steps = [_step(100, 10.0), _step(200, 50.0), _step(400, 450.0)]
    p99s = [s["latency_ms"]["p99"] for s in steps]
    assert p99s[1] < 250 < p99s[2]
    knee = cost_curve.curve_knee(steps)
    assert knee is not None and 200 < knee < 400
    behind = [_step(100, 10.0), _step(200, 20.0, waiting=500)]  # its replies that came were fast
    assert cost_curve.curve_knee(behind) == 200.0
    assert cost_curve.curve_knee([_step(100, 10.0), _step(200, 20.0)]) is None


def test_the_table_has_every_step_and_the_section_is_replaced(tmp_path: Path) -> None:
    curve = {
        "replicas": 2,
        "customers": 1000,
        "with_agents": 200,
        "rss_mb_idle": 60.0,
        "rss_mb_connected": 100.0,
        "rss_kb_per_connection": 41.0,
        "knee_per_s": None,
        "steps": [_step(100, 10.0), _step(200, 20.0, waiting=500)],
    }
    table = cost_curve.markdown([curve], seconds=10.0)
    assert table.count("\n| 2 | 1,000 |") == 2
    assert "| 500 (behind) |" in table
    assert "1,000 customers, 2 replicas (200 with agents): p99 stays under 250 ms" in table
    docs = tmp_path / "benchmarks.md"
    docs.write_text(f"# B\n\n{cost_curve.COST_BEGIN}\nold\n{cost_curve.COST_END}\n\nafter\n")
    cost_curve.publish({"table_md": table}, docs)
    text = docs.read_text()
    assert "old" not in text and table in text and text.rstrip().endswith("after")


def test_the_cpu_line_splits_fixed_cores_from_the_cost_per_message() -> None:
    steps = [
        {"sent_per_s": 100.0, "service_cores": 0.3 + 100 * 0.0012},
        {"sent_per_s": 200.0, "service_cores": 0.3 + 200 * 0.0012},
        {"sent_per_s": 400.0, "service_cores": 0.3 + 400 * 0.0012},
    ]
    assert cost_curve.cpu_line(steps) == {"fixed_cores": 0.3, "marginal_cpu_ms_per_msg": 1.2}
    assert cost_curve.cpu_line(steps[:1]) is None
