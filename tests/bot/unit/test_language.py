"""Language identification with the real lingua models (bot/language.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.language import DEFAULT_CONFIG, _shared_detector, identify_language, language_of

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def detect():  # type: ignore[no-untyped-def]
    return _shared_detector(tuple(DEFAULT_CONFIG["languages"]))


def identify(text: str, detect) -> str:  # type: ignore[no-untyped-def]
    code, _ = identify_language(
        text, detect, DEFAULT_CONFIG["min_confidence"], DEFAULT_CONFIG["min_words"]
    )
    return code


@pytest.mark.parametrize(
    "text",
    [
        "ok", "agent", "human", "hi", "yes please", "pls refund", "lol wtf", "thanks a lot",
        "TD-482913", "can i speak to an agnet pls", "Talk to a person", "my parcel never came",
        "samsung galaxy s22", "gotta go", "this is useless", "where is my stuff",
        "hjkhjk lkjlkj", "ciao", "merci", "danke",
    ],
)  # fmt: skip
def test_short_english_and_noise_stay_english(text: str, detect) -> None:  # type: ignore[no-untyped-def]
    assert identify(text, detect) == "en"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Wo ist meine Bestellung? Ich warte schon lange.", "de"),
        ("Je voudrais parler à quelqu'un, s'il vous plaît", "fr"),
        ("¿Dónde está mi pedido? Lo pedí hace dos semanas", "es"),
        ("Gdzie jest moje zamówienie", "pl"),
        ("где мой заказ", "ru"),
        ("我的订单在哪里", "zh"),
        ("Il mio pacco non è ancora arrivato", "it"),
    ],
)
def test_clear_foreign_messages_are_identified(text: str, code: str, detect) -> None:  # type: ignore[no-untyped-def]
    assert identify(text, detect) == code


def test_language_of_uses_the_default_settings() -> None:
    assert language_of("Mein Paket ist beschädigt angekommen") == "de"


def test_config_yml_keeps_the_component_defaults() -> None:
    # The guard policy identifies messages NLU never saw with DEFAULT_CONFIG; a config.yml
    # override would make the two disagree.
    config = yaml.safe_load((REPO / "config.yml").read_text())
    entry = next(c for c in config["pipeline"] if c["name"] == "bot.language.LanguageIdentifier")
    assert set(entry) == {"name"}
