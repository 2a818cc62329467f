"""Agent assist's figures from the project's own data: hit@1 and hit@3 of the suggestions.

    .venv/handoff/bin/python scripts/assist_eval.py                  # starts its own Rasa
    .venv/handoff/bin/python scripts/assist_eval.py --rasa run        # the running `make run`
    .venv/handoff/bin/python scripts/assist_eval.py --retrieval-only  # no Rasa at all

Two sources, each scored on questions it has never seen, per language and overall; a hit is
the right answer's text among the suggestions the console would show (first one: hit@1; any
of the three: hit@3), computed by the service's own ``Suggester`` (services/assist.py):

- **FAQ** (the bot's answer): every ``faq/<topic>`` example of the held-out NLU split
  (``tests/nlu/heldout/<lang>.yml``, never trained on) is parsed by the trained model through
  Rasa's HTTP API (``/model/parse``, as the service does); the right answer is the bot's answer
  for the labelled topic in that language (``data/responses``). No past replies are stored, so
  the three suggestions are the FAQ answer and canned responses.
- **Past replies** (retrieval): replayed conversations. Every training example of every intent
  (``data/nlu/<lang>/*.yml``) becomes a closed, well-rated conversation: the customer asks it,
  an agent answers with the reply the team gives for that intent (one per intent and language),
  and ``pairs_of`` takes the pair from the transcript exactly as the service does on a rating.
  Then the held-out paraphrases are asked with the FAQ source off (an empty parse): the right
  answer is their intent's reply.

Writes ``bench/results/assist-eval.json`` and prints a Markdown table (docs/agent-assist.md).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from handoff.config.canned import load_canned  # noqa: E402
from handoff.config.faq_answers import FaqAnswers, load_faq_answers  # noqa: E402
from handoff.config.settings import DEFAULT_CANNED  # noqa: E402
from handoff.domain.past_replies import PastReplies, pairs_of  # noqa: E402
from handoff.services.assist import Suggester  # noqa: E402
from handoff.services.rasa_api import RasaApi  # noqa: E402

HELDOUT = ROOT / "tests" / "nlu" / "heldout"
TRAINING = ROOT / "data" / "nlu"
RESULTS = ROOT / "bench" / "results" / "assist-eval.json"
MODEL = ROOT / "models" / "tandem.tar.gz"
RASA = ROOT / ".venv" / "bot" / "bin" / "rasa"
FAQ_CONFIDENCE = 0.5  # TANDEM_ASSIST_FAQ_CONFIDENCE's default


def examples(path: Path) -> list[tuple[str, str]]:
    """(text, intent) pairs of a Rasa NLU file, entity markup removed."""
    import re

    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    found = []
    for block in data.get("nlu", []):
        if "intent" not in block:
            continue
        for line in block["examples"].splitlines():
            text = line.strip()
            if text.startswith("- "):
                text = re.sub(r"\[([^\]]*)\]\([^)]*\)|\[([^\]]*)\]\{[^}]*\}", r"\1\2", text[2:])
                found.append((text.strip(), str(block["intent"])))
    return found


def languages() -> list[str]:
    return sorted(p.stem for p in HELDOUT.glob("*.yml"))


def team_reply(intent: str, language: str, faq: FaqAnswers) -> str:
    """What the team answers for ``intent``: the first sentence of the bot's FAQ answer in the
    language (agents write shorter), else a reply that names the intent."""
    text = faq.text(intent, language) if intent.startswith("faq/") else None
    if text:
        return text.split(". ")[0].rstrip(".") + "."
    return f"[{language}] the agents' reply for {intent}"


def score(hits: list[tuple[bool, bool]]) -> dict[str, Any]:
    n = len(hits)
    return {
        "n": n,
        "hit@1": round(sum(a for a, _ in hits) / n, 3) if n else None,
        "hit@3": round(sum(b for _, b in hits) / n, 3) if n else None,
    }


async def faq_figures(parse: Any, faq: FaqAnswers) -> dict[str, Any]:
    canned = load_canned(DEFAULT_CANNED)
    suggester = Suggester(
        parse=parse, faq=faq, canned=canned, index=PastReplies(cap=1), faq_confidence=FAQ_CONFIDENCE
    )
    by_language: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    for language in languages():
        for text, intent in examples(HELDOUT / f"{language}.yml"):
            if not intent.startswith("faq/"):
                continue
            right = faq.text(intent, language)
            shown = [s["text"] for s in await suggester.suggest(text, language)]
            by_language[language].append((shown[:1] == [right], right in shown[:3]))
    return _tables(by_language)


async def retrieval_figures(faq: FaqAnswers) -> dict[str, Any]:
    index = PastReplies(cap=1_000_000)
    conversations = 0
    answered: dict[str, set[str]] = defaultdict(set)  # the intents the team has replied to
    for language in languages():
        pairs = []
        for path in sorted((TRAINING / language).glob("*.yml")):
            for text, intent in examples(path):
                answered[language].add(intent)
                transcript: list[dict[str, object]] = [
                    {"author": "customer", "text": text},
                    {"author": "agent", "text": team_reply(intent, language, faq)},
                ]
                conversations += 1
                pairs += pairs_of(
                    transcript, language=language, csat=5, conversation_id=f"c_{conversations}"
                )
        index.add(pairs)

    async def no_parse(_: str) -> dict[str, Any]:
        return {}

    suggester = Suggester(parse=no_parse, faq=faq, canned=[], index=index, faq_confidence=1.1)
    by_language: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    for language in languages():
        for text, intent in examples(HELDOUT / f"{language}.yml"):
            if intent not in answered[language]:  # nlu_fallback: nobody answered it before
                continue
            right = team_reply(intent, language, faq)
            shown = [
                s["text"] for s in await suggester.suggest(text, language) if s["source"] == "past"
            ]
            by_language[language].append((shown[:1] == [right], right in shown[:3]))
    figures = _tables(by_language)
    figures["stored_pairs"] = len(index)
    return figures


def _tables(by_language: dict[str, list[tuple[bool, bool]]]) -> dict[str, Any]:
    every = [hit for hits in by_language.values() for hit in hits]
    return {
        "all": score(every),
        **{lang: score(hits) for lang, hits in sorted(by_language.items())},
    }


class OwnRasa:
    """A Rasa with its HTTP API on a free loopback port, for as long as the evaluation runs."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.token = secrets.token_urlsafe(24)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> OwnRasa:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        log = (self.run_dir / "rasa.log").open("wb")
        argv = [
            str(RASA),
            "run",
            "--model",
            str(MODEL),
            "-i",
            "127.0.0.1",
            "--port",
            str(self.port),
        ]
        argv += [
            "--credentials",
            str(ROOT / "credentials.yml"),
            "--endpoints",
            str(ROOT / "endpoints.yml"),
        ]
        argv += ["--enable-api", f"--auth-token={self.token}"]
        env = {k: v for k, v in os.environ.items() if not k.startswith("TANDEM_")}
        print(f"==> Rasa on 127.0.0.1:{self.port} (loading the model takes ~20 s)", flush=True)
        self.process = subprocess.Popen(
            argv, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"Rasa exited; see {self.run_dir / 'rasa.log'}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/", timeout=2):
                    break
            except OSError:
                time.sleep(1)
        else:
            raise SystemExit("Rasa did not start in time")
        (self.run_dir / "rasa-api.json").write_text(
            json.dumps(
                {"url": f"http://127.0.0.1:{self.port}", "token": self.token, "pid": os.getpid()}
            )
        )
        return self

    def __exit__(self, *_: object) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)


def markdown(figures: dict[str, Any]) -> str:
    rows = ["| source | language | questions | hit@1 | hit@3 |", "|---|---|---|---|---|"]
    for source in ("faq", "past_replies"):
        table = figures.get(source) or {}
        for language, cell in table.items():
            if isinstance(cell, dict):
                rows.append(
                    f"| {source} | {language} | {cell['n']} | {cell['hit@1']} | {cell['hit@3']} |"
                )
    return "\n".join(rows)


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    faq = load_faq_answers(ROOT / "data" / "responses")
    figures: dict[str, Any] = {"faq_confidence": FAQ_CONFIDENCE}
    print("==> past replies: replayed conversations, then the held-out paraphrases", flush=True)
    figures["past_replies"] = await retrieval_figures(faq)
    if args.retrieval_only:
        return figures
    if args.rasa:
        rasa = RasaApi(Path(args.rasa), timeout=30)
        if rasa.endpoint() is None:
            raise SystemExit(f"no running Rasa API in {args.rasa}/rasa-api.json (make run)")
        print("==> FAQ: the held-out split through the running stack's Rasa", flush=True)
        figures["faq"] = await faq_figures(_strict(rasa), faq)
        return figures
    with OwnRasa(ROOT / "run" / "assist-eval") as own:
        print("==> FAQ: the held-out split through Rasa's /model/parse", flush=True)
        figures["faq"] = await faq_figures(_strict(RasaApi(own.run_dir, timeout=30)), faq)
    return figures


def _strict(rasa: RasaApi) -> Any:
    """The service's parse, but an unreachable Rasa stops the evaluation instead of scoring 0."""

    async def parse(text: str) -> dict[str, Any]:
        found = await rasa.parse_with_answers(text)  # as the service parses
        if "error" in found:
            raise SystemExit(f"parse failed: {found['error']}")
        return found

    return parse


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rasa", help="a run directory with rasa-api.json (make run's: run)")
    parser.add_argument("--retrieval-only", action="store_true", help="no Rasa: past replies only")
    args = parser.parse_args()
    figures = asyncio.run(main_async(args))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n")
    print(markdown(figures))
    print(f"==> wrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
