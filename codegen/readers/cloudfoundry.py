"""Reader for the Cloud Foundry v3 API portal pages (text rendering): page -> operation draft.

The page's sections are read by cloudfoundry_page, its examples and field blocks turned into
schemas by cloudfoundry_schema, and facts the page does not state merged in from the data-only
tables codegen/corrections/cloudfoundry_*.json. See docs/schema-format.md and the reader
contract for the draft's shape.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from pulumi_builds.codegen.errors import PageError
from pulumi_builds.codegen.readers import cloudfoundry_corrections as corrections
from pulumi_builds.codegen.readers.cloudfoundry_errors import error_entries
from pulumi_builds.codegen.readers.cloudfoundry_fields import FieldBlock
from pulumi_builds.codegen.readers.cloudfoundry_page import METHODS, Body, PageParts, read_parts
from pulumi_builds.codegen.readers.cloudfoundry_schema import (
    apply_blocks,
    infer,
    merge_block,
    says_comma_list,
)

DIALECT = "cloudfoundry"
_SNIFF = re.compile(
    r"^[ \t]*Request[ \t]*\n\s*URI[ \t]*\n\s*(?:" + "|".join(METHODS) + r")[ \t]*\n\s*https?://",
    re.MULTILINE,
)
_RESPONSES = re.compile(r"^[ \t]*Responses[ \t]*$", re.MULTILINE)
_WORD = re.compile(r"[A-Za-z0-9]+")
_SHAPE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def looks_like(text: str) -> bool:
    """The portal's 'Request / URI / METHOD / URL' block and its 'Responses' section."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return bool(_SNIFF.search(text)) and bool(_RESPONSES.search(text))


def read_page(text: str, source: str) -> dict[str, Any]:
    parts = read_parts(text, source)
    name = operation_name(parts.title)
    if not name:
        raise PageError(source, 1, 1, "an operation title with letters or digits", parts.title)
    return {"dialect": DIALECT, "operations": {name: _operation(parts, source)}}


def operation_name(title: str) -> str:
    """'List App Builds' -> 'ListAppBuilds' (words capitalised, the rest kept as written)."""
    return "".join(w[0].upper() + w[1:] for w in _WORD.findall(title))


def _operation(parts: PageParts, source: str) -> dict[str, Any]:
    resource = corrections.resource_of(parts.path)
    request, parameters = _request(parts, resource, source)
    success = next((r for r in parts.responses if r.status.startswith("2")), None)
    if success is None:
        raise PageError(source, parts.responses[0].line, 1, "a 2xx response", "none listed")
    response = _body_schema(success.body) or {"type": "object"}
    corrections.apply(response, corrections.facts(resource, "response"))
    if _is_list(response):
        corrections.apply(
            response["properties"]["resources"]["items"], corrections.facts(resource, "resource")
        )
    else:
        corrections.apply(response, corrections.facts(resource, "resource"))

    failures = [
        (int(r.status), r.reason, r.body.name, _body_schema(r.body))
        for r in parts.responses
        if r.status[0] in "45"
    ]
    has_query = any(p["in"] == "query" for p in parameters)
    has_body = parts.body is not None
    op: dict[str, Any] = {"summary": parts.summary}
    if parts.description:
        op["description"] = parts.description
    op["http"] = {"method": parts.method, "path": parts.path}
    op["request"] = request
    op["response"] = response
    op["parameters"] = parameters
    op["errors"] = error_entries(failures, parts.method, parts.path, has_query, has_body)
    op["pagination"] = _pagination(parameters, response)
    examples: dict[str, Any] = {}
    if parts.body is not None and parts.body.has_example:
        examples["request"] = copy.deepcopy(parts.body.example)
    if success.body.has_example:
        examples["response"] = copy.deepcopy(success.body.example)
    if examples:
        op["examples"] = examples
    op["source"] = source
    return op


def _body_schema(body: Body) -> dict[str, Any] | None:
    if not body.has_example:
        return None
    schema = infer(body.example)
    if schema.get("type") == "object":
        apply_blocks(schema, body.blocks)
    # A name the page prints that is not a usable shape name ("Returns 500") is left out.
    if body.name and _SHAPE_NAME.match(body.name):
        schema = {"title": body.name, **schema}
    return schema


def _request(
    parts: PageParts, resource: str, source: str
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The request object (every input, whatever its location) and where each input goes."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    places: dict[str, str] = {}
    for location, block in parts.parameters:
        if block.name in places:
            raise PageError(source, block.line, 1, "a parameter name used once", block.name)
        schema = _parameter_schema(location, block)
        corrections.apply(
            {"properties": {block.name: schema}},
            {block.name: corrections.facts(resource, location).get(block.name, {})},
        )
        _finish_example(schema)
        properties[block.name] = schema
        places[block.name] = location
        if block.required or location == "path":
            required.append(block.name)

    body = parts.body
    if body is not None:
        body_schema = _request_body(body, resource)
        for member, schema in body_schema.get("properties", {}).items():
            if member in places:
                raise PageError(
                    source,
                    1,
                    1,
                    f"a body member not named like a {places[member]} parameter",
                    member,
                )
            properties[member] = schema
            places[member] = "body"
        required += body_schema.get("required", [])

    request: dict[str, Any] = {"type": "object"}
    if body is not None and body.description and not parts.parameters:
        request["description"] = body.description
    request["properties"] = properties
    if required:
        request["required"] = required
    parameters = []
    for member, location in places.items():
        entry: dict[str, Any] = {"name": member, "in": location, "required": member in required}
        if properties[member].get("x-comma-list"):
            entry["style"], entry["explode"] = "form", False
        parameters.append(entry)
    return request, parameters


def _parameter_schema(location: str, block: FieldBlock) -> dict[str, Any]:
    schema = merge_block(None, block) if block.type_line else merge_block({"type": "string"}, block)
    if location == "query":
        if schema.get("type") == "array":
            schema["x-comma-list"] = True
        elif schema.get("type") == "string" and says_comma_list(block.description):
            items: dict[str, Any] = {"type": "string"}
            items.update({k: schema.pop(k) for k in ("format", "enum", "pattern") if k in schema})
            schema.update({"type": "array", "items": items, "x-comma-list": True})
    if block.example is not None:
        schema["examples"] = [block.example]
    return schema


def _finish_example(schema: dict[str, Any]) -> None:
    """Examples are printed as text: give them the parameter's final type."""
    if "examples" not in schema:
        return
    raw = schema["examples"][0]
    kind = schema.get("type")
    value: Any = raw
    if kind == "array":
        value = [item.strip() for item in raw.split(",")] if schema.get("x-comma-list") else [raw]
    elif kind == "integer" and re.fullmatch(r"-?\d+", raw):
        value = int(raw)
    elif kind == "number" and re.fullmatch(r"-?\d+(?:\.\d+)?", raw):
        value = float(raw)
    elif kind == "boolean" and raw in ("true", "false"):
        value = raw == "true"
    schema["examples"] = [value]


def _request_body(body: Body, resource: str) -> dict[str, Any]:
    schema = infer(body.example) if body.has_example else {"type": "object"}
    if schema.get("type") != "object":
        return {"type": "object"}
    apply_blocks(schema, body.blocks)
    if isinstance(body.minimal, dict):
        _require(schema, body.minimal)
    corrections.apply(schema, corrections.facts(resource, "body"))
    return schema


def _require(schema: dict[str, Any], minimal: dict[str, Any]) -> None:
    """ "Show optional properties": the short example holds exactly the required members, at
    every depth it shows (a map's sample keys are not members)."""
    properties = schema.get("properties", {})
    order = list(properties)
    required = set(schema.get("required", [])) | {k for k in minimal if k in properties}
    if required:
        schema["required"] = sorted(required, key=order.index)
    for key, value in minimal.items():
        if isinstance(value, dict) and value and key in properties:
            _require(properties[key], value)


def _is_list(response: dict[str, Any]) -> bool:
    properties = response.get("properties", {})
    resources = properties.get("resources", {})
    return "pagination" in properties and isinstance(resources.get("items"), dict)


def _pagination(parameters: list[dict[str, Any]], response: dict[str, Any]) -> Any:
    """Link pagination: page/per_page parameters and a pagination object with next.href."""
    query = {p["name"] for p in parameters if p["in"] == "query"}
    properties = response.get("properties", {})
    pagination = properties.get("pagination", {}).get("properties", {})
    href = pagination.get("next", {}).get("properties", {}).get("href")
    if not {"page", "per_page"} <= query or href is None:
        return None
    items = next(
        (k for k, v in properties.items() if k != "pagination" and v.get("type") == "array"), None
    )
    if items is None:
        return None
    return {
        "style": "link",
        "pageParam": "page",
        "sizeParam": "per_page",
        "items": items,
        "next": "pagination.next.href",
    }
