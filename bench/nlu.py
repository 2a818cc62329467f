"""Intent macro-F1 on the held-out split: ``scripts/nlu_eval.py`` with the bot's environment.

Evaluates the shipped model (``models/tandem.tar.gz``, what ``make train`` keeps up to date and
what the bot benchmark serves) and reads the script's ``--json`` output.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.procs import ROOT

PYTHON = ROOT / ".venv" / "bot" / "bin" / "python"
MODEL = ROOT / "models" / "tandem.tar.gz"


def run(run_dir: Path, *, quick: bool, log: Any, profile: Any = None) -> dict[str, Any]:
    run_dir.mkdir(parents=True, exist_ok=True)
    if not MODEL.exists():
        raise RuntimeError(f"no trained model at {MODEL}: run 'make train' first")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "nlu.json"
        # The held-out split, one file per language (the directory ``make nlu-eval`` reads).
        argv = [str(PYTHON), "scripts/nlu_eval.py", "tests/nlu/heldout"]
        argv += ["--model", str(MODEL), "--json", str(out)]
        t0 = time.monotonic()
        with (run_dir / "nlu_eval.log").open("wb") as handle:
            code = subprocess.run(
                argv, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT, timeout=900
            ).returncode
        if code != 0 or not out.exists():
            raise RuntimeError(f"nlu_eval.py exited with {code}; see {run_dir / 'nlu_eval.log'}")
        report = json.loads(out.read_text())
    # The report has one section per language and "all", the whole split (scripts/nlu_eval.py).
    result = report["all"]
    languages = sorted(k for k, v in report.items() if isinstance(v, dict) and k != "all")
    log(
        f"    intent macro-F1 {result['macro_f1']:.4f} on {result['examples']} held-out examples "
        f"({time.monotonic() - t0:.0f} s)"
    )
    return {
        "figures": {"intent_macro_f1": round(result["macro_f1"], 4)},
        "details": {
            "model": str(MODEL.relative_to(ROOT)),
            "examples": result["examples"],
            "accuracy": round(result["accuracy"], 4),
            "request_human_recall": result["request_human_recall"],
            "request_human_trapped": result["request_human_trapped"],
            "macro_f1_per_language": {k: round(report[k]["macro_f1"], 4) for k in languages},
        },
    }
