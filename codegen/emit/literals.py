"""Python literals for template contexts."""

from __future__ import annotations

from typing import Any


def py_literal(value: Any) -> str:
    """A deterministic Python literal for JSON-ish data (dicts keep their order)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{py_literal(k)}: {py_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "(" + "".join(f"{py_literal(v)}, " for v in value).rstrip(" ") + ")"
    return repr(value)
