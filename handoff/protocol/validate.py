"""A small runtime checker for the protocol's TypedDicts.

The protocol's message types are plain ``TypedDict``s (so mypy checks the code that builds
them); this module checks real JSON values against the same types: payloads entering the
service, the golden examples in ``docs/protocol-examples.json``, and, in the integration
tests, what clients actually receive.

Supported: ``str``, ``int``, ``float`` (ints accepted), ``bool``, ``None``, ``Any``,
``Literal[...]``, unions (``X | Y``), ``list[X]``, ``dict[str, X]`` and nested TypedDicts with
``Required``/``NotRequired``.

It also says where a payload holds something that is not text (:func:`text_problems`): every
string a client sends, keys and ``metadata`` included, must be Unicode scalar values without
control characters, whatever field it is in.

Example::

    problems = check({"message": 3}, UserUttered)   # ["payload.message: expected str, got int"]
    text_problems({"message": "a\\ud800"})          # ["payload.message: ... U+D800 ..."]
"""

from __future__ import annotations

import functools
import re
import types
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints, is_typeddict


def check(value: object, tp: object, *, path: str = "payload", strict: bool = False) -> list[str]:
    """Every way ``value`` fails to match ``tp``; empty when it matches.

    ``strict`` also reports keys a TypedDict does not declare (used for what the server sends,
    so the documentation stays complete); incoming payloads may carry extra keys, which are
    ignored, because rasa-webchat sends some of its own.
    """
    problems: list[str] = []
    _check(value, tp, path, strict, problems)
    return problems


# What no chat text holds: lone surrogates (not Unicode scalar values: UTF-8 cannot encode them,
# so Redis could not store the message and the service answered `internal`), NUL and the other
# C0 controls except tab, line feed and carriage return, DEL, and the C1 controls (they are
# invisible, and terminals and log viewers act on them). Everything else, emoji joiners and
# right-to-left marks included, is text.
_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def text_problems(value: object, *, path: str = "payload") -> list[str]:
    """Every string in ``value`` (dict keys too, at any depth) that holds a character no text has.

    Iterative, so a deep value cannot exhaust the stack (decoding already bounded the depth:
    ``protocol/bounded_json.py``).
    """
    if not _holds_non_text(value):
        return []  # every message: no paths built
    problems: list[str] = []
    stack: list[tuple[object, str]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            found = _NOT_TEXT.search(item)
            if found:
                char = f"U+{ord(found.group()):04X}"
                problems.append(f"{where}: holds {char}, which is not text")
        elif isinstance(item, dict):
            for key, child in item.items():
                # The path goes back to the client: it must not carry what it complains about.
                name = _NOT_TEXT.sub("?", key[:64]) if isinstance(key, str) else "?"
                stack.append((child, f"{where}.{name}"))
                stack.append((key, f"{where}.{name} (the key)"))
        elif isinstance(item, list):
            stack.extend((child, f"{where}[{i}]") for i, child in enumerate(item))
    return sorted(problems)


def _holds_non_text(value: object) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _NOT_TEXT.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _check(value: object, tp: object, path: str, strict: bool, out: list[str]) -> None:
    if tp is Any:
        return
    if tp is None or tp is type(None):
        if value is not None:
            out.append(f"{path}: expected null, got {_name(value)}")
        return
    origin = get_origin(tp)
    if origin is Literal:
        if not any(type(a) is type(value) and a == value for a in get_args(tp)):
            choices = ", ".join(repr(a) for a in get_args(tp))
            out.append(f"{path}: expected one of {choices}, got {value!r}")
        return
    if origin in (Union, types.UnionType):
        options = get_args(tp)
        attempts = [check(value, option, path=path, strict=strict) for option in options]
        if all(attempts):
            out.append(min(attempts, key=len)[0])
        return
    if origin is list:
        if not isinstance(value, list):
            out.append(f"{path}: expected list, got {_name(value)}")
            return
        (item,) = get_args(tp)
        for index, element in enumerate(value):
            _check(element, item, f"{path}[{index}]", strict, out)
        return
    if origin is dict:
        if not isinstance(value, dict):
            out.append(f"{path}: expected object, got {_name(value)}")
            return
        _, item = get_args(tp)
        for key, element in value.items():
            if not isinstance(key, str):
                out.append(f"{path}: keys must be strings")
            _check(element, item, f"{path}.{key}", strict, out)
        return
    if is_typeddict(tp):
        _check_typeddict(value, tp, path, strict, out)
        return
    if tp is bool:
        if type(value) is not bool:
            out.append(f"{path}: expected bool, got {_name(value)}")
        return
    if tp is int:
        if type(value) is not int:
            out.append(f"{path}: expected int, got {_name(value)}")
        return
    if tp is float:
        if type(value) not in (int, float):
            out.append(f"{path}: expected number, got {_name(value)}")
        return
    if tp is str:
        if not isinstance(value, str):
            out.append(f"{path}: expected str, got {_name(value)}")
        return
    raise TypeError(f"validate.check does not support {tp!r}")  # a bug in a message type


def _check_typeddict(value: object, tp: Any, path: str, strict: bool, out: list[str]) -> None:
    if not isinstance(value, dict):
        out.append(f"{path}: expected object, got {_name(value)}")
        return
    hints = _hints(tp)
    required: frozenset[str] = tp.__required_keys__
    for key in sorted(required - value.keys()):
        out.append(f"{path}.{key}: missing")
    for key, element in value.items():
        if key in hints:
            _check(element, hints[key], f"{path}.{key}", strict, out)
        elif strict:
            out.append(f"{path}.{key}: not part of the protocol")


@functools.cache
def _hints(tp: Any) -> dict[str, Any]:
    # Resolving a TypedDict's (string) annotations is slow; every message used to pay for it.
    return get_type_hints(tp)


def _name(value: object) -> str:
    if value is None:
        return "null"
    return {dict: "object", list: "list", str: "str", bool: "bool", int: "int", float: "float"}.get(
        type(value), type(value).__name__
    )
