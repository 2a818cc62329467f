"""Prometheus text for the service's numbers."""

from handoff.domain.metrics import Histogram, Snapshot, bucket_for, render


def test_metrics_render_cumulative_histograms() -> None:
    assert bucket_for(3) == "5" and bucket_for(61) == "120" and bucket_for(10_000) == "+Inf"
    text = render(
        Snapshot(
            states={"bot": 2}, handoffs={"requested": 3}, wait=Histogram({"5": 1, "60": 2}, 70.0, 3)
        )
    )
    assert (
        'tandem_conversations{state="bot"} 2' in text
        and 'tandem_conversations{state="agent"} 0' in text
    )
    assert 'tandem_queue_wait_seconds_bucket{le="30"} 1' in text
    assert 'tandem_queue_wait_seconds_bucket{le="60"} 3' in text
    assert "tandem_queue_wait_seconds_count 3" in text
