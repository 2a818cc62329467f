"""The handoff reasons come from the contract the bot, the actions and the service share."""

from pathlib import Path

import pytest

from handoff.config.reasons import CONTRACT, REASONS, load_reasons, normalise_reason


def test_the_contract_lists_every_reason_the_service_counts() -> None:
    assert CONTRACT.parent.name == "contract" and CONTRACT.is_file()
    bot = {"requested", "frustration", "low_confidence", "triage", "language", "loop"}
    assert bot | {"bot_unavailable", "other"} == set(REASONS)
    assert all(REASONS[name].meaning and "bot" in REASONS[name].decided_by for name in bot)
    assert REASONS["bot_unavailable"].decided_by == {"service"}


@pytest.mark.parametrize(
    "text",
    [
        "reasons: []\n",
        "reasons:\n  other: {decided_by: [service]}\n",
        "reasons:\n  other: {meaning: x, decided_by: [agents]}\n",
        "reasons:\n  requested: {meaning: x, decided_by: [bot]}\n",  # 'other' is required
    ],
)
def test_a_malformed_contract_is_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "reasons.yml"
    path.write_text(text)
    with pytest.raises(ValueError, match=str(path)):
        load_reasons(path)


def test_reasons_from_the_bot_are_normalised() -> None:
    assert normalise_reason("frustration") == "frustration"
    assert normalise_reason("made_up") == "other" and normalise_reason(None) == "other"
