"""Reader for Cloudflare's API reference markdown (developers.cloudflare.com/api/.../index.md).

A page holds one or more operations:

    ## <Title> **<verb>** `<path>` <summary>
    ### Path Parameters / Query Parameters / Header Parameters / Body Parameters  - `name: type` ...
    ### Returns  - `name: type` description ...
    ### Example ```http curl ...``` #### Response ```json {...}```

often folded onto a single line. Nesting comes from the member counts in the types (see
cloudflare_fields); facts the page does not print come from codegen/corrections/cloudflare_*.json.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pulumi_builds.codegen.readers.cloudflare_corrections import (
    apply_rules,
    errors_for,
    operation_name,
)
from pulumi_builds.codegen.readers.cloudflare_fields import (
    Bullets,
    Schema,
    read_field,
    read_type_bullet,
)
from pulumi_builds.codegen.readers.cloudflare_prose import apply_constraints, comma_list
from pulumi_builds.codegen.readers.cloudflare_scan import Item, Positions, scan

DIALECT = "cloudflare"
_VERBS = {"get", "post", "put", "patch", "delete"}
_PARAMETER_SECTIONS = {
    "path parameters": "path",
    "query parameters": "query",
    "header parameters": "header",
    "body parameters": "body",
}
_SNIFF = re.compile(
    r"(?:^|\s)## [^\n]+?\s+\*\*(?:get|post|put|patch|delete)\*\*\s*`/", re.IGNORECASE
)


def looks_like(text: str) -> bool:
    """A `## Title **verb** `/path`` operation header, as only this dialect writes it."""
    return bool(_SNIFF.search(text[:4000])) and "- `" in text


def read_page(text: str, source: str) -> dict[str, Any]:
    pos = Positions(text, source)
    items = scan(text, pos)
    operations: dict[str, Any] = {}
    for chunk in _operation_chunks(items, pos):
        name, operation = _read_operation(chunk, pos, source)
        if name in operations:
            raise pos.error(chunk[0].offset, "a heading naming a new operation", name)
        operations[name] = operation
    if not operations:
        raise pos.error(
            items[0].offset if items else 0,
            "an operation: `## Title` then the method and path (**get** `/path`)",
            items[0].text[:40] if items else "an empty page",
        )
    return {"dialect": DIALECT, "operations": operations}


def _operation_chunks(items: list[Item], pos: Positions) -> list[list[Item]]:
    """Items from each `## ` heading to the next; resource intros (`# Builds`) are skipped."""
    chunks: list[list[Item]] = []
    for item in items:
        if item.kind == "heading" and item.detail == "2":
            chunks.append([item])
        elif chunks:
            chunks[-1].append(item)
        elif item.kind not in ("heading", "text"):
            raise pos.error(item.offset, "a `## Operation title` heading", item.text[:40])
    operation_chunks = []
    for chunk in chunks:
        is_operation = len(chunk) > 1 and chunk[1].kind == "verb"
        has_sections = any(
            i.kind == "heading" and i.detail == "3" and _section_kind(i.text) not in ("", "example")
            for i in chunk
        )
        if is_operation:
            operation_chunks.append(chunk)
        elif has_sections:
            found = chunk[1] if len(chunk) > 1 else chunk[0]
            raise pos.error(
                found.offset,
                f"the method and path of `{chunk[0].text}` (**get** `/path`)",
                found.text[:40],
            )
    return operation_chunks


def _section_kind(title: str) -> str:
    lowered = title.lower()
    if lowered in _PARAMETER_SECTIONS:
        return _PARAMETER_SECTIONS[lowered]
    if lowered == "returns":
        return "returns"
    if lowered in ("example", "examples"):
        return "example"
    return ""


def _read_operation(chunk: list[Item], pos: Positions, source: str) -> tuple[str, Any]:
    heading, verb = chunk[0], chunk[1]
    if verb.text.lower() not in _VERBS:
        raise pos.error(verb.offset, "an HTTP method (get, post, put, patch, delete)", verb.text)
    path = verb.detail.strip()
    if not path.startswith("/"):
        raise pos.error(verb.detail_offset, "a path starting with /", path)
    name = operation_name(heading.text)
    prose, sections = _sections(chunk[2:], pos)

    request_properties: dict[str, Schema] = {}
    request_required: list[str] = []
    parameters: list[dict[str, Any]] = []
    for kind, heading_item, body in sections:
        if kind not in ("path", "query", "header", "body"):
            continue
        bullets = _bullets(body, heading_item, pos)
        while not bullets.done():
            at = bullets.where()
            param, schema, required = read_field(bullets, f"a parameter of {heading_item.text}")
            if param in request_properties:
                raise pos.error(at, "a parameter not listed before", param)
            required = required or kind == "path"
            parameter: dict[str, Any] = {"name": param, "in": kind, "required": required}
            description = schema.get("description", "")
            if kind == "query" and (array := comma_list(schema, description)):
                schema = array
                parameter.update({"style": "form", "explode": False})
            request_properties[param] = apply_constraints(schema, description)
            parameters.append(parameter)
            if required:
                request_required.append(param)
    _check_path(path, parameters, verb, pos)

    returns = [s for s in sections if s[0] == "returns"]
    if not returns:
        raise pos.error(_end_of(chunk), f"a `### Returns` section in `{heading.text}`")
    response = _read_returns(returns[0][2], returns[0][1], pos)

    request: Schema = {"type": "object", "properties": request_properties}
    if request_required:
        request["required"] = request_required
    request = apply_rules(request, "request", name)
    response = apply_rules(response, "response", name)

    examples = _examples([s for s in sections if s[0] == "example"], chunk, pos)
    _check_example(examples["response"], response, "response", pos, examples.pop("_at"))

    summary, description = _summary(prose)
    operation: dict[str, Any] = {"summary": summary}
    if description:
        operation["description"] = description
    operation.update(
        {
            "http": {"method": verb.text.upper(), "path": path},
            "request": request,
            "response": response,
            "parameters": parameters,
            "errors": errors_for(path),
            "pagination": _pagination(parameters, response),
            "examples": examples,
            "source": source,
        }
    )
    return name, operation


Section = tuple[str, Item, list[Item]]


def _sections(items: list[Item], pos: Positions) -> tuple[list[str], list[Section]]:
    """Summary text before the first `###`, then (kind, heading, items) per `###` section."""
    prose: list[str] = []
    sections: list[Section] = []
    for item in items:
        if item.kind == "heading" and item.detail == "3":
            kind = _section_kind(item.text)
            if not kind:
                raise pos.error(
                    item.offset,
                    "a section: Path Parameters, Query Parameters, "
                    "Header Parameters, Body Parameters, Returns or Example",
                    item.text,
                )
            if any(s[0] == kind for s in sections):
                raise pos.error(item.offset, f"a section other than a second `{item.text}`")
            sections.append((kind, item, []))
        elif sections:
            sections[-1][2].append(item)
        elif item.kind == "text":
            prose.append(item.text)
        else:
            raise pos.error(
                item.offset, "the operation's summary or a `###` section", item.text[:40]
            )
    return prose, sections


def _bullets(body: list[Item], heading: Item, pos: Positions) -> Bullets:
    for item in body:
        if item.kind != "bullet":
            raise pos.error(
                item.offset, f"a `- \\`name: type\\`` bullet of {heading.text}", item.text[:40]
            )
    if not body:
        raise pos.error(
            heading.offset + len(heading.text) + 4, f"at least one bullet under {heading.text}"
        )
    end = body[-1].detail_offset + len(body[-1].detail) + 1
    return Bullets(body, pos, end)


def _read_returns(body: list[Item], heading: Item, pos: Positions) -> Schema:
    bullets = _bullets(body, heading, pos)
    first = bullets.peek()
    assert first is not None
    if first[1].name is None:
        schema = read_type_bullet(bullets)
    else:
        properties: dict[str, Schema] = {}
        required: list[str] = []
        while not bullets.done():
            at = bullets.where()
            name, field, is_required = read_field(bullets, "a returned field")
            if name in properties:
                raise pos.error(at, "a returned field not listed before", name)
            properties[name] = field
            if is_required:
                required.append(name)
        schema = {"type": "object", "properties": properties}
        if required:
            schema["required"] = required
    if not bullets.done():
        item = bullets.items[bullets.i]
        raise pos.error(
            item.offset, "the end of Returns (the type above has no more members)", item.text
        )
    return schema


def _check_path(path: str, parameters: list[dict[str, Any]], verb: Item, pos: Positions) -> None:
    in_path = re.findall(r"\{([^}]+)\}", path)
    listed = [p["name"] for p in parameters if p["in"] == "path"]
    for name in in_path:
        if name not in listed:
            raise pos.error(
                verb.detail_offset + path.index("{" + name),
                f"`{name}` listed under Path Parameters",
                "no such bullet",
            )
    for name in listed:
        if name not in in_path:
            raise pos.error(
                verb.detail_offset,
                f"`{{{name}}}` in the path (it is listed under Path Parameters)",
                path,
            )


def _examples(sections: list[Section], chunk: list[Item], pos: Positions) -> dict[str, Any]:
    if not sections:
        raise pos.error(_end_of(chunk), "a `### Example` section with the example response")
    _, _heading, body = sections[0]
    examples: dict[str, Any] = {}
    after_response_heading = False
    for item in body:
        if item.kind == "heading":
            after_response_heading = item.text.lower() == "response"
        elif item.kind == "fence" and (after_response_heading or item.detail == "json"):
            if after_response_heading and "response" not in examples:
                examples["response"] = _json(item.text, item.detail_offset, pos)
                examples["_at"] = item.offset
        elif item.kind == "fence" and "curl" in item.text:
            body_json = _curl_body(item, pos)
            if body_json is not None:
                examples["request"] = body_json
    if "response" not in examples:
        raise pos.error(_end_of(chunk), "`#### Response` and a ```json example response```")
    return examples


def _curl_body(item: Item, pos: Positions) -> Any:
    match = re.search(r"(?:-d|--data(?:-raw)?)\s+'", item.text)
    if not match:
        return None
    return _json(item.text[match.end() :], item.detail_offset + match.end(), pos, prefix=True)


def _json(text: str, offset: int, pos: Positions, prefix: bool = False) -> Any:
    stripped = len(text) - len(text.lstrip())
    try:
        value, end = json.JSONDecoder().raw_decode(text.lstrip())
    except json.JSONDecodeError as error:
        raise pos.error(
            offset + stripped + error.pos,
            f"valid JSON in the example ({error.msg})",
            text.lstrip()[error.pos : error.pos + 20],
        ) from None
    rest = text.lstrip()[end:].strip()
    if rest and not prefix:
        raise pos.error(offset + stripped + end, "the end of the JSON example", rest[:20])
    return value


def _check_example(value: Any, schema: Schema, where: str, pos: Positions, at: int) -> None:
    """Every key of the example must be a field Returns lists: else the page is garbled."""
    if isinstance(value, dict) and "properties" in schema:
        for key, member in value.items():
            if key in schema["properties"]:
                _check_example(member, schema["properties"][key], f"{where}.{key}", pos, at)
            elif "additionalProperties" not in schema:
                raise pos.error(
                    at, f"an example whose `{where}` holds only fields Returns lists", key
                )
    elif isinstance(value, dict) and isinstance(schema.get("additionalProperties"), dict):
        for key, member in value.items():
            _check_example(member, schema["additionalProperties"], f"{where}.{key}", pos, at)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, member in enumerate(value):
            _check_example(member, schema["items"], f"{where}[{index}]", pos, at)


def _summary(prose: list[str]) -> tuple[str, str]:
    text = " ".join(prose).strip()
    sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z])", text)
    summary = sentences[0] if sentences else ""
    return summary, (text if len(sentences) > 1 else "")


def _pagination(parameters: list[dict[str, Any]], response: Schema) -> dict[str, Any] | None:
    query = {p["name"] for p in parameters if p["in"] == "query"}
    returned = response.get("properties", {})
    if {"page", "per_page"} <= query and "result_info" in returned:
        return {
            "style": "page",
            "pageParam": "page",
            "sizeParam": "per_page",
            "items": "result",
            "info": "result_info",
        }
    result = returned.get("result", {}).get("properties", {})
    if "cursor" in query and "cursor" in result:
        arrays = [k for k, v in result.items() if v.get("type") == "array"]
        pagination = {"style": "token", "inputToken": "cursor", "outputToken": "result.cursor"}
        if arrays:
            pagination["items"] = f"result.{arrays[0]}"
        return pagination
    return None


def _end_of(chunk: list[Item]) -> int:
    last = chunk[-1]
    return last.offset + len(last.text) + len(last.detail)
