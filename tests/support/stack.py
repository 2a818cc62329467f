"""``scripts/stack.py`` as a module (standard library only; it is a script, not a package).

Example::

    stack = load_stack_module()
    stack.Stack(run_dir=tmp_path, ports=stack.Ports.free())
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def load_stack_module() -> ModuleType:
    if "tandem_stack" in sys.modules:
        return sys.modules["tandem_stack"]
    spec = importlib.util.spec_from_file_location("tandem_stack", ROOT / "scripts" / "stack.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["tandem_stack"] = module  # dataclasses look their module up while building
    spec.loader.exec_module(module)
    return module
