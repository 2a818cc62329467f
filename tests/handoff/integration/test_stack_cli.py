"""What ``make run`` prints for the CLI is a command that works against the stack's Redis."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from tests.support.redis_server import RedisServer

ROOT = Path(__file__).resolve().parents[3]


def stack_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("tandem_stack_cli", ROOT / "scripts" / "stack.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["tandem_stack_cli"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_the_printed_cli_command_manages_agents_in_the_embedded_redis(
    clean_redis: RedisServer, tmp_path: Path
) -> None:
    stack = stack_module()
    embedded = stack.Stack(run_dir=tmp_path, ports=stack.Ports(redis=clean_redis.port), dev=True)
    for arguments in ("agents add ana --password-env PW", "agents list --json"):
        command = embedded.cli_command(arguments)
        assert f"TANDEM_REDIS_URL=redis://127.0.0.1:{clean_redis.port}/0" in command
        done = subprocess.run(
            command,
            shell=True,  # noqa: S602 - the very line make run prints, run as a user would
            cwd=ROOT,
            env={"PW": "a long password", "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
    [ana] = json.loads(done.stdout)
    assert ana["username"] == "ana" and ana["roles"] == ["admin"]  # the first agent is admin

    production = stack.Stack(run_dir=tmp_path, ports=stack.Ports(redis=clean_redis.port), dev=False)
    assert f'TANDEM_SECRET="$(cat {tmp_path / "secret"})"' in production.cli_command("agents list")
