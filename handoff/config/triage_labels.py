"""How agents read the triage summary: labels for its answers and words for their values, from
``contract/triage_labels.yml`` (shared with the bot's tests), sent to the console in ``hello``.

Example::

    labels = load_triage_labels()
    labels["fields"]["problem_category"]["values"]["order_not_arrived"]   # "Order not arrived"
"""

from __future__ import annotations

from pathlib import Path

import yaml

from handoff.protocol.agent import SummaryLabel, SummaryLabels

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "contract" / "triage_labels.yml"


def load_triage_labels(path: Path = DEFAULT_PATH) -> SummaryLabels:
    """The labels, checked: a field needs a ``label``; ``values`` map text to text."""
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    fields = data.get("fields") if isinstance(data, dict) else None
    if not isinstance(fields, dict):
        raise ValueError(f"{path} needs a 'fields' mapping")
    out: dict[str, SummaryLabel] = {}
    for key, spec in fields.items():
        if not isinstance(spec, dict) or not isinstance(spec.get("label"), str):
            raise ValueError(f"{path}: {key} needs a label")
        field: SummaryLabel = {"label": spec["label"]}
        if isinstance(spec.get("text"), str):
            field["text"] = spec["text"]
        values = spec.get("values") or {}
        if not isinstance(values, dict):
            raise ValueError(f"{path}: {key}'s values must be a mapping")
        if values:
            # YAML reads true/false/0 as such: their text is what the summary's JSON renders.
            field["values"] = {_text(k): str(v) for k, v in values.items()}
        out[str(key)] = field
    return {"fields": out}


def _text(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)
