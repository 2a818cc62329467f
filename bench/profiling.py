"""Optional py-spy sampling of a replica while a benchmark phase runs (``--profile``).

py-spy attaches to the running process (``--nonblocking``: it does not pause it) for a fixed
time and writes collapsed stacks; ``top()`` turns them into the self/inclusive tables quoted in
docs/benchmarks.md.

Example::

    profiler = Profiler(procs, out_dir)
    profiler("relay-same", pid, seconds=10)    # returns at once; py-spy stops by itself
    profiler.wait()
    print(render(top(out_dir / "relay-same.txt")))
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

from bench.procs import ROOT


def py_spy() -> str | None:
    local = ROOT / ".venv" / "handoff" / "bin" / "py-spy"
    return str(local) if local.exists() else shutil.which("py-spy")


class Profiler:
    def __init__(self, out_dir: Path, rate: int = 250) -> None:
        self.out_dir = out_dir
        self.rate = rate
        self.running: list[subprocess.Popen[bytes]] = []
        out_dir.mkdir(parents=True, exist_ok=True)
        self.binary = py_spy()
        if self.binary is None:
            print("    (py-spy not installed: no profiles)", file=sys.stderr)

    def __call__(self, name: str, pid: int, seconds: float) -> None:
        if self.binary is None:
            return
        argv = [self.binary, "record", "--pid", str(pid), "--duration", str(max(1, int(seconds)))]
        argv += ["--rate", str(self.rate), "--nonblocking", "--format", "raw"]
        argv += ["--output", str(self.out_dir / f"{name}.txt")]
        log = (self.out_dir / f"{name}.log").open("ab")
        self.running.append(subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT))
        log.close()

    def wait(self) -> None:
        for popen in self.running:
            try:
                popen.wait(timeout=60)
            except subprocess.TimeoutExpired:
                popen.kill()
                popen.wait()
        self.running.clear()


def _frame_name(frame: str) -> str:
    # py-spy raw frames look like "function (path/to/file.py:123)"
    name, _, where = frame.partition(" (")
    where = where.rstrip(")")
    path = where.rsplit(":", 1)[0]
    for marker in ("site-packages/", "/work/main/", "lib/python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{name} ({path})"


def top(path: Path, limit: int = 25) -> dict[str, list[tuple[str, float]]]:
    """Self and inclusive shares of samples (percent), busiest first; idle loop waits excluded."""
    self_counts: Counter[str] = Counter()
    incl_counts: Counter[str] = Counter()
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_frame_name(f) for f in stack.split(";") if f]
        if not frames:
            continue
        leaf = frames[-1]
        if leaf.startswith(("select ", "_run_once", "run_forever", "poll ")) and len(frames) < 6:
            continue  # the event loop waiting for work
        total += count
        self_counts[leaf] += count
        for frame in set(frames):
            incl_counts[frame] += count
    if not total:
        return {"self": [], "inclusive": []}
    return {
        "self": [(f, round(100 * c / total, 1)) for f, c in self_counts.most_common(limit)],
        "inclusive": [(f, round(100 * c / total, 1)) for f, c in incl_counts.most_common(limit)],
        "samples": [("busy samples", float(total))],
    }


def render(table: dict[str, list[tuple[str, float]]]) -> str:
    lines = []
    for kind in ("self", "inclusive"):
        lines.append(f"{kind}:")
        lines += [f"  {share:5.1f}%  {frame}" for frame, share in table.get(kind, [])]
    return "\n".join(lines)


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        print(f"== {arg}")
        print(render(top(Path(arg))))
