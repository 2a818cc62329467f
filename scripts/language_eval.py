"""How well the language identifier tells languages apart, and what its models cost in memory.

    .venv/bot/bin/python scripts/language_eval.py     # accuracy + memory (make language-eval)
    .venv/bot/bin/python scripts/language_eval.py --json results/language.json

Accuracy is measured on tests/bot/fixtures/language_samples.yml (short shop-chat messages with
their language). A served language's message is right when the bot answers it in that language;
any other language's when it goes to someone who speaks its group; "unclear" means the message
was too short or uncertain (the conversation keeps its language). For English, what matters is
that it is never taken for another language.

Memory, each figure in a fresh process: the detector alone (RSS before and after building it,
Rasa already imported), lingua's 75 full models for comparison, and the Rasa process itself: the
trained model loaded and one message parsed, with the detector and with a stand-in that
identifies nothing (the difference is what the detector costs the running bot).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SAMPLES = ROOT / "tests" / "bot" / "fixtures" / "language_samples.yml"

_MEMORY_PROBE = """
import sys
def rss():
    with open('/proc/self/status') as f:
        return next(int(l.split()[1]) for l in f if l.startswith('VmRSS')) / 1024
sys.path.insert(0, {root!r})
import lingua, yaml  # the libraries (and Rasa, which bot.language imports) are not its cost
from bot.languages import served_languages
from bot.language import DEFAULT_CONFIG, LinguaDetector
before = rss()
mode = {mode!r}
if mode == "tandem":
    d = LinguaDetector(served_languages(), DEFAULT_CONFIG["neighbours"]); d("warm up")
else:
    from lingua import LanguageDetectorBuilder
    d = LanguageDetectorBuilder.from_all_languages().with_preloaded_language_models().build()
print(round(rss() - before))
"""


_RASA_PROBE = """
import asyncio, sys
def rss():
    with open('/proc/self/status') as f:
        return next(int(l.split()[1]) for l in f if l.startswith('VmRSS')) / 1024
sys.path.insert(0, {root!r})
import bot.language
if {stand_in!r}:
    from bot.language import Evidence
    bot.language.shared_detector = lambda: (lambda text: Evidence([], []))
from rasa.core.agent import Agent
agent = Agent.load({model!r})
asyncio.run(agent.parse_message("Moja narudžba još nije stigla"))
print(round(rss()))
"""


def measure_rasa(model: Path, *, stand_in: bool) -> int:
    code = _RASA_PROBE.format(root=str(ROOT), model=str(model), stand_in=stand_in)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return int(out.stdout.strip().splitlines()[-1])


def measure_memory(mode: str) -> int:
    code = _MEMORY_PROBE.format(root=str(ROOT), mode=mode)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return int(out.stdout.strip().splitlines()[-1])


def evaluate() -> dict[str, Any]:
    from bot.language import identify_language, shared_detector
    from bot.languages import served_languages

    languages = served_languages()
    detect = shared_detector()
    samples: dict[str, list[str]] = yaml.safe_load(SAMPLES.read_text(encoding="utf-8"))["samples"]
    report: dict[str, Any] = {}
    mistakes: list[str] = []
    for label, texts in samples.items():
        right = unclear = 0
        for text in texts:
            found = identify_language(text, detect, languages)
            if found.code is None:
                unclear += 1
                ok = label == "en"  # English customers start in English anyway
            elif label == "en":
                ok = found.code == "en"
            elif languages.serves(label):
                ok = found.code == languages.answer_in(label)
            else:
                ok = found.detected in languages.group_of(label)
            right += ok
            if not ok and found.code is not None:
                mistakes.append(f"{label} -> {found.detected} ({found.confidence}): {text}")
        report[label] = {"n": len(texts), "right": right, "unclear": unclear}
    return {"per_language": report, "mistakes": mistakes}


def summarise(per_language: dict[str, Any], codes: list[str]) -> tuple[int, int, int]:
    n = sum(per_language[c]["n"] for c in codes)
    right = sum(per_language[c]["right"] for c in codes)
    unclear = sum(per_language[c]["unclear"] for c in codes)
    return n, right, unclear


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory probes")
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from bot.languages import served_languages

    result = evaluate()
    per = result["per_language"]
    served = [c for c in served_languages().served if c in per]
    others = [c for c in per if c not in served]
    print(f"{'language':<10}{'messages':>9}{'right':>7}{'unclear':>9}")
    for code in [*served, *others]:
        row = per[code]
        print(f"{code:<10}{row['n']:>9}{row['right']:>7}{row['unclear']:>9}")
    for name, codes in (("served", served), ("others", others)):
        n, right, unclear = summarise(per, codes)
        print(f"{name}: {right}/{n} right ({right / n:.1%}), {unclear} unclear")
    english = per.get("en", {})
    taken_for_other = english.get("n", 0) - english.get("right", 0)
    print(f"English taken for another language: {taken_for_other} of {english.get('n', 0)}")
    if result["mistakes"]:
        print("mistakes:")
        for line in result["mistakes"]:
            print("  " + line)
    if not args.no_memory:
        tandem = measure_memory("tandem")
        everything = measure_memory("all-preloaded")
        result["memory_mb"] = {"tandem": tandem, "all_languages_preloaded": everything}
        print(f"detector memory: {tandem} MB (all 75 languages' full models: {everything} MB)")
        model = ROOT / "models" / "tandem.tar.gz"
        if model.exists():
            without = measure_rasa(model, stand_in=True)
            with_it = measure_rasa(model, stand_in=False)
            result["memory_mb"].update(rasa_without_detector=without, rasa_with_detector=with_it)
            print(
                f"Rasa process, model loaded: {with_it} MB with the detector, {without} MB with "
                f"a stand-in: +{with_it - without} MB"
            )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
