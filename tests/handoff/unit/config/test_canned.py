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
