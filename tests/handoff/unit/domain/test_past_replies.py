"""Lexical retrieval of past agent replies: per language, folded, grouped by reply, capped."""

from __future__ import annotations

from handoff.domain.past_replies import PastReplies, ReplyPair, pairs_of, tokens


def pair(customer: str, reply: str, *, language: str = "en", csat: int | None = 5) -> ReplyPair:
    return ReplyPair(language, customer, reply, csat, "c_x")


def test_tokens_fold_case_punctuation_diacritics_and_mask_personal_data() -> None:
    assert tokens("Gdje je NARUDŽBA, đak?") == ["gdje", "je", "narudzba", "dak"]
    assert tokens("mail ana@example.com") == ["mail", "<email>"]
    # As bot/text.py folds on the Rasa side: й like и, ё like е (customers type both).
    assert tokens("Где мой заказ? Ещё") == ["где", "мои", "заказ", "еще"]
    assert tokens("என் ஆர்டர்") == ["என்", "ஆர்டர்"]  # Tamil vowel signs are kept


def test_the_closest_question_wins_and_a_paraphrase_finds_it() -> None:
    index = PastReplies(cap=100)
    index.add(
        [
            pair("where is my parcel", "It left today; tracking is in your email."),
            pair("how do I reset my password", "Use 'Forgot password' on the login page."),
            pair("can I pay with paypal", "Yes, PayPal works at checkout."),
        ]
    )
    found = index.search("en", "Where's my parcel now?", limit=3)
    assert found[0].reply == "It left today; tracking is in your email."
    assert "parcel" in found[0].matched
    assert index.search("en", "forgot my password", limit=1)[0].reply.startswith("Use")


def test_the_same_reply_given_often_is_one_suggestion_that_says_how_often() -> None:
    index = PastReplies(cap=100)
    index.add(
        [
            pair("where is my parcel", "It left today.", csat=4),
            pair("parcel where is it", "it left today!", csat=5),
            pair("where is my parcel please", "It left today.", csat=None),
            pair("when will my parcel come", "Tomorrow, by noon.", csat=4),
        ]
    )
    found = index.search("en", "where is my parcel", limit=3)
    assert [(m.times, m.best_csat) for m in found][0] == (3, 5)
    assert len(found) == 2 and found[1].reply == "Tomorrow, by noon."


def test_languages_are_kept_apart_and_nothing_shared_finds_nothing() -> None:
    index = PastReplies(cap=100)
    index.add([pair("gdje je narudžba", "Stigla je jučer.", language="hr")])
    assert index.search("hr", "narudzba gdje", limit=3)[0].reply == "Stigla je jučer."
    assert index.search("en", "gdje je narudzba", limit=3) == []
    assert index.search("hr", "completely different words", limit=3) == []


def test_past_the_cap_the_oldest_pairs_go_first() -> None:
    index = PastReplies(cap=2)
    index.add([pair("alpha question", "old"), pair("beta question", "middle")])
    index.add([pair("gamma question", "new", language="ru")])
    assert len(index) == 2
    assert index.search("en", "alpha", limit=3) == []
    assert index.search("en", "beta", limit=3)[0].reply == "middle"
    assert index.search("ru", "gamma", limit=3)[0].reply == "new"


def test_pairs_are_a_reply_directly_after_a_customer_message_masked() -> None:
    entries: list[dict[str, object]] = [
        {"author": "customer", "text": "hi"},
        {"author": "bot", "text": "Hello!"},
        {"author": "customer", "text": "my order TD-123456 is late, ana@example.com"},
        {"author": "system", "text": "Ana joined"},
        {"author": "agent", "text": "Sorry! Order TD-123456 ships today."},
        {"author": "agent", "text": "Anything else?"},  # follows a reply: answers nothing
    ]
    (found,) = pairs_of(entries, language="en", csat=5, conversation_id="c_1")
    assert found.customer == "my order <order> is late, <email>"
    assert found.reply == "Sorry! Order <order> ships today."
    assert (found.language, found.csat, found.conversation_id) == ("en", 5, "c_1")


def test_a_model_fitted_ahead_is_the_one_searched_and_a_stale_one_is_dropped() -> None:
    index = PastReplies(cap=100)
    index.add([pair("where is my parcel", "It left today.")])
    index.fit("en")
    index.fit("xx")  # no such language: nothing to do
    assert index.search("en", "parcel", limit=1)[0].reply == "It left today."
    index.add([pair("parcel tracking link", "Here is the link.")])  # the fitted model is stale
    assert [m.reply for m in index.search("en", "parcel link", limit=2)] == [
        "Here is the link.",
        "It left today.",
    ]
    assert index.languages() == ["en"]
