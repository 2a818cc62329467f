"""Canned responses from the YAML file writers edit: malformed entries are named."""

from pathlib import Path

import pytest

from handoff.config.canned import CannedError, load_canned


def test_entries_get_defaults(tmp_path: Path) -> None:
    path = tmp_path / "canned.yml"
    path.write_text("- {id: hi, title: Greeting, text: 'Hi, Ana here.'}\n")
    assert load_canned(path) == [
        {"id": "hi", "title": "Greeting", "text": "Hi, Ana here.", "language": "en", "tags": []}
    ]


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("{id: x}\n", "expected a list"),
        ("- just text\n", "expected a mapping"),
        ("- {id: x, title: '', text: t}\n", "'title'"),
        ("- {id: x, title: t, text: t}\n- {id: x, title: u, text: u}\n", "duplicate id"),
        ("- {id: x, title: t, text: t, tags: oops}\n", "'tags'"),
    ],
)
def test_malformed_files_name_the_entry(tmp_path: Path, text: str, complaint: str) -> None:
    path = tmp_path / "canned.yml"
    path.write_text(text)
    with pytest.raises(CannedError, match=complaint):
        load_canned(path)


def test_a_shortcut_groups_one_variant_per_language(tmp_path: Path) -> None:
    path = tmp_path / "canned.yml"
    path.write_text(
        "- {id: hi, title: Greeting, text: 'Hi {name}!', shortcut: hi}\n"
        "- {id: hi_de, title: Begrüßung, text: 'Hallo {name}!', language: de, shortcut: hi}\n"
    )
    assert [(r["id"], r["language"], r.get("shortcut")) for r in load_canned(path)] == [
        ("hi", "en", "hi"),
        ("hi_de", "de", "hi"),
    ]


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("- {id: x, title: t, text: t, shortcut: 'Two Words'}\n", "'shortcut'"),
        (
            "- {id: x, title: t, text: t, shortcut: s}\n"
            "- {id: y, title: u, text: u, shortcut: s}\n",
            "two en variants",
        ),
    ],
)
def test_malformed_shortcuts_name_the_entry(tmp_path: Path, text: str, complaint: str) -> None:
    path = tmp_path / "canned.yml"
    path.write_text(text)
    with pytest.raises(CannedError, match=complaint):
        load_canned(path)


def test_the_shipped_file_is_valid_and_its_shortcuts_have_an_english_variant() -> None:
    shipped = load_canned(
        Path(__file__).resolve().parents[4] / "handoff/config/canned_responses.yml"
    )
    shortcuts = {r["shortcut"] for r in shipped if "shortcut" in r}
    english = {r["shortcut"] for r in shipped if "shortcut" in r and r["language"] == "en"}
    assert shortcuts and shortcuts == english
