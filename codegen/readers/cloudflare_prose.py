"""Constraints Cloudflare states in a parameter's prose rather than in its type.

"Comma-separated list of version UUIDs (max 20)." on a `string` query parameter means an array
sent as one comma-joined string with at most 20 entries; "(default 50)", "between 1 and 200",
"at least 1" give defaults and bounds. A bound applies to the item count of an array, the value of
a number, and the length of a string only when the prose says "characters".
"""

from __future__ import annotations

import re
from typing import Any

Schema = dict[str, Any]

_COMMA_LIST = re.compile(r"\bcomma[- ]separated\b", re.IGNORECASE)
_MAX = [
    r"\(max(?:imum)?:? (\d+)( characters?)?\)",
    r"\bat most (\d+)( characters?)?",
    r"\bmaximum(?: of)?:? (\d+)( characters?)?",
    r"\bup to (\d+)( characters?)?",
]
_MIN = [
    r"\(min(?:imum)?:? (\d+)( characters?)?\)",
    r"\bat least (\d+)( characters?)?",
    r"\bminimum(?: of)?:? (\d+)( characters?)?",
]
_RANGE = [
    r"\bbetween (\d+) and (\d+)( characters?)?",
    r"\bfrom (\d+) to (\d+)( characters?)?",
    r"\((\d+) ?(?:-|–|\.\.) ?(\d+)( characters?)?\)",
]
_DEFAULT = [r"\(default:? ([^)\s]+)\)", r"\bdefaults? (?:is |to )?`?([\w.-]+)`?"]


def comma_list(schema: Schema, description: str) -> Schema | None:
    """The array form of a `string` parameter the prose calls comma-separated, else None."""
    if schema.get("type") != "string" or not _COMMA_LIST.search(description):
        return None
    array: Schema = {k: v for k, v in schema.items() if k != "type"}
    array.update({"type": "array", "items": {"type": "string"}, "x-comma-list": True})
    return array


def apply_constraints(schema: Schema, description: str) -> Schema:
    """Add the bounds and default the prose states, in the keywords that fit the schema's type."""
    result = dict(schema)
    low = high = None
    for pattern in _RANGE:
        if match := re.search(pattern, description, re.IGNORECASE):
            low, high = (int(match.group(1)), match.group(3)), (int(match.group(2)), match.group(3))
            break
    for pattern in _MAX:
        if high is None and (match := re.search(pattern, description, re.IGNORECASE)):
            high = (int(match.group(1)), match.group(2))
    for pattern in _MIN:
        if low is None and (match := re.search(pattern, description, re.IGNORECASE)):
            low = (int(match.group(1)), match.group(2))
    for bound, keywords in (
        (low, ("minItems", "minimum", "minLength")),
        (high, ("maxItems", "maximum", "maxLength")),
    ):
        if bound is not None and (keyword := _keyword(result, keywords, bool(bound[1]))):
            result[keyword] = bound[0]
    for pattern in _DEFAULT:
        if (match := re.search(pattern, description, re.IGNORECASE)) and "default" not in result:
            value = _typed(match.group(1), result)
            if value is not None:
                result["default"] = value
            break
    return result


def _keyword(schema: Schema, keywords: tuple[str, str, str], says_characters: bool) -> str | None:
    kind = schema.get("type")
    kinds = set(kind) if isinstance(kind, list) else {kind}
    if "array" in kinds:
        return keywords[0]
    if kinds & {"number", "integer"}:
        return keywords[1]
    if "string" in kinds and says_characters:
        return keywords[2]
    return None


def _typed(text: str, schema: Schema) -> object:
    kind = schema.get("type")
    kinds = set(kind) if isinstance(kind, list) else {kind}
    text = text.strip("`'\".,")
    if kinds & {"integer", "number"}:
        try:
            return int(text) if re.fullmatch(r"-?\d+", text) else float(text)
        except ValueError:
            return None
    if "boolean" in kinds:
        return {"true": True, "false": False}.get(text.lower())
    if "string" in kinds and "enum" in schema:
        return text if text in schema["enum"] else None
    return None
