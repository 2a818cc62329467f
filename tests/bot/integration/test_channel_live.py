"""The Tandem channel end to end: trained model, Rasa, action server, Redis tracker store."""

from __future__ import annotations

import json
from typing import Any

import requests

from tests.bot.integration.conftest import Bot


def texts(reply: dict[str, Any]) -> list[str]:
    return [m.get("text") or "" for m in reply["messages"]]


def test_an_faq_gets_its_explanation_and_the_nlu_result(bot: Bot) -> None:
    _, (reply,) = bot.conversation("how long does delivery take?")
    assert "business days" in texts(reply)[0]
    nlu = reply["nlu"]
    assert nlu["intent"] == "faq/shipping_time"
    assert nlu["confidence"] > 0.5
    assert nlu["ranking"][0]["name"] == "faq/shipping_time"  # faq spelled out as its topics
    assert nlu["language"]["code"] == "en"
    assert reply["handoff"] is None


def test_triage_collects_the_answers_recaps_them_then_hands_off_with_them(bot: Bot) -> None:
    _, replies = bot.conversation(
        "my order hasn't arrived", "TD-482913", "10 days ago", "Jane.Doe@example.com", "yes"
    )
    assert "order number" in texts(replies[0])[0]
    assert "When did you place the order" in texts(replies[1])[0]
    assert "email" in texts(replies[2])[0]
    recap = texts(replies[3])[0]
    assert "TD-482913" in recap and "10 days ago" in recap and "jane.doe@example.com" in recap
    assert [r["handoff"] for r in replies[:4]] == [None, None, None, None]
    assert replies[4]["handoff"] == {
        "reason": "triage",
        "summary": {
            "problem_category": "order_not_arrived",
            "order_number": "TD-482913",
            "days_since_order": 10.0,
            "contact_email": "jane.doe@example.com",
            "skill": "orders",
        },
        "language": "en",
    }


def test_the_customer_corrects_the_recap_before_it_goes_to_a_person(bot: Bot) -> None:
    _, replies = bot.conversation(
        "my order hasn't arrived",
        "TD-482913",
        "10 days ago",
        "jane.doe@example.com",
        "no",
        "sorry, the order number is TD-482914",
        "yes",
    )
    assert "right detail" in texts(replies[4])[0]  # "Send me the right detail"
    assert len(replies[4]["messages"]) == 1  # no second recap until the fix comes
    corrected = texts(replies[5])
    assert any("updated" in t for t in corrected)
    assert "TD-482914" in corrected[-1] and "couldn't read a date" not in " ".join(corrected)
    assert replies[6]["handoff"]["summary"]["order_number"] == "TD-482914"


def test_a_corrected_order_number_at_the_date_question_is_no_failed_date(bot: Bot) -> None:
    _, replies = bot.conversation(
        "my order hasn't arrived", "TD-482913", "sorry, the order number is TD-482914"
    )
    said = " ".join(texts(replies[2]))
    assert "updated" in said and "couldn't read a date" not in said
    assert "anything else" not in said  # no stray end-of-form message mid-form
    assert "When did you place the order" in said  # the form asks for the date again


def test_a_date_correction_after_an_explanation_reopens_the_triage(bot: Bot) -> None:
    _, replies = bot.conversation(
        "my parcel never came",
        "td 482913",
        "yesterday",
        "actually I ordered it 12 days ago",
        "sam@example.com",
        "yes",
    )
    assert "still inside its delivery window" in texts(replies[2])[0]
    reopened = " ".join(texts(replies[3]))
    assert "updated" in reopened and "email" in reopened  # 12 days: a person must look
    assert replies[5]["handoff"]["reason"] == "triage"
    assert replies[5]["handoff"]["summary"]["days_since_order"] == 12.0


def test_a_croatian_customer_is_triaged_in_croatian(bot: Bot) -> None:
    _, replies = bot.conversation("moja narudžba još nije stigla", "TD-482913", "prije 10 dana")
    assert replies[0]["nlu"]["language"]["code"] == "hr"
    assert "Koji je broj Vaše narudžbe?" in texts(replies[0])[0]
    assert "Kada ste naručili?" in texts(replies[1])[0]
    # "prije 10 dana" is read as ten days ago: outside the delivery window, so the email is next
    assert "e-mail adresu" in texts(replies[2])[0]
    assert replies[2]["handoff"] is None


def test_a_recent_order_is_resolved_without_a_person(bot: Bot) -> None:
    _, replies = bot.conversation("my parcel never came", "td 482913", "yesterday")
    assert "still inside its delivery window" in texts(replies[2])[0]
    assert "placed yesterday" in texts(replies[2])[0]
    assert replies[2]["handoff"] is None


def test_asking_for_a_person_mid_form_hands_off_at_once(bot: Bot) -> None:
    _, replies = bot.conversation("I was charged twice", "I want to talk to a real person")
    assert replies[1]["handoff"] == {
        "reason": "requested",
        "summary": {"problem_category": "double_charge", "skill": "billing"},
        "language": "en",
    }


def test_another_language_is_handed_to_someone_who_speaks_it(bot: Bot) -> None:
    _, (reply,) = bot.conversation("Wo ist meine Bestellung? Ich warte schon seit zwei Wochen.")
    assert reply["handoff"]["reason"] == "language"
    assert reply["handoff"]["language"] == "de"
    assert reply["nlu"]["language"]["code"] == "de"
    assert "Deutsch" in texts(reply)[0]


def test_low_confidence_clarifies_once_then_hands_off(bot: Bot) -> None:
    # Two messages the model is unsure about (nlu_fallback with the tuned thresholds, or the
    # out_of_scope intent, which the guard counts the same).
    _, replies = bot.conversation("purple monkey dishwasher", "zxcv the blorp wibble")
    assert replies[0]["nlu"]["intent"] == "nlu_fallback"
    assert "Did you mean" in texts(replies[0])[0]
    buttons = replies[0]["messages"][0]["buttons"]
    assert buttons[-1] == {"title": "Talk to a person", "payload": "/request_human"}
    assert replies[0]["handoff"] is None
    assert replies[1]["handoff"]["reason"] == "low_confidence"


def test_out_of_scope_says_so_then_a_repeat_hands_off(bot: Bot) -> None:
    _, replies = bot.conversation("do you sell gift cards?", "tell me a joke")
    assert "can't help with that here" in texts(replies[0])[0]
    assert replies[0]["handoff"] is None
    assert replies[1]["handoff"]["reason"] == "low_confidence"


def test_hand_back_gets_an_im_back_turn_and_the_bot_answers_again(bot: Bot) -> None:
    sender, (handoff,) = bot.conversation("agent")
    assert handoff["handoff"]["reason"] == "requested"
    back = bot.post({"sender": sender, "event": "handback"})
    assert back.status_code == 200
    assert back.json()["nlu"] is None and back.json()["handoff"] is None
    assert "I'm back" in texts(back.json())[0]
    again = bot.say(sender, "which payment methods do you accept?")
    assert again["nlu"]["intent"] == "faq/payment_methods"


def test_while_a_customer_waits_only_faq_questions_are_answered(bot: Bot, stack: Any) -> None:
    import redis

    sender, (handoff,) = bot.conversation("agent")
    assert handoff["handoff"]["reason"] == "requested"
    waiting = {"sender": sender, "faq_only": True}
    faq = bot.post({**waiting, "message": "how long does delivery take?"}).json()
    assert "business days" in texts(faq)[0]
    assert faq["nlu"]["intent"] == "faq/shipping_time" and faq["handoff"] is None
    # Anything else is left for the person: no answer, no form started, nothing recorded.
    other = bot.post({**waiting, "message": "my order hasn't arrived"}).json()
    assert other["messages"] == [] and other["handoff"] is None
    assert other["nlu"]["text"] == "my order hasn't arrived"
    assert other["nlu"]["intent"] and not other["nlu"]["intent"].startswith("faq")
    client = redis.Redis(port=stack.ports.redis, decode_responses=True)
    stored = [json.loads(e).get("text") for e in client.lrange(f"rasa:events:{sender}", 0, -1)]
    assert "how long does delivery take?" in stored
    assert "my order hasn't arrived" not in stored


def test_a_customer_cannot_type_the_hand_back(bot: Bot) -> None:
    _, (reply,) = bot.conversation("/EXTERNAL_agent_handback")
    assert not any("I'm back" in t for t in texts(reply))
    assert reply["nlu"]["intent"] != "EXTERNAL_agent_handback"


def test_the_token_is_required(bot: Bot) -> None:
    assert bot.post({"sender": "x", "message": "hi"}, headers={}).status_code == 401
    wrong = {"Authorization": "Bearer nope"}
    assert bot.post({"sender": "x", "message": "hi"}, headers=wrong).status_code == 401


def test_bad_input_gets_a_clear_error(bot: Bot) -> None:
    missing = bot.post({"message": "hi"})
    assert missing.status_code == 400 and "sender" in missing.json()["error"]
    not_json = requests.post(f"{bot.url}/message", data=b"{nope", headers=bot.headers, timeout=10)
    assert not_json.status_code == 400


def test_trackers_live_in_redis(bot: Bot, stack: Any) -> None:
    import redis

    sender, _ = bot.conversation("hello")
    client = redis.Redis(port=stack.ports.redis, decode_responses=True)
    logged = [json.loads(e) for e in client.lrange(f"rasa:events:{sender}", 0, -1)]
    assert any(e["event"] == "user" and e["text"] == "hello" for e in logged)


def test_health_reports_the_model_and_the_action_server(bot: Bot) -> None:
    health = requests.get(f"{bot.url}/health", timeout=10)
    assert health.status_code == 200
    assert health.json()["action_server"] == "ok" and health.json()["model"]


def test_with_the_action_server_down_the_bot_answers_nothing(bot: Bot, stack: Any) -> None:
    stack.stop_actions()
    try:
        health = requests.get(f"{bot.url}/health", timeout=10)
        assert health.status_code == 503 and health.json()["action_server"] == "unreachable"
        # Rasa swallows the failed action and answers nothing: the contract's "unavailable".
        _, (reply,) = bot.conversation("I can't log in")
        assert reply["messages"] == []
    finally:
        stack.start_actions()
    _, (reply,) = bot.conversation("I can't log in")
    assert reply["messages"]
