"""Tests mirror modules: every module of config/, domain/, security/, store/ and services/ has a
test file of its own name, in tests/handoff/unit/<package>/ or (when it needs a real Redis)
tests/handoff/integration/<package>/."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
MIRRORED = ("config", "domain", "security", "store", "services")


def test_every_module_has_its_test_file() -> None:
    missing = []
    for package in MIRRORED:
        for module in sorted((REPO / "handoff" / package).glob("*.py")):
            if module.name == "__init__.py":
                continue
            homes = [
                REPO / "tests" / "handoff" / layer / package for layer in ("unit", "integration")
            ]
            if not any((home / f"test_{module.name}").is_file() for home in homes):
                missing.append(f"handoff/{package}/{module.name}")
    assert missing == []
