"""Loads the newly trained model into the running stack's Rasa, without a restart.

    .venv/handoff/bin/python scripts/reload_model.py     # what `make content` runs at its end

``make run`` (scripts/stack.py) starts Rasa with its HTTP API on loopback and writes the URL and a
token for this run to run/rasa-api.json; this script asks that Rasa to load models/tandem.tar.gz
(``PUT /model``, Rasa's documented way to swap models), then checks the bot channel's health
reports the new model. Conversations carry on: trackers live in Redis, not in the model.

Exit status: 0 when the model was loaded or no stack is running (nothing to do), 1 when a running
Rasa refused or failed to load it. Standard library only: it runs under either environment.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from stack import MODEL, RASA_API_FILE  # noqa: E402  (scripts/ is not a package)

LOAD_TIMEOUT_S = 300  # loading the language models and the classifier takes ~20 s here


def running_rasa(run_dir: Path) -> dict[str, str] | None:
    """The running stack's Rasa (url, token), or None when no stack is running."""
    path = run_dir / RASA_API_FILE
    try:
        found = json.loads(path.read_text())
        os.kill(int(found["pid"]), 0)  # the stack that wrote it still runs
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return {"url": str(found["url"]), "token": str(found["token"])}


def call(method: str, url: str, body: dict[str, str] | None = None, timeout: float = 10) -> bytes:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=timeout) as reply:  # noqa: S310 (loopback)
        return bytes(reply.read())


def reload(run_dir: Path, model: Path) -> int:
    rasa = running_rasa(run_dir)
    if rasa is None:
        print("    no stack is running: `make run` will start with the new model")
        return 0
    query = urllib.parse.urlencode({"token": rasa["token"]})
    started = time.monotonic()
    print(f"    loading {model.name} into the running bot ({rasa['url']}) …", flush=True)
    try:
        call("PUT", f"{rasa['url']}/model?{query}", {"model_file": str(model)}, LOAD_TIMEOUT_S)
        health = json.loads(call("GET", f"{rasa['url']}/webhooks/tandem/health"))
    except urllib.error.HTTPError as error:
        detail = error.read().decode(errors="replace")[:500]
        print(f"error: Rasa refused the model ({error.code}): {detail}", file=sys.stderr)
        return 1
    except (urllib.error.URLError, OSError) as error:
        print(f"error: could not reach the running Rasa: {error}", file=sys.stderr)
        return 1
    took = time.monotonic() - started
    print(f"    the running bot now uses model {health.get('model')} (loaded in {took:.0f} s)")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--run-dir", type=Path, default=ROOT / "run")
    parser.add_argument("--model", type=Path, default=MODEL)
    args = parser.parse_args()
    return reload(args.run_dir, args.model.resolve())


if __name__ == "__main__":
    sys.exit(main())
