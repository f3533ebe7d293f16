"""JSON Schemas from the portal's placeholder examples and field blocks.

The portal shows every body as an example filled with placeholders: "string", 0 (integer), 0.0
(number), true/false (boolean), null. It renders a map of strings as a one-member object whose key
repeats its parent's name (`"labels": {"labels": "string"}`) and a map of objects the same way
(`"credentials": {"credentials": {...}}`); an empty object (`"relationships": {}`) has no known
members. The field blocks under an example describe its top-level members.
"""

from __future__ import annotations

import re
from typing import Any

from pulumi_builds.codegen.readers.cloudfoundry_fields import FieldBlock, type_schema

# The type a lone null placeholder gets when no field block says more: the portal uses null only
# for optional strings in the examples we know of.
_NULL_FALLBACK = "string"


def infer(value: Any, parent: str | None = None) -> dict[str, Any]:
    """Schema for an example value; `parent` is the name of the member holding it."""
    if isinstance(value, bool):
        return {"type": "boolean"}
    if isinstance(value, int):
        return {"type": "integer"}
    if isinstance(value, float):
        return {"type": "number"}
    if isinstance(value, str):
        return {"type": "string"}
    if value is None:
        return {"type": [_NULL_FALLBACK, "null"]}
    if isinstance(value, list):
        if not value:
            return {"type": "array"}
        return {"type": "array", "items": infer(value[0], parent)}
    if isinstance(value, dict):
        if parent is not None and list(value) == [parent]:
            return {"type": "object", "additionalProperties": infer(value[parent], parent)}
        properties = {key: infer(member, key) for key, member in value.items()}
        schema: dict[str, Any] = {"type": "object"}
        if properties:
            schema["properties"] = properties
        return schema
    raise TypeError(f"not a JSON value: {value!r}")


def apply_blocks(schema: dict[str, Any], blocks: list[FieldBlock]) -> None:
    """Merge the field blocks listed under an example into its top-level properties."""
    properties: dict[str, Any] = schema.setdefault("properties", {})
    required: list[str] = list(schema.get("required", []))
    for block in blocks:
        properties[block.name] = merge_block(properties.get(block.name), block)
        if block.required and block.name not in required:
            required.append(block.name)
    if not properties:
        del schema["properties"]
    if required:
        order = list(properties)
        schema["required"] = sorted(required, key=order.index)


def merge_block(found: dict[str, Any] | None, block: FieldBlock) -> dict[str, Any]:
    """The property schema: the example's structure, the type line's declared type, the prose."""
    declared = type_schema(block.type_line) if block.type_line else None
    schema = dict(found) if found is not None else dict(declared or {"type": "object"})
    if declared is not None and found is not None:
        _reconcile(schema, declared)
    if block.description:
        schema["description"] = block.description
        schema.update(prose_constraints(block.description, schema))
    if block.enum:
        target = schema["items"] if schema.get("type") == "array" else schema
        target["enum"] = [_typed(v, target) for v in block.enum]
    if block.default is not None:
        schema["default"] = _typed(block.default, schema)
    _apply_constraints(schema, block.constraints)
    return schema


_COUNTS = {"minLength", "maxLength", "minItems", "maxItems"}
_BOUNDS = {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}
_ITEM_KEYWORDS = {
    "minLength",
    "maxLength",
    "pattern",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
}


def _apply_constraints(schema: dict[str, Any], constraints: dict[str, str]) -> None:
    """The portal's 'Constraints:' keywords, typed; string/number keywords printed on an array
    parameter (a comma list) constrain its items. Values that do not parse are left out rather
    than guessed."""
    for key, raw in constraints.items():
        target = schema
        if (
            schema.get("type") == "array"
            and key in _ITEM_KEYWORDS
            and isinstance(schema.get("items"), dict)
        ):
            target = schema["items"]
        if key in _COUNTS:
            if re.fullmatch(r"\d+", raw):
                target[key] = int(raw)
        elif key in _BOUNDS:
            if re.fullmatch(r"-?\d+", raw):
                value = int(raw)
                if key.startswith("exclusive"):
                    # The service-document subset has inclusive bounds only: exact for integers.
                    if target.get("type") != "integer":
                        continue
                    key, value = (
                        ("minimum", value + 1)
                        if key == "exclusiveMinimum"
                        else ("maximum", value - 1)
                    )
                target[key] = value
            elif re.fullmatch(r"-?\d+\.\d+", raw) and not key.startswith("exclusive"):
                target[key] = float(raw)
        elif key == "pattern":
            target[key] = raw
        elif key == "uniqueItems":
            continue  # not in the service-document subset


def _reconcile(schema: dict[str, Any], declared: dict[str, Any]) -> None:
    """The declared type wins over a scalar placeholder (0 for a number, null for anything)."""
    kind = schema.get("type")
    nullable = isinstance(kind, list)
    base = kind[0] if isinstance(kind, list) else kind
    if declared["type"] in ("object", "array"):
        if base not in ("object", "array"):
            schema.clear()
            schema.update(declared)
            if nullable:  # a null placeholder: the declared type, still nullable
                schema["type"] = [declared["type"], "null"]
        return
    if base in ("object", "array"):
        return
    schema["type"] = [declared["type"], "null"] if nullable else declared["type"]
    if "format" in declared:
        schema["format"] = declared["format"]


_RANGE = re.compile(r"valid values are (-?\d+) through (-?\d+)", re.IGNORECASE)
_BETWEEN = re.compile(r"\bbetween (-?\d+) and (-?\d+)\b", re.IGNORECASE)
_AT_LEAST = re.compile(r"(?:>=|greater than or equal to|at least)\s*(-?\d+)", re.IGNORECASE)
_AT_MOST = re.compile(r"(?:<=|less than or equal to|at most)\s*(-?\d+)", re.IGNORECASE)
_COMMA_LIST = re.compile(r"\bcomma[- ](?:delimited|separated)\b", re.IGNORECASE)


def prose_constraints(text: str, schema: dict[str, Any]) -> dict[str, Any]:
    """Bounds stated in a numeric property's description ("valid values are 1 through 5000")."""
    if schema.get("type") not in ("integer", "number"):
        return {}
    out: dict[str, Any] = {}
    for pattern in (_RANGE, _BETWEEN):
        match = pattern.search(text)
        if match:
            out["minimum"], out["maximum"] = int(match.group(1)), int(match.group(2))
            return out
    low, high = _AT_LEAST.search(text), _AT_MOST.search(text)
    if low:
        out["minimum"] = int(low.group(1))
    if high:
        out["maximum"] = int(high.group(1))
    return out


def says_comma_list(text: str | None) -> bool:
    """Whether a description says the value is a comma-delimited list."""
    return bool(text and _COMMA_LIST.search(text))


def _typed(raw: str, schema: dict[str, Any]) -> Any:
    """A value printed in prose, converted to the property's type where it parses."""
    kind = schema.get("type")
    kind = kind[0] if isinstance(kind, list) else kind
    try:
        if kind == "integer":
            return int(raw)
        if kind == "number":
            return float(raw)
    except ValueError:
        return raw
    if kind == "boolean" and raw in ("true", "false"):
        return raw == "true"
    return raw
