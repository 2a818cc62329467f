"""The handoff reasons, read from the contract the bot, the actions and the service share
(``contract/handoff_reasons.yml`` at the repository root).

Example::

    REASONS["triage"].meaning        # "the triage form is complete and a person must act on it …"
    normalise_reason("frustration")  # "frustration"
    normalise_reason("made_up")      # "other": the bot named something the contract lacks
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

CONTRACT = Path(__file__).resolve().parents[2] / "contract" / "handoff_reasons.yml"
DECIDERS = frozenset({"bot", "service"})
UNKNOWN = "other"  # what an unlisted reason from the bot is counted as


@dataclass(frozen=True)
class Reason:
    name: str
    meaning: str
    decided_by: frozenset[str]


def load_reasons(path: Path = CONTRACT) -> dict[str, Reason]:
    """The contract's reasons by name; raises ``ValueError`` naming what is malformed."""
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    raw = data.get("reasons") if isinstance(data, dict) else None
    if not isinstance(raw, dict) or not raw:
        raise ValueError(f"{path}: expected a 'reasons' mapping")
    reasons: dict[str, Reason] = {}
    for name, spec in raw.items():
        where = f"{path}: reason {name!r}"
        if not isinstance(spec, dict) or not isinstance(spec.get("meaning"), str):
            raise ValueError(f"{where} needs a one-line 'meaning'")
        deciders = spec.get("decided_by")
        if not isinstance(deciders, list) or not deciders or not set(deciders) <= DECIDERS:
            raise ValueError(f"{where}: 'decided_by' must list some of {sorted(DECIDERS)}")
        reasons[str(name)] = Reason(str(name), spec["meaning"].strip(), frozenset(deciders))
    if UNKNOWN not in reasons:
        raise ValueError(f"{path}: the reason {UNKNOWN!r} must be listed")
    return reasons


REASONS: Mapping[str, Reason] = load_reasons()


def normalise_reason(reason: object) -> str:
    """A reason from the bot mapped onto the contract; one it does not list becomes ``other``."""
    return reason if isinstance(reason, str) and reason in REASONS else UNKNOWN
