"""The sub-packages of handoff/ import one way only, and no module imports itself in a circle.

The order, bottom first (docs/architecture.md): security (ids, tokens), protocol (wire types
and their checks), config and domain (no I/O), store (Redis), fanout (Socket.IO rooms),
services, edges. The top-level modules (app, server, cli) wire them together, and nothing
imports them back.
"""

from __future__ import annotations

import ast
from pathlib import Path

HANDOFF = Path(__file__).resolve().parents[3] / "handoff"
ORDER = ["security", "protocol", "config", "domain", "store", "fanout", "services", "edges"]


def module_name(path: Path) -> str:
    parts = path.relative_to(HANDOFF.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in HANDOFF.rglob("*.py")}


def imports(path: Path) -> set[str]:
    """The handoff modules ``path`` imports (``from handoff.x import y`` counts y if a module)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("handoff")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if not node.module.startswith("handoff"):
                continue
            for alias in node.names:
                child = f"{node.module}.{alias.name}"
                found.add(child if child in MODULES else node.module)
    return found


def package_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in ORDER) else "(top)"


def test_every_module_is_in_a_known_place() -> None:
    top = {m for m in MODULES if package_of(m) == "(top)"}
    assert top == {"handoff", "handoff.__main__", "handoff.app", "handoff.cli", "handoff.server"}


def test_packages_import_only_the_ones_below_them() -> None:
    offenders = []
    for module, path in MODULES.items():
        own = package_of(module)
        if own == "(top)":
            continue
        below = set(ORDER[: ORDER.index(own)])
        for imported in imports(path):
            other = package_of(imported)
            if other != own and other not in below:
                offenders.append(f"{module} ({own}) imports {imported} ({other})")
    assert offenders == []


def test_no_import_cycles_and_no_type_checking_escape_hatch() -> None:
    graph = {m: {i for i in imports(p) if i in MODULES and i != m} for m, p in MODULES.items()}
    for module, path in MODULES.items():
        assert "TYPE_CHECKING" not in path.read_text(), module
    done: set[str] = set()

    def visit(module: str, trail: list[str]) -> None:
        if module in trail:
            raise AssertionError(" -> ".join([*trail[trail.index(module) :], module]))
        if module in done:
            return
        for imported in sorted(graph[module]):
            visit(imported, [*trail, module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])
