"""The inbox's rules: what is masked, what counts as the same message, why a turn is kept."""

from __future__ import annotations

import pytest

from handoff.domain.inbox import (
    InboxFilter,
    InboxItem,
    clarified_by,
    item_id,
    mask,
    normalise,
    ordered,
    turn_reasons,
)
from handoff.protocol.types import AgentEntry


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("mail me at ana.lima+shop@example.co.uk please", "mail me at <email> please"),
        ("order TD-123456 never came", "order <order> never came"),
        ("order td123456789 never came", "order <order> never came"),
        ("card 4111 1111 1111 1111 was charged", "card <card> was charged"),
        ("card 4111-1111-1111-1111", "card <card>"),
        ("call me on +44 20 7946 0958", "call me on <phone>"),
        ("call 0912-345-678 after 5", "call <phone> after 5"),
        ("I ordered 2 shirts on 3 May", "I ordered 2 shirts on 3 May"),
    ],
)
def test_personal_data_is_masked(text: str, masked: str) -> None:
    assert mask(text) == masked


def test_the_same_question_written_differently_is_one_item() -> None:
    a = normalise("Where is my parcel?!  TD-123456")
    b = normalise("where is my PARCEL td-654321")
    assert a == b == "where is my parcel <order>"
    assert item_id(a) == item_id(b) != item_id(normalise("where is my order"))


def test_why_a_turn_goes_to_the_inbox() -> None:
    assert turn_reasons("nlu_fallback", 0.2, clarified=True, low=0.5) == ["fallback", "clarified"]
    assert turn_reasons("out_of_scope", 0.9, clarified=False, low=0.5) == ["fallback"]
    assert turn_reasons("faq/shipping_time", 0.35, clarified=False, low=0.5) == ["low_confidence"]
    assert turn_reasons("greet", 0.99, clarified=False, low=0.5) == []
    assert turn_reasons("greet", None, clarified=False, low=0.5) == []


def item(**fields: object) -> InboxItem:
    data = {
        "id": "i_1",
        "text": "t",
        "count": "1",
        "intent": "greet",
        "language": "en",
        "first_ts": "100",
        "last_ts": "200",
        "reason:fallback": "1",
        **{k: str(v) for k, v in fields.items()},
    }
    return InboxItem.from_hash(data, [])


def test_filters_and_order() -> None:
    it = item()
    assert InboxFilter().matches(it) and InboxFilter(reason="fallback").matches(it)
    assert not InboxFilter(reason="csat_low").matches(it)
    assert not InboxFilter(language="hr").matches(it) and not InboxFilter(intent="x").matches(it)
    assert InboxFilter(since=150).matches(it) and not InboxFilter(since=250).matches(it)
    assert not InboxFilter(until=100).matches(it) and InboxFilter(until=101).matches(it)
    assert not InboxFilter().matches(item(status="ignored"))
    assert InboxFilter(status="").matches(item(status="ignored"))
    often, recent, old = item(id="a", count=5), item(id="b", last_ts=300), item(id="c")
    assert [i.id for i in ordered([old, often, recent])] == ["a", "b", "c"]


def test_a_pick_answers_the_message_whose_answer_offered_it() -> None:
    asked: AgentEntry = {"seq": 1, "author": "customer", "text": "where is it", "ts": 1.0}
    clarify: AgentEntry = {
        "seq": 2,
        "author": "bot",
        "text": "Did you mean…?",
        "ts": 2.0,
        "buttons": [{"title": "Tracking", "payload": "How can I track my order?"}],
    }
    said: AgentEntry = {"seq": 3, "author": "bot", "text": "Or talk to a person.", "ts": 2.0}
    assert clarified_by("How can I track my order?", [asked, clarify, said]) == asked
    assert clarified_by("something else", [asked, clarify, said]) is None
    # Buttons of an older turn do not count: the customer wrote something in between.
    later: AgentEntry = {"seq": 4, "author": "customer", "text": "hm", "ts": 3.0}
    assert clarified_by("How can I track my order?", [asked, clarify, later]) is None
    assert clarified_by("How can I track my order?", [clarify]) is None
