"""Field blocks of the Cloud Foundry portal: parameters and the property lists under JSON examples.

A block is written as

    string of array          <- type line (absent for some object properties)
    states                   <- name
    Optional                 <- or Required
    (blank line)
    Comma-delimited list ... <- description, possibly "Possible values are : A, B,"
    (blank line)
    states example           <- optional example: "<name> example", then the value
    STAGED

A name is recognised by the Optional/Required line under it, so descriptions of any length and
blocks without a type line are read the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pulumi_builds.codegen.readers.cloudfoundry_lines import Line, fail

_BASE = r"(?:string|integer|number|boolean|object|array)"
TYPE_LINE = re.compile(
    rf"^(?P<chain>{_BASE}(?: of {_BASE})*)(?: As (?P<format>[\w-]+) As [\w-]+)?$"
)
_NAME = re.compile(r"^[A-Za-z_$][A-Za-z0-9_.$\[\]-]*$")
_PRESENCE = ("Optional", "Required")
_ENUM_LINE = re.compile(r"^Possible values are\s*:\s*(?P<values>.*)$")
_DEFAULT_LINE = re.compile(r"^Default value\s*(?::|is)\s*(?P<value>.+?)\.?$")
# "Constraints: minimum: 1 maximum: 5000 default: 50" under Optional/Required: the portal's
# rendering of the spec's schema keywords. Values run to the next keyword, so a pattern or a
# default may hold spaces and commas.
_CONSTRAINTS_LINE = re.compile(r"^Constraints:\s*(?P<body>.*)$")
CONSTRAINT_KEYS = (
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "uniqueItems",
    "pattern",
    "default",
)
_CONSTRAINT_KEY = re.compile(r"(?:^|\s)(" + "|".join(CONSTRAINT_KEYS) + r"):\s*")
_SCALARS = {"string", "integer", "number", "boolean"}
# Formats of the service-document subset; others the portal prints (int32, int64) add nothing.
_KNOWN_FORMATS = {"date-time", "uuid"}


@dataclass
class FieldBlock:
    name: str
    line: int
    required: bool
    type_line: str | None = None
    description: str | None = None
    example: str | None = None
    enum: list[str] = field(default_factory=list)
    default: str | None = None
    constraints: dict[str, str] = field(default_factory=dict)  # keyword -> value as printed


def type_schema(type_line: str) -> dict[str, Any]:
    """Schema for a type line: "integer", "array of object", "string of array", "string As uuid"."""
    match = TYPE_LINE.match(type_line)
    if match is None:
        raise ValueError(type_line)
    words = match.group("chain").split(" of ")
    # The portal prints arrays of scalars in query strings as "<item> of array".
    if len(words) == 2 and words[0] in _SCALARS and words[1] == "array":
        words = ["array", words[0]]
    schema: dict[str, Any] = {"type": words[-1]}
    fmt = match.group("format")
    if fmt in _KNOWN_FORMATS and words[-1] == "string":
        schema["format"] = fmt
    for word in reversed(words[:-1]):
        if word != "array":
            raise ValueError(type_line)
        schema = {"type": "array", "items": schema}
    return schema


def _is_name_at(lines: list[Line], i: int, end: int) -> bool:
    return (
        i + 1 < end
        and _NAME.match(lines[i].stripped) is not None
        and lines[i + 1].stripped in _PRESENCE
    )


def starts_block(lines: list[Line], i: int, end: int) -> bool:
    """Whether a field block (with or without its type line) begins at lines[i]."""
    if _is_name_at(lines, i, end):
        return True
    return TYPE_LINE.match(lines[i].stripped) is not None and _is_name_at(lines, i + 1, end)


def _example_label(line: Line) -> bool:
    return line.stripped.endswith(" example")


def _block_starts(lines: list[Line], start: int, end: int) -> list[tuple[int, int]]:
    """(first line index, name line index) of every block in lines[start:end]."""
    starts: list[tuple[int, int]] = []
    for i in range(start, end):
        if not _is_name_at(lines, i, end):
            continue
        first = i
        prev = i - 1
        if (
            prev >= start
            and TYPE_LINE.match(lines[prev].stripped)
            # a line under "<name> example" is that example's value, not a type line
            and not (prev - 1 >= start and _example_label(lines[prev - 1]))
        ):
            first = prev
        starts.append((first, i))
    return starts


def parse_blocks(
    lines: list[Line], start: int, end: int, source: str, typed: bool = False
) -> list[FieldBlock]:
    """Read every field block in lines[start:end]; anything else there is an error.

    `typed`: every block must have a type line (parameters always do; object members may not).
    """
    starts = _block_starts(lines, start, end)
    if typed:
        for first, name_at in starts:
            if first == name_at:
                expected = f"the type line of parameter '{lines[name_at].stripped}'"
                raise fail(source, lines, name_at - 1, expected)
    first_block = starts[0][0] if starts else end
    for i in range(start, first_block):
        if not lines[i].blank:
            raise fail(source, lines, i, "a field block (type line, name, Optional/Required)")
    blocks: list[FieldBlock] = []
    for k, (first, name_at) in enumerate(starts):
        stop = starts[k + 1][0] if k + 1 < len(starts) else end
        blocks.append(_read_block(lines, first, name_at, stop, source))
    return blocks


def _read_block(lines: list[Line], first: int, name_at: int, stop: int, source: str) -> FieldBlock:
    name = lines[name_at].stripped
    type_line = lines[first].stripped if first < name_at else None
    if type_line is not None:
        try:
            type_schema(type_line)
        except ValueError:
            raise fail(source, lines, first, "a type line such as 'array of object'") from None
    block = FieldBlock(
        name=name,
        line=lines[name_at].number,
        required=lines[name_at + 1].stripped == "Required",
        type_line=type_line,
    )
    prose: list[str] = []
    i = name_at + 2
    while i < stop:
        s = lines[i].stripped
        if s == f"{name} example":
            if i + 1 >= stop or lines[i + 1].blank:
                raise fail(source, lines, i + 1, f"the example value of '{name}'")
            block.example = lines[i + 1].stripped
            i += 2
            continue
        enum_match = _ENUM_LINE.match(s)
        default_match = _DEFAULT_LINE.match(s)
        constraints_match = _CONSTRAINTS_LINE.match(s)
        if constraints_match:
            block.constraints.update(_constraints(constraints_match.group("body")))
            if "default" in block.constraints and block.default is None:
                block.default = block.constraints.pop("default")
        elif enum_match:
            block.enum = [v.strip() for v in enum_match.group("values").split(",") if v.strip()]
        elif default_match:
            block.default = default_match.group("value").strip()
        elif s:
            prose.append(s)
        i += 1
    text = " ".join(" ".join(prose).split())
    # The portal fills a missing description with the property's own name.
    if text and text != name:
        block.description = text
    return block


def _constraints(body: str) -> dict[str, str]:
    """'minimum: 1 maximum: 5000' -> {'minimum': '1', 'maximum': '5000'} (unknown words are
    kept with the value before them, so nothing is dropped silently into another keyword)."""
    parts = _CONSTRAINT_KEY.split(body)
    # parts: [text before the first keyword, key, value, key, value, ...]
    return {
        parts[k]: parts[k + 1].strip() for k in range(1, len(parts) - 1, 2) if parts[k + 1].strip()
    }
