"""Check a REST request (path, query and body together) against its operation's `request` schema.

Shared by the two REST emulators (Cloudflare Workers Builds, Cloud Foundry). In a service document
an operation's `request` is one object holding every input whatever its location, so the path
parameters, the query string (typed as the schema declares each parameter) and the JSON body are
merged into one instance. Each service renders the problems in its own error format.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from starlette.requests import Request

from pulumi_builds.emulators.validation import Problem, SchemaValidator


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref", "")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        resolved: dict[str, Any] = doc.get("$defs", {}).get(ref.split("/")[-1], {})
        return resolved
    return schema


def _coerce(value: str, schema: dict[str, Any]) -> Any:
    """A query-string value typed the way the request schema declares the parameter."""
    kinds = schema.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    try:
        if "integer" in kinds:
            return int(value)
        if "number" in kinds:
            return float(value)
    except ValueError:
        return value  # left a string: the schema check reports the type
    if "boolean" in kinds and value in ("true", "false"):
        return value == "true"
    if "array" in kinds:
        return re.split(r",\s*", value)  # comma lists, split the way CF splits them
    return value


def schema_problems(
    validator: SchemaValidator,
    service: str,
    operation: str,
    request: Request,
    body: dict[str, Any] | None,
    ignore: Callable[[Problem], bool] | None = None,
) -> list[str]:
    """Human-readable problems ("<member>: <rule> (got <value>)"); [] when the operation has no
    request schema. `ignore` drops problems the service knows to be allowed."""
    doc = validator.document(service)
    op = doc.get("operations", {}).get(operation)
    if op is None or "request" not in op:
        return []
    props = _resolve(doc, op["request"]).get("properties", {})
    instance: dict[str, Any] = dict(request.path_params)
    for key, value in request.query_params.items():
        if key in props:  # bracketed filters such as created_ats[lt] are the service's job
            instance[key] = _coerce(value, _resolve(doc, props[key]))
    instance.update(body or {})
    return [
        f"{p.path}: {p.rule} (got {json.dumps(p.value)})"
        for p in validator.request_problems(service, operation, instance)
        if ignore is None or not ignore(p)
    ]
