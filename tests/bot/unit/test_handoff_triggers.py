"""When the guard hands off (bot/handoff_triggers.py), as plain logic."""

from __future__ import annotations

from bot.handoff_triggers import Turn, handoff_reason


def turns(*intents: str, clarified: tuple[int, ...] = (), in_form: bool = False) -> list[Turn]:
    return [
        Turn(i, bot_actions=("action_clarify",) if n in clarified else (), in_form=in_form)
        for n, i in enumerate(intents)
    ]


def test_asking_for_a_person_hands_off_at_once_even_in_a_form() -> None:
    assert handoff_reason(turns("request_human")) == "requested"
    assert handoff_reason(turns("report_order_not_arrived", "request_human", in_form=True)) == (
        "requested"
    )


def test_a_request_for_a_person_ranked_second_still_hands_off() -> None:
    charged = Turn("report_unknown_charge", asks_for_person=0.35)
    assert handoff_reason([charged]) == "requested"
    assert handoff_reason([Turn("report_unknown_charge", asks_for_person=0.1)]) is None


def test_another_language_hands_off() -> None:
    assert handoff_reason([Turn("nlu_fallback", language="de")]) == "language"


def test_second_frustration_hands_off_the_first_does_not() -> None:
    assert handoff_reason(turns("express_frustration")) is None
    assert handoff_reason(turns("express_frustration", "faq/refund_timing")) is None
    assert handoff_reason(turns("express_frustration", "greet", "express_frustration")) == (
        "frustration"
    )


def test_low_confidence_right_after_a_clarification_hands_off() -> None:
    assert handoff_reason(turns("nlu_fallback")) is None
    assert handoff_reason(turns("nlu_fallback", "nlu_fallback", clarified=(0,))) == "low_confidence"
    # out of scope twice: the second question a person must answer too
    out = [Turn("out_of_scope", bot_actions=("utter_out_of_scope",)), Turn("out_of_scope")]
    assert handoff_reason(out) == "low_confidence"
    # a clear turn in between: clarify again instead
    assert handoff_reason(turns("nlu_fallback", "greet", "nlu_fallback", clarified=(0,))) is None


def test_the_same_intent_three_times_is_a_loop() -> None:
    assert handoff_reason(turns("faq/shipping_cost", "faq/shipping_cost")) is None
    assert handoff_reason(turns(*["faq/shipping_cost"] * 3)) == "loop"
    assert (
        handoff_reason(turns("faq/shipping_cost", "faq/shipping_time", "faq/shipping_cost")) is None
    )


def test_answers_and_form_turns_are_not_loops() -> None:
    assert handoff_reason(turns("inform", "inform", "inform")) is None
    assert handoff_reason(turns("affirm", "affirm", "affirm")) is None
    assert handoff_reason(turns(*["report_order_damaged"] * 3, in_form=True)) is None


def test_no_turns_no_handoff() -> None:
    assert handoff_reason([]) is None
