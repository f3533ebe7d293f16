"""The format of a service document, as one JSON Schema: codegen/service-document.schema.json.

`first_problem(doc)` checks a document against it and turns the first broken rule into the
project's error: the JSON pointer of the field, the rule (the `x-rule` the meta-schema gives next
to the keyword, else jsonschema's words for it) and the value found.

jsonschema takes most of a second over the largest document, and the normalizer validates what it
writes, again and again in one process (a change report normalizes both sides; the tests edit a
document many times): each `$defs` entry is checked on its own, once per content and process.
"""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from pulumi_builds.codegen.errors import SchemaError

PATH = Path(__file__).resolve().parent / "service-document.schema.json"


def first_problem(doc: Any) -> SchemaError | None:
    """The first rule of the meta-schema `doc` breaks, or None."""
    document, shape = _validators()
    error = next(iter(document.iter_errors(doc)), None)
    if error is not None:
        return schema_error(error)
    for name, schema in doc["$defs"].items():
        key = json.dumps(schema, sort_keys=True)
        if key not in _SHAPES_SEEN:
            error = next(iter(shape.iter_errors(schema)), None)
            if error is not None:
                return schema_error(error, ("$defs", name))
            _SHAPES_SEEN.add(key)
    return None


_SHAPES_SEEN: set[str] = set()


@functools.cache
def _validators() -> tuple[Draft202012Validator, Draft202012Validator]:
    """A validator of a document but its `$defs` entries, and one of a `$defs` entry."""
    schema = json.loads(PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    document = copy.deepcopy(schema)
    document["properties"]["$defs"]["additionalProperties"] = True
    shape = {"$ref": "#/$defs/shape", "$defs": schema["$defs"]}
    # `format: regex` (a shape's pattern) is checked only with a format checker.
    checker = Draft202012Validator.FORMAT_CHECKER
    return (
        Draft202012Validator(document, format_checker=checker),
        Draft202012Validator(shape, format_checker=checker),
    )


def schema_error(error: ValidationError, prefix: tuple[str, ...] = ()) -> SchemaError:
    path: list[str | int] = [*prefix, *error.absolute_path]
    rule = _rule(error)
    schema = error.schema if isinstance(error.schema, dict) else {}
    instance = error.instance
    if error.validator == "additionalProperties" and isinstance(instance, dict):
        allowed = list(schema.get("properties", {}))
        path.append(next(key for key in instance if key not in allowed))
        rule = f"unknown key (allowed: {', '.join(allowed)})"
    elif error.validator == "required" and isinstance(instance, dict):
        required: list[str] = list(schema["required"])
        path.append(next(key for key in required if key not in instance))
        rule = schema.get("x-rule", "is required")
    elif "propertyNames" in error.absolute_schema_path:
        path.append(str(instance))  # the name itself broke the rule
    elif isinstance(instance, str | int | float | bool) or instance is None:
        rule += f" (found {json.dumps(instance)[:80]})"
    return SchemaError(f"{pointer(*path) or '/'}: {rule}")


def _rule(error: ValidationError) -> str:
    schema = error.schema if isinstance(error.schema, dict) else {}
    schema_path = list(error.absolute_schema_path)
    if "x-rule" in schema:
        rule = str(schema["x-rule"])
        if "dependentSchemas" in schema_path:  # the keyword whose presence asks for the rule
            keyword = schema_path[schema_path.index("dependentSchemas") + 1]
            rule = rule.replace("{keyword}", str(keyword))
        return rule
    value: Any = error.validator_value
    if error.validator == "const":
        return f"must be {json.dumps(value)}"
    if error.validator == "enum":
        return "must be one of " + ", ".join(str(v) for v in value)
    if error.validator == "type":
        return "must be of type " + (" or ".join(value) if isinstance(value, list) else str(value))
    if error.validator == "minLength" and value == 1:
        return "must not be empty"
    return error.message


def pointer(*parts: str | int) -> str:
    """A JSON pointer (RFC 6901) from path parts."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)
