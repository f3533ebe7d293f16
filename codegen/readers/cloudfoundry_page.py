"""The sections of a Cloud Foundry v3 portal page, read in order into plain data.

<Title>                      "List Builds" (the operation name, spaced)
<Title>                      repeated by some renderings
<summary>                    "List builds"
<description>                "Retrieve all builds."
Request / URI / <METHOD> / <URL> / COPY
Path Parameters | Query Parameters | Header Parameters   field blocks
Request Body                 prose, "<Name> of type(s) <media>", Optional/Required,
                             "Show optional properties" + minimal JSON, full JSON, field blocks
Authentication ...           (optional)
Responses                    per status: code, reason, "Returns <Name> of type(s) <media>",
                             JSON example, field blocks
Code Samples                 end of the reference part
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pulumi_builds.codegen.readers.cloudfoundry_fields import FieldBlock, parse_blocks, starts_block
from pulumi_builds.codegen.readers.cloudfoundry_lines import Line, fail, page_lines, read_json

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
PARAMETER_SECTIONS = {
    "Path Parameters": "path",
    "Query Parameters": "query",
    "Header Parameters": "header",
}
_BODY = "Request Body"
_AUTH = "Authentication"
_RESPONSES = "Responses"
_END = "Code Samples"
_URL = re.compile(r"^https?://[^/\s]+(?P<path>/\S*)$")
_STATUS = re.compile(r"^(?:[1-5]\d\d|default)$")
_RETURNS = re.compile(r"^Returns (?P<name>\S+) of type\(s\) (?P<media>.+)$")
_NAMED_BODY = re.compile(r"^(?P<name>\S+) of type\(s\) (?P<media>.+)$")
_NO_BODY = "Operation doesn't return any data structure"
_SHOW_OPTIONAL = "Show optional properties"


@dataclass
class Body:
    name: str | None = None
    description: str | None = None
    required: bool | None = None
    minimal: Any = None  # the example with required members only, when shown
    example: Any = None  # the full example
    has_example: bool = False
    blocks: list[FieldBlock] = field(default_factory=list)


@dataclass
class Response:
    status: str
    reason: str
    line: int
    body: Body


@dataclass
class PageParts:
    title: str
    summary: str
    description: str | None
    method: str
    path: str
    parameters: list[tuple[str, FieldBlock]]  # (location, block) in page order
    body: Body | None
    responses: list[Response]


def _skip_blank(lines: list[Line], i: int) -> int:
    while i < len(lines) and lines[i].blank:
        i += 1
    return i


def _expect(lines: list[Line], i: int, source: str, text: str) -> int:
    i = _skip_blank(lines, i)
    if i >= len(lines) or lines[i].stripped != text:
        raise fail(source, lines, i, repr(text))
    return i + 1


def _find(lines: list[Line], start: int, wanted: set[str], source: str, what: str) -> int:
    for i in range(start, len(lines)):
        if lines[i].stripped in wanted:
            return i
    raise fail(source, lines, len(lines), what)


def read_parts(text: str, source: str) -> PageParts:
    lines = page_lines(text)
    i = _skip_blank(lines, 0)
    if i >= len(lines):
        raise fail(source, lines, i, "the operation title")
    request_at = _find(lines, i, {"Request"}, source, "the 'Request' section")
    title, summary, description = _read_heading(lines, i, request_at, source)
    i = _expect(lines, request_at + 1, source, "URI")
    i = _skip_blank(lines, i)
    if i >= len(lines) or lines[i].stripped not in METHODS:
        raise fail(source, lines, i, "an HTTP method (" + ", ".join(METHODS) + ")")
    method = lines[i].stripped
    i = _skip_blank(lines, i + 1)
    url = _URL.match(lines[i].stripped) if i < len(lines) else None
    if url is None:
        raise fail(source, lines, i, "the request URL (https://host/path)")
    path = url.group("path")
    i = _skip_blank(lines, i + 1)
    if i < len(lines) and lines[i].stripped == "COPY":
        i += 1

    stops = set(PARAMETER_SECTIONS) | {_BODY, _AUTH, _RESPONSES}
    parameters: list[tuple[str, FieldBlock]] = []
    body: Body | None = None
    responses_at = _find(lines, i, {_RESPONSES}, source, "the 'Responses' section")
    while True:
        i = _skip_blank(lines, i)
        heading = lines[i].stripped
        if heading == _RESPONSES:
            break
        if heading == _AUTH:
            i = responses_at  # the authentication methods are not rendered as text
            continue
        end = next(k for k in range(i + 1, responses_at + 1) if lines[k].stripped in stops)
        if heading in PARAMETER_SECTIONS:
            location = PARAMETER_SECTIONS[heading]
            blocks = parse_blocks(lines, i + 1, end, source, typed=True)
            parameters += [(location, b) for b in blocks]
        elif heading == _BODY and body is None:
            body = _read_request_body(lines, i + 1, end, source)
        else:
            raise fail(source, lines, i, "a parameter section, 'Request Body' or 'Responses'")
        i = end

    end_at = next(
        (k for k in range(responses_at + 1, len(lines)) if lines[k].stripped == _END), len(lines)
    )
    # Responses first, so that a page cut inside one is reported there.
    responses = _read_responses(lines, responses_at + 1, end_at, source)
    if end_at == len(lines):
        raise fail(source, lines, end_at, f"the '{_END}' section (end of the reference part)")
    return PageParts(title, summary, description, method, path, parameters, body, responses)


def _read_heading(lines: list[Line], i: int, end: int, source: str) -> tuple[str, str, str | None]:
    """Title, summary line and description (whitespace folded) above the 'Request' section."""
    title = lines[i].stripped
    flat = [line.stripped for line in lines[i + 1 : end] if not line.blank]
    if flat and flat[0] == title:  # the title repeated as a heading
        flat = flat[1:]
    if not flat:
        raise fail(source, lines, end, "a summary line under the title")
    description = " ".join(" ".join(flat[1:]).split())
    return title, flat[0], description or None


def _read_request_body(lines: list[Line], start: int, end: int, source: str) -> Body:
    body = Body()
    prose: list[str] = []
    i = start
    while i < end and not lines[i].stripped.startswith(("{", "[")):
        if starts_block(lines, i, end):
            break  # members listed without a JSON example (form data, for one)
        s = lines[i].stripped
        named = _NAMED_BODY.match(s)
        if named:
            body.name = named.group("name")
        elif s in ("Optional", "Required"):
            body.required = s == "Required"
        elif s != _SHOW_OPTIONAL and s:
            prose.append(s)
        i += 1
    body.description = " ".join(" ".join(prose).split()) or None
    if i < end and not lines[i].stripped.startswith(("{", "[")):
        body.blocks = parse_blocks(lines, i, end, source)
        return body
    if i >= end:
        raise fail(source, lines, i, "the JSON example or the members of the request body")
    first, i = read_json(lines, i, source)
    j = _skip_blank(lines, i)
    if j < end and lines[j].stripped.startswith(("{", "[")):
        # "Show optional properties": the example with required members only, then the full one.
        body.minimal = first
        body.example, i = read_json(lines, j, source)
    else:
        body.example = first
    body.has_example = True
    body.blocks = parse_blocks(lines, i, end, source)
    return body


def _read_responses(lines: list[Line], start: int, end: int, source: str) -> list[Response]:
    starts = [k for k in range(start, end) if _STATUS.match(lines[k].stripped)]
    first = _skip_blank(lines, start)
    if not starts or first != starts[0]:
        raise fail(source, lines, first, "a response status code such as 200")
    responses: list[Response] = []
    i = starts[0]
    while i < end:
        status_line = lines[i]
        i = _skip_blank(lines, i + 1)
        if i >= end or _STATUS.match(lines[i].stripped):
            raise fail(source, lines, i, f"the reason phrase of response {status_line.stripped}")
        reason = lines[i].stripped
        body, i = _read_response_body(lines, i + 1, end, source)
        responses.append(Response(status_line.stripped, reason, status_line.number, body))
        i = _skip_blank(lines, i)
    return responses


def _read_response_body(lines: list[Line], i: int, end: int, source: str) -> tuple[Body, int]:
    """Read one response after its reason phrase; return it and the index of the next status."""
    body = Body()
    while i < end:
        s = lines[i].stripped
        if _STATUS.match(s):
            break
        returns = _RETURNS.match(s)
        if returns:
            body.name = returns.group("name")
            i += 1
            continue
        if s.startswith(("{", "[")):
            body.example, i = read_json(lines, i, source)
            body.has_example = True
            nxt = next((k for k in range(i, end) if _STATUS.match(lines[k].stripped)), end)
            body.blocks = parse_blocks(lines, i, nxt, source)
            return body, nxt
        if s.startswith("This response body class contains") or s == _NO_BODY or not s:
            i += 1
            continue
        if s == "Response Headers":
            # Header field blocks describe the Location of async jobs; they are not body schema.
            nxt = next(
                (
                    k
                    for k in range(i + 1, end)
                    if _STATUS.match(lines[k].stripped)
                    or lines[k].stripped.startswith(("{", "["))
                    or _RETURNS.match(lines[k].stripped)
                ),
                end,
            )
            i = nxt
            continue
        raise fail(source, lines, i, "'Returns <Name> of type(s) <media>' or a JSON example")
    if body.name is not None and not body.has_example:
        raise fail(source, lines, i, f"the JSON example of {body.name}")
    return body, i
