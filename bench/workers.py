"""Load generator processes: each runs one asyncio loop and obeys JSON-line commands.

The orchestrator (``bench.run``) starts several workers so that one Python process's CPU never
bounds what is measured, and it reports their CPU next to the figures. A worker is
``python -m bench.workers <module>``: it builds ``bench.<module>.Worker()`` and then, for each
line ``{"cmd": name, "args": {...}}`` on stdin, awaits ``worker.<name>(**args)`` and answers one
line ``{"ok": true, "result": ...}`` (or ``{"ok": false, "error": ...}``) on stdout. Latencies
are measured inside one worker (sender and receiver of a message live in the same process), so
the clock is one monotonic clock.

Example (parent side)::

    with WorkerPool(procs, "relay", count=2) as pool:
        pool.call_all("setup", [{"pairs": 10}, {"pairs": 10}])
        results = pool.call_all("run", [{"seconds": 10}] * 2)
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import select
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from bench.procs import ROOT, Procs, cpu_seconds, python


class WorkerError(RuntimeError):
    pass


class WorkerHandle:
    def __init__(self, popen: subprocess.Popen[bytes], name: str, log: Path) -> None:
        self.popen = popen
        self.name = name
        self.log = log
        self._buffer = b""

    @property
    def pid(self) -> int:
        return self.popen.pid

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.pid)

    def send(self, cmd: str, args: dict[str, Any]) -> None:
        assert self.popen.stdin is not None
        self.popen.stdin.write((json.dumps({"cmd": cmd, "args": args}) + "\n").encode())
        self.popen.stdin.flush()

    def receive(self, deadline: float) -> Any:
        assert self.popen.stdout is not None
        fd = self.popen.stdout.fileno()
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise WorkerError(f"{self.name}: no answer in time\n{self.tail()}")
            ready, _, _ = select.select([fd], [], [], min(left, 1.0))
            if ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    raise WorkerError(f"{self.name} exited\n{self.tail()}")
                self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        reply = json.loads(line)
        if not reply.get("ok"):
            raise WorkerError(f"{self.name}: {reply.get('error')}")
        return reply.get("result")

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        if self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, signal.SIGTERM)
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait()
            except ProcessLookupError:
                pass


class WorkerPool:
    """Several workers running the same scenario module."""

    def __init__(self, procs: Procs, module: str, count: int) -> None:
        self.workers: list[WorkerHandle] = []
        for i in range(count):
            log = procs.run_dir / "logs" / f"worker-{module}-{i}.log"
            handle = log.open("ab")
            popen = subprocess.Popen(
                [python(), "-m", "bench.workers", module, str(i)],
                cwd=ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=handle,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
                start_new_session=True,
            )
            handle.close()
            self.workers.append(WorkerHandle(popen, f"worker-{module}-{i}", log))

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def pids(self) -> dict[str, int]:
        return {w.name: w.pid for w in self.workers}

    def call_all(
        self, cmd: str, args: Sequence[dict[str, Any]] | dict[str, Any], timeout: float = 120.0
    ) -> list[Any]:
        per_worker = [args] * len(self.workers) if isinstance(args, dict) else list(args)
        for worker, worker_args in zip(self.workers, per_worker, strict=True):
            worker.send(cmd, worker_args)
        deadline = time.monotonic() + timeout
        return [worker.receive(deadline) for worker in self.workers]

    def cpu_seconds(self) -> float:
        return sum(w.cpu_seconds() for w in self.workers)

    def stop(self) -> None:
        for worker in self.workers:
            if worker.popen.stdin is not None:
                try:
                    worker.popen.stdin.close()
                except OSError:
                    pass
        for worker in self.workers:
            worker.stop()


# -- the worker process ---------------------------------------------------------------------------
async def serve(module: str, index: int) -> None:
    scenario = importlib.import_module(f"bench.{module}")
    worker = scenario.Worker(index)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=2**24)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    out = sys.stdout
    try:
        while True:
            line = await reader.readline()
            if not line:
                break
            request = json.loads(line)
            try:
                result = await getattr(worker, request["cmd"])(**request.get("args", {}))
                reply = {"ok": True, "result": result}
            except Exception as exc:  # reported to the orchestrator, which stops the benchmark
                traceback.print_exc()
                reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
            out.write(json.dumps(reply) + "\n")
            out.flush()
    finally:
        close = getattr(worker, "close", None)
        if close is not None:
            await close()


def main() -> None:
    module, index = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 0
    try:
        import uvloop

        uvloop.run(serve(module, index))
    except ImportError:
        asyncio.run(serve(module, index))


if __name__ == "__main__":
    main()
