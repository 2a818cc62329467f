"""Every key name lives under one prefix, as docs/architecture.md lays them out."""

from handoff.store.keys import Keys


def test_every_key_is_under_the_prefix() -> None:
    keys = Keys("t1:")
    names = [
        keys.conversation("c_1"),
        keys.log("c_1"),
        keys.notes("c_1"),
        keys.dedup("c_1"),
        keys.bot_lock("c_1"),
        keys.customer("u_1"),
        keys.customer_conversations("u_1"),
        keys.queue,
        keys.tickets,
        keys.agent("a_1"),
        keys.agent_active("a_1"),
        keys.agents_by_username,
        keys.presence,
        keys.requeue,
        keys.stats_states,
        keys.stats_handoffs,
        keys.stats_histogram("wait"),
        keys.stats_csat,
        keys.stats_day("2026-12-01"),
        keys.stats_day_samples("2026-12-01", "wait"),
        keys.recent_waits,
        keys.socketio_channel,
    ]
    assert all(name.startswith("t1:") for name in names)
    assert len(set(names)) == len(names)
    assert keys.conversation("c_1") == "t1:conv:c_1" and keys.log("c_1") == "t1:conv:c_1:log"
    assert Keys().queue == "tandem:queue"
