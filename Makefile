# Tandem's front door. Every target installs what it needs first (scripts/setup is idempotent).
# The README and .ci/run call these targets unchanged.
.PHONY: help setup run test check lint format train content nlu-eval language-eval tune-nlu assist-eval bench

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*##/\t/' | expand -t 12

setup:  ## install everything a fresh machine lacks (apt packages, both venvs, widget build)
	@scripts/setup

run: setup  ## run the whole product on 127.0.0.1 (Ctrl-C stops it)
	@scripts/train
	@.venv/handoff/bin/python scripts/stack.py

test: setup  ## every check and test: lint, types, data, unit, dialogue, integration, end to end
	@scripts/test

lint: setup  ## ruff (lint + format check), mypy, and the JavaScript type check (tsc)
	@scripts/test lint

format: setup  ## format the Python code
	@.venv/handoff/bin/ruff format . && .venv/handoff/bin/ruff check --fix .

train: setup  ## train the model if config, domain, data or bot/ changed (FORCE=1 to retrain)
	@scripts/train $(if $(FORCE),--force)

content: setup  ## for content writers: validate the data, train, run the dialogue tests and NLU report
	@scripts/test content

nlu-eval: train  ## intent macro-F1 and handoff-request recall on the held-out split, per language
	@.venv/bot/bin/python scripts/nlu_eval.py tests/nlu/heldout --json results/nlu-heldout.json

language-eval: setup  ## how well the language identifier tells languages apart; its memory
	@.venv/bot/bin/python scripts/language_eval.py --json results/language.json

assist-eval: train  ## agent assist's hit@1/hit@3: the bot's FAQ answers (held-out split) and past replies
	@.venv/handoff/bin/python scripts/assist_eval.py

tune-nlu: train  ## sweep the fallback thresholds on the tuning split
	@.venv/bot/bin/python scripts/nlu_eval.py tests/nlu/tuning.yml --tune

bench: train  ## every benchmark on loopback (~40 min): bench/results/latest.json, docs/benchmarks.md
	@[ -d bench/node_peer/node_modules ] || npm ci --prefix bench/node_peer --no-audit --no-fund --silent
	@.venv/handoff/bin/python -m bench $(if $(QUICK),--quick) $(if $(ONLY),--only $(ONLY))
