"""Content checks for writers: every served language has what the bot needs to speak it.

    .venv/bot/bin/python scripts/check_content.py        # make content runs it; so does make test

For each language in contract/languages.yml ``served``, and against English:
- examples for every intent (data/nlu/<code>/, at least MIN_EXAMPLES each);
- a variation of every response and FAQ answer (data/responses/*.yml, condition on the
  ``language`` slot), with the same {placeholders} and the same "/intent" button payloads;
- button labels (actions/labels/<code>.yml), the triage vocabulary (actions/locales/<code>.yml),
  the service's sentences (handoff/config/system_messages.yml), a held-out set
  (tests/nlu/heldout/<code>.yml) and dialogue tests (tests/conversations/test_<code>.yml).
And every text a customer reads, in any language, keeps its language's polite register
(scripts/register.py, docs/languages.md).

Each problem names the file and the key; the exit status is 1 when there is any.
"""

from __future__ import annotations

import string
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import register
import yaml

ROOT = Path(__file__).resolve().parent.parent
MIN_EXAMPLES = 10
# The handoff for another language speaks that language itself, not the served ones.
NOT_TRANSLATED = {"utter_handoff_language"}


Responses = dict[str, tuple[str, list[dict[str, Any]]]]  # name -> (file, variations)


def _examples(path: Path) -> Counter[str]:
    counts: Counter[str] = Counter()
    for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
        if "intent" in block:
            lines = block.get("examples", "").splitlines()
            counts[block["intent"]] += sum(line.strip().startswith("- ") for line in lines)
    return counts


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _language_of(variation: dict[str, Any]) -> str | None:
    for condition in variation.get("condition") or []:
        if condition.get("name") == "language":
            return str(condition.get("value"))
    return None


def _slash_payloads(variation: dict[str, Any]) -> list[str]:
    return sorted(
        b["payload"] for b in variation.get("buttons") or [] if str(b["payload"]).startswith("/")
    )


def check(root: Path = ROOT) -> list[str]:
    """Every problem found, one line each."""
    problems: list[str] = []
    contract = yaml.safe_load((root / "contract/languages.yml").read_text(encoding="utf-8"))
    served = [code for code in contract["served"] if code != "en"]

    english: Counter[str] = Counter()
    english_file: dict[str, str] = {}
    for path in sorted((root / "data/nlu/en").glob("*.yml")):
        for intent, n in _examples(path).items():
            english[intent] += n
            english_file.setdefault(intent, str(path.relative_to(root)))
    responses: Responses = {}
    for path in sorted((root / "data/responses").glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for name, variations in (data.get("responses") or {}).items():
            responses[name] = (str(path.relative_to(root)), variations)
    labels_en = yaml.safe_load((root / "actions/labels/en.yml").read_text(encoding="utf-8"))
    system = yaml.safe_load(
        (root / "handoff/config/system_messages.yml").read_text(encoding="utf-8")
    )

    for code in served:
        folder = root / "data/nlu" / code
        have: Counter[str] = Counter()
        for path in sorted(folder.glob("*.yml")):
            have.update(_examples(path))
        for intent, n in sorted(english.items()):
            if have[intent] < MIN_EXAMPLES:
                problems.append(
                    f"data/nlu/{code}/: intent '{intent}' has {have[intent]} examples (at least "
                    f"{MIN_EXAMPLES}; English has {n} in {english_file[intent]})"
                )
        problems += _check_responses(code, responses)
        labels_path = root / "actions/labels" / f"{code}.yml"
        labels = (
            yaml.safe_load(labels_path.read_text(encoding="utf-8")) if labels_path.exists() else {}
        )
        for key in sorted(set(labels_en) - set(labels or {})):
            problems.append(f"actions/labels/{code}.yml: no label for '{key}'")
        locale = root / "actions/locales" / f"{code}.yml"
        if not locale.exists():
            problems.append(f"actions/locales/{code}.yml: missing (the triage form's words)")
        for key in sorted(set(system["en"]) - set(system.get(code) or {})):
            problems.append(f"handoff/config/system_messages.yml: '{code}' lacks '{key}'")
        for must in (f"tests/nlu/heldout/{code}.yml", f"tests/conversations/test_{code}.yml"):
            if not (root / must).exists():
                problems.append(f"{must}: missing")
    return problems + register.problems(root)


def _check_responses(code: str, responses: Responses) -> list[str]:
    problems = []
    for name, (path, variations) in sorted(responses.items()):
        if name in NOT_TRANSLATED:
            continue
        default = next((v for v in variations if not v.get("condition")), None)
        if default is None:
            problems.append(f"{path}: {name} has no English variation (one without a condition)")
            continue
        own = [v for v in variations if _language_of(v) == code]
        if not own:
            problems.append(f"{path}: {name} has no '{code}' variation")
            continue
        for variation in own:
            missing = _placeholders(default["text"]) - _placeholders(variation.get("text", ""))
            extra = _placeholders(variation.get("text", "")) - _placeholders(default["text"])
            if missing or extra:
                problems.append(
                    f"{path}: {name} ({code}) placeholders differ from English: "
                    f"missing {sorted(missing)}, unknown {sorted(extra)}"
                )
            if _slash_payloads(variation) != _slash_payloads(default):
                problems.append(
                    f"{path}: {name} ({code}) buttons send {_slash_payloads(variation)}, "
                    f"English sends {_slash_payloads(default)}"
                )
    return problems


def main() -> int:
    problems = check()
    if problems:
        print(f"content checks: {len(problems)} problem(s)")
        for problem in problems:
            print(f"  - {problem}")
        return 1
    contract = yaml.safe_load((ROOT / "contract/languages.yml").read_text(encoding="utf-8"))
    print(
        f"content checks passed: {', '.join(contract['served'])} have everything English has, "
        "and every text keeps its language's register"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
