"""Typing the `number` placeholder of AWS syntax blocks when no "Type:" line says what it is.

AWS JSON 1.1 sends integers, floating point numbers and timestamps (epoch seconds) alike as
`number`. Members listed under "Request Parameters"/"Response Elements" carry a "Type:" line; the
members of nested shapes (e.g. `Build.phases[].startTime`) do not, and the page has no data types
pages to look them up in. The model's naming conventions decide instead: the word lists and the
exceptions are data in codegen/corrections/aws_numbers.json, checked against botocore's models by
tests/test_botocore_crosscheck.py.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

_TABLE = Path(__file__).resolve().parent.parent / "corrections" / "aws_numbers.json"
_CAMEL_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+")

INTEGER: dict[str, Any] = {"type": "integer"}
FLOAT: dict[str, Any] = {"type": "number"}
TIMESTAMP: dict[str, Any] = {"type": "number", "x-timestamp": "epoch-seconds"}
_KINDS = {"integer": INTEGER, "float": FLOAT, "timestamp": TIMESTAMP}


@cache
def _table() -> dict[str, Any]:
    table: dict[str, Any] = json.loads(_TABLE.read_text(encoding="utf-8"))
    for key, kind in table["overrides"].items():
        if kind not in _KINDS:
            raise ValueError(
                f"{_TABLE}: overrides[{key!r}] is {kind!r}, not one of {sorted(_KINDS)}"
            )
    return table


def _matches(rule: dict[str, list[str]], name: str, words: list[str]) -> bool:
    return (
        name in rule["names"]
        or (bool(words) and words[0] in rule["firstWords"])
        or (bool(words) and words[-1] in rule["lastWords"])
    )


def number_schema(name: str, parent: str | None) -> dict[str, Any]:
    """The schema of a `number` member `name` (inside `parent`, when known) with no Type line."""
    table = _table()
    overrides: dict[str, str] = table["overrides"]
    kind = overrides.get(f"{parent}.{name}") if parent else None
    kind = kind or overrides.get(name)
    if kind is None:
        words = _CAMEL_WORD.findall(name)
        if _matches(table["timestamp"], name, words):
            kind = "timestamp"
        elif _matches(table["float"], name, words):
            kind = "float"
        else:
            kind = "integer"
    return dict(_KINDS[kind])
