"""Evaluates the trained model's NLU on held-out files and tunes the fallback thresholds.

    .venv/bot/bin/python scripts/nlu_eval.py tests/nlu/heldout                # report, per language
    .venv/bot/bin/python scripts/nlu_eval.py tests/nlu/heldout/hr.yml         # one language
    .venv/bot/bin/python scripts/nlu_eval.py tests/nlu/tuning --tune          # threshold sweep

A directory holds one file per language (``<code>.yml``); each is scored on its own, then all
together. Held-out examples that also occur word for word in the training data (short ones like
"hvala" or "ok" do) are counted, and the F1 without them is reported beside the headline.

Labels are full intents: "faq/<topic>" for FAQs (intent + response selector), and
"nlu_fallback" for messages the bot should not answer confidently. The bot's ``out_of_scope``
intent means exactly that (it answers "I can't help with that here" and a repeat hands off, as
for a fallback), so predicting it for such a message counts as correct. A message the language
identifier takes for a language the bot does not serve counts as predicted "language_handoff"
(always wrong here: every file is in a served language). Fallback decisions are recomputed from
the intent ranking, so one parse serves every threshold pair.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parent.parent
FALLBACK = "nlu_fallback"
REQUEST_HUMAN = "request_human"
OUT_OF_SCOPE = "out_of_scope"


def load_examples(path: Path) -> list[tuple[str, str]]:
    """(text, label) pairs from a Rasa NLU YAML file without entity markup."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    examples = []
    for block in data.get("nlu", []):
        if "intent" not in block:
            continue
        for line in block["examples"].splitlines():
            text = line.strip()
            if text.startswith("- "):
                examples.append((text[2:].strip(), block["intent"]))
    return examples


async def parse_all(model: Path, texts: list[str]) -> list[dict[str, Any]]:
    import logging

    from rasa.core.agent import Agent
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)

    agent = Agent.load(str(model))
    return [await agent.parse_message(text) for text in texts]


def raw_prediction(parse: dict[str, Any]) -> tuple[str, float, float]:
    """(full intent, top confidence, margin to the runner-up), ignoring the fallback decision."""
    ranking = [r for r in parse.get("intent_ranking", []) if r["name"] != FALLBACK]
    language = parse.get("language") or {}
    if language.get("code") and not language.get("served", True):
        return "language_handoff", 1.0, 1.0
    top = ranking[0]
    second = ranking[1]["confidence"] if len(ranking) > 1 else 0.0
    name = top["name"]
    if name == OUT_OF_SCOPE:
        return FALLBACK, 1.0, 1.0
    if name == "faq":
        selector = parse.get("response_selector", {}).get("faq", {}).get("response", {})
        name = selector.get("intent_response_key") or "faq"
    return name, top["confidence"], top["confidence"] - second


def predict(raw: tuple[str, float, float], threshold: float, ambiguity: float) -> str:
    name, confidence, margin = raw
    if name != "language_handoff" and (confidence < threshold or margin < ambiguity):
        return FALLBACK
    return name


def scores(gold: list[str], predicted: list[str]) -> dict[str, Any]:
    labels = sorted(set(gold))
    per_label = {}
    for label in labels:
        tp = sum(g == p == label for g, p in zip(gold, predicted, strict=True))
        fp = sum(p == label != g for g, p in zip(gold, predicted, strict=True))
        fn = sum(g == label != p for g, p in zip(gold, predicted, strict=True))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_label[label] = {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn}
    in_scope = [label for label in labels if label != FALLBACK]
    human = [p for g, p in zip(gold, predicted, strict=True) if g == REQUEST_HUMAN]
    return {
        "examples": len(gold),
        "accuracy": sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold),
        "macro_f1": sum(per_label[label]["f1"] for label in labels) / len(labels),
        "macro_f1_in_scope": sum(per_label[label]["f1"] for label in in_scope) / len(in_scope),
        "request_human_recall": per_label.get(REQUEST_HUMAN, {}).get("recall", 0.0),
        # A request that falls back still gets "Talk to a person" as a button: not trapped.
        "request_human_trapped": sum(p not in (REQUEST_HUMAN, FALLBACK) for p in human),
        "per_label": per_label,
    }


def sweep(gold: list[str], raws: list[tuple[str, float, float]]) -> list[dict[str, Any]]:
    rows = []
    for threshold in [x / 100 for x in range(20, 90, 5)]:
        for ambiguity in [0.0, 0.02, 0.04, 0.06, 0.08, 0.1, 0.15, 0.2]:
            result = scores(gold, [predict(r, threshold, ambiguity) for r in raws])
            rows.append({"threshold": threshold, "ambiguity": ambiguity, **result})
    return sorted(rows, key=lambda r: (-r["macro_f1"], r["threshold"]))


def configured_thresholds() -> tuple[float, float]:
    config = yaml.safe_load((ROOT / "config.yml").read_text())
    for component in config["pipeline"]:
        if component["name"] == "FallbackClassifier":
            return component["threshold"], component["ambiguity_threshold"]
    raise SystemExit("config.yml has no FallbackClassifier")


def training_texts() -> set[str]:
    """Every training example, lower-cased, without entity markup."""
    texts = set()
    for path in (ROOT / "data" / "nlu").glob("**/*.yml"):
        for text, _ in load_examples(path):
            texts.add(_plain(text))
    return texts


def _plain(text: str) -> str:
    return re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", text).strip().lower()


def held_out_files(data: Path) -> list[Path]:
    if data.is_dir():
        return sorted(data.glob("*.yml"), key=lambda p: (p.stem != "en", p.stem))
    return [data]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="a held-out file, or a directory of them")
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "tandem.tar.gz")
    parser.add_argument("--tune", action="store_true", help="sweep the fallback thresholds")
    parser.add_argument("--json", type=Path, help="write the full result here")
    args = parser.parse_args()

    files = held_out_files(args.data)
    per_file = {path: load_examples(path) for path in files}
    examples = [e for path in files for e in per_file[path]]
    gold = [label for _, label in examples]
    print(f"parsing {len(examples)} examples from {args.data} with {args.model} …", flush=True)
    parses = asyncio.run(parse_all(args.model, [text for text, _ in examples]))
    raws = [raw_prediction(p) for p in parses]

    if args.tune:
        rows = sweep(gold, raws)
        print("\nthreshold ambiguity macro_f1 in_scope_f1 human_recall trapped")
        for row in rows[:10]:
            print(
                f"{row['threshold']:9.2f} {row['ambiguity']:9.2f} {row['macro_f1']:8.3f} "
                f"{row['macro_f1_in_scope']:11.3f} {row['request_human_recall']:12.3f} "
                f"{row['request_human_trapped']:7d}"
            )
        best = rows[0]
        print(f"\nbest: threshold {best['threshold']}, ambiguity_threshold {best['ambiguity']}")
        return 0

    threshold, ambiguity = configured_thresholds()
    predicted = [predict(r, threshold, ambiguity) for r in raws]
    trained = training_texts()
    report: dict[str, Any] = {"threshold": threshold, "ambiguity_threshold": ambiguity}
    offset = 0
    print(
        f"\n{'held-out':<10}{'examples':>9}{'macro-F1':>10}{'in scope':>10}{'accuracy':>10}"
        f"{'human recall':>14}{'trapped':>9}{'also trained':>14}{'F1 without':>12}"
    )
    groups = [(path.stem, per_file[path]) for path in files]
    if len(files) > 1:
        groups.append(("all", examples))
    for name, group in groups:
        if name == "all":
            g_gold, g_pred, g_examples = gold, predicted, examples
        else:
            g_examples = group
            g_gold = [label for _, label in group]
            g_pred = predicted[offset : offset + len(group)]
            offset += len(group)
        result = scores(g_gold, g_pred)
        distinct = [i for i, (text, _) in enumerate(g_examples) if _plain(text) not in trained]
        unseen = scores([g_gold[i] for i in distinct], [g_pred[i] for i in distinct])
        result["also_in_training"] = len(g_examples) - len(distinct)
        result["macro_f1_without_those"] = unseen["macro_f1"]
        result["errors"] = [
            {"text": text, "gold": g, "predicted": p}
            for (text, g), p in zip(g_examples, g_pred, strict=True)
            if g != p
        ]
        report[name] = result
        print(
            f"{name:<10}{result['examples']:>9}{result['macro_f1']:>10.3f}"
            f"{result['macro_f1_in_scope']:>10.3f}{result['accuracy']:>10.3f}"
            f"{result['request_human_recall']:>14.3f}{result['request_human_trapped']:>9}"
            f"{result['also_in_training']:>14}{result['macro_f1_without_those']:>12.3f}"
        )
    print(f"(thresholds {threshold}/{ambiguity})")
    last = report["all"] if len(files) > 1 else report[files[0].stem]
    print("\nconfusions (gold -> predicted: count):")
    for (g, p), n in Counter((e["gold"], e["predicted"]) for e in last["errors"]).most_common(15):
        print(f"  {g} -> {p}: {n}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
