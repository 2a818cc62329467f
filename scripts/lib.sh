# Shared helpers for scripts/*: sourced, never run.
BOT_PY=.venv/bot/bin/python
HANDOFF_PY=.venv/handoff/bin/python

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
info() { printf '    %s\n' "$*"; }
die() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# Prints the path of a Python 3.10 interpreter: $TANDEM_PYTHON310, python3.10 on PATH, or pyenv's.
find_python310() {
  local candidate
  for candidate in "${TANDEM_PYTHON310:-}" "$(command -v python3.10 || true)" \
      "$(pyenv prefix 3.10 2>/dev/null | head -1)/bin/python3.10"; do
    if [ -n "$candidate" ] && [ -x "$candidate" ] \
        && "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

# logged LOG CMD...: runs CMD with its (noisy) output in LOG; on failure shows the end of LOG.
logged() {
  local log=$1; shift
  mkdir -p "$(dirname "$log")"
  if ! "$@" >"$log" 2>&1; then
    tail -n 60 "$log" >&2
    die "'$*' failed; the whole log is in $log"
  fi
}
