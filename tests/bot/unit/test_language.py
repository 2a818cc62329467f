"""Language identification with the real lingua models (bot/language.py, bot/languages.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rasa.shared.nlu.training_data.message import Message

from bot.language import (
    DEFAULT_CONFIG,
    Evidence,
    LanguageIdentifier,
    by_group,
    decide,
    identify_language,
    language_name,
    language_of,
    shared_detector,
    with_picked_language,
)
from bot.languages import Languages, load, served_languages

REPO = Path(__file__).resolve().parents[3]
SAMPLES = yaml.safe_load((REPO / "tests/bot/fixtures/language_samples.yml").read_text())["samples"]


@pytest.fixture(scope="module")
def detect():  # type: ignore[no-untyped-def]
    return shared_detector()


def identify(text: str, detect) -> str | None:  # type: ignore[no-untyped-def]
    return identify_language(text, detect, served_languages()).code


@pytest.mark.parametrize(
    "text",
    [
        "ok", "agent", "human", "hi", "yes please", "pls refund", "lol wtf", "thanks a lot",
        "TD-482913", "can i speak to an agnet pls", "Talk to a person", "my parcel never came",
        "samsung galaxy s22", "gotta go", "this is useless", "where is my stuff",
        "hjkhjk lkjlkj", "ciao", "merci", "danke", "jane.doe@example.com", "TD-482913 pls",
    ],
)  # fmt: skip
def test_short_english_and_noise_are_never_another_language(text: str, detect) -> None:  # type: ignore[no-untyped-def]
    assert identify(text, detect) in (None, "en")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Moja narudžba još nije stigla", "hr"),
        ("Broj narudžbe je TD-582201, jos nije stigla", "hr"),
        ("nasaan na po yung order ko, hindi pa dumating", "tl"),
        ("boleh saya bercakap dengan orang", "ms"),
        ("Мой заказ ещё не пришёл", "ru"),
        ("நான் ஒரு மனிதருடன் பேச வேண்டும்", "ta"),
    ],
)
def test_the_served_languages_are_heard(text: str, code: str, detect) -> None:  # type: ignore[no-untyped-def]
    assert identify(text, detect) == code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Wo ist meine Bestellung? Ich warte schon lange.", "de"),
        ("Je voudrais parler à quelqu'un, s'il vous plaît", "fr"),
        ("¿Dónde está mi pedido? Lo pedí hace dos semanas", "es"),
        ("Gdzie jest moje zamówienie, czekam już dwa tygodnie", "pl"),
        ("我的订单在哪里", "zh"),
        ("Il mio pacco non è ancora arrivato", "it"),
    ],
)
def test_clear_messages_in_other_languages_are_identified(text: str, code: str, detect) -> None:  # type: ignore[no-untyped-def]
    assert identify(text, detect) == code


def test_english_shop_words_do_not_make_another_language_english(detect) -> None:  # type: ignore[no-untyped-def]
    # Malay and Tagalog customers write "cancel", "order", "refund" as English words.
    assert identify("saya nak cancel order sebab barang lambat sangat", detect) == "ms"
    assert identify("order ko hindi pa dumating", detect) == "tl"


def test_related_languages_are_answered_in_the_served_member_of_their_group() -> None:
    languages = served_languages()
    assert languages.answer_in("bs") == "hr" and languages.answer_in("sr") == "hr"
    assert languages.answer_in("id") == "ms"
    assert languages.serves("bs") and not languages.serves("sk")
    assert languages.group_of("sk") == ("cs", "sk")
    assert languages.group_of("sw") == ("sw",)


def test_a_group_adds_up_its_members_confidences() -> None:
    languages = served_languages()
    ranked = by_group([("sl", 0.4), ("hr", 0.35), ("bs", 0.25)], languages)
    assert ranked[0] == ("hr", 0.6) and ranked[1] == ("sl", 0.4)


CONFIG = dict(DEFAULT_CONFIG)


def test_a_served_language_is_confirmed_by_the_full_models() -> None:
    # lingua's trigram ranking likes exotic languages for short messages ("zaboravio sam
    # lozinku" -> Tswana 0.84); the full models of the served languages settle it.
    evidence = Evidence(
        everywhere=[("tn", 0.84), ("hr", 0.14), ("bs", 0.01)], served=[("hr", 0.5), ("bs", 0.45)]
    )
    assert decide(evidence, served_languages(), CONFIG).code == "hr"


def test_no_confirmation_when_the_served_language_is_not_a_candidate_or_is_vetoed() -> None:
    languages = served_languages()
    far = Evidence(everywhere=[("fi", 0.6), ("et", 0.3), ("sw", 0.1)], served=[("tl", 0.95)])
    assert decide(far, languages, CONFIG).code is None
    vetoed = Evidence(everywhere=[("cs", 0.96), ("hr", 0.04)], served=[("hr", 0.95)])
    assert decide(vetoed, languages, CONFIG).code == "cs"


def test_a_sure_ranking_decides_and_an_unsure_one_tells_nothing() -> None:
    languages = served_languages()
    sure = Evidence(everywhere=[("de", 0.995), ("nl", 0.005)], served=[("en", 0.6)])
    found = decide(sure, languages, CONFIG)
    assert (found.code, found.detected) == ("de", "de")
    unsure = Evidence(everywhere=[("de", 0.9), ("nl", 0.1)], served=[("en", 0.6)])
    assert decide(unsure, languages, CONFIG).code is None


def test_on_the_samples_english_is_never_taken_for_another_language_and_few_are_misheard(
    detect,  # type: ignore[no-untyped-def]
) -> None:
    # The figures in docs/nlu-evaluation.md come from scripts/language_eval.py on the same file;
    # this keeps them from sliding.
    languages = served_languages()
    misheard = {"served": 0, "other": 0}
    total = {"served": 0, "other": 0}
    for label, texts in SAMPLES.items():
        for text in texts:
            found = identify_language(text, detect, languages)
            if label == "en":
                assert found.code in (None, "en"), text
                continue
            kind = "served" if languages.serves(label) else "other"
            total[kind] += 1
            if found.code is None:
                continue
            right = (
                found.code == languages.answer_in(label)
                if kind == "served"
                else found.detected in languages.group_of(label)
            )
            misheard[kind] += not right
    assert misheard["served"] / total["served"] <= 0.03
    assert misheard["other"] / total["other"] <= 0.04


def test_language_of_uses_the_default_settings() -> None:
    assert language_of("Mein Paket ist beschädigt angekommen, was soll ich tun") == "de"


def test_language_names_are_english() -> None:
    assert language_name("hr") == "Croatian"
    assert language_name("nb") == "Norwegian"
    assert language_name("zz") == "ZZ"


def test_the_component_sets_the_language_entity_only_for_served_languages(detect) -> None:  # type: ignore[no-untyped-def]
    component = LanguageIdentifier(dict(DEFAULT_CONFIG), detect=detect)
    croatian, german, short, button = (
        Message({"text": "Moja narudžba još nije stigla"}),
        Message({"text": "Wo ist meine Bestellung? Ich warte schon seit zwei Wochen."}),
        Message({"text": "ok"}),
        Message({"text": "/request_human"}),
    )
    component.process([croatian, german, short, button])
    assert croatian.get("language")["served"] is True
    assert [e["value"] for e in croatian.get("entities")] == ["hr"]
    assert german.get("language")["code"] == "de" and german.get("language")["served"] is False
    assert not german.get("entities")
    assert short.get("language")["code"] is None and not short.get("entities")
    assert button.get("language")["code"] is None


def test_the_contract_is_consistent() -> None:
    languages = load()
    assert languages.served[0] == "en"
    for group in languages.groups:
        assert sum(code in languages.served for code in group) <= 1, group


def test_the_contract_rejects_a_language_in_two_groups(tmp_path: Path) -> None:
    bad = tmp_path / "languages.yml"
    bad.write_text("served: [en]\ngroups: [[hr, bs], [bs, sr]]\n")
    with pytest.raises(ValueError, match="two groups"):
        load(bad)
    assert isinstance(load(), Languages)


def test_config_yml_keeps_the_component_defaults() -> None:
    # The guard policy identifies messages NLU never saw with DEFAULT_CONFIG; a config.yml
    # override would make the two disagree.
    config = yaml.safe_load((REPO / "config.yml").read_text())
    entry = next(c for c in config["pipeline"] if c["name"] == "bot.language.LanguageIdentifier")
    assert set(entry) == {"name"}


def test_the_language_the_customer_picked_wins_when_the_bot_serves_it() -> None:
    parse = {
        "text": "ok",
        "entities": [{"entity": "order_number", "value": "TD-1"}],
        "language": {"code": None, "detected": None, "confidence": 0.0, "served": False},
    }
    picked = with_picked_language(parse, "TL")
    assert picked["language"]["code"] == "tl" and picked["language"]["picked"] is True
    assert [e["entity"] for e in picked["entities"]] == ["order_number", "language"]
    assert picked["entities"][-1]["value"] == "tl"
    assert with_picked_language(parse, "bs")["language"]["code"] == "hr"  # its group's
    assert with_picked_language(parse, "sw") is parse  # not served: detection decides
    assert with_picked_language(parse, None) is parse
