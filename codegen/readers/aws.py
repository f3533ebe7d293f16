"""Reader for AWS API Reference pages (AWS JSON 1.1 operations, e.g. CodeBuild, CodePipeline).

A page: the operation name as title, a summary, "Request Syntax" (a JSON-like block), "Request
Parameters" (each top-level member with its Type, constraints and Required), "Response Syntax",
"Response Elements", "Errors" (each with "HTTP Status Code: NNN"), optionally "Examples" with a
sample request and response, then "See Also". The syntax blocks give the structure (nested shapes
appear nowhere else); the lists give the top-level members' types, constraints and shape names.
The draft returned follows the reader contract (see codegen/readers/__init__.py) and
docs/schema-format.md.
"""

from __future__ import annotations

import itertools
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from pulumi_builds.codegen.readers import aws_facts as facts
from pulumi_builds.codegen.readers.aws_datatype import looks_like_datatype, read_datatype
from pulumi_builds.codegen.readers.aws_entries import entries, is_boilerplate
from pulumi_builds.codegen.readers.aws_examples import read_examples
from pulumi_builds.codegen.readers.aws_facts import Entry, split_entry
from pulumi_builds.codegen.readers.aws_markdown import looks_like_markdown, to_text
from pulumi_builds.codegen.readers.aws_names import recover
from pulumi_builds.codegen.readers.aws_shapes import Schema, member_schema
from pulumi_builds.codegen.readers.aws_syntax import Node, parse_block
from pulumi_builds.codegen.readers.aws_text import Page, fold

_ERRORS_TABLE = Path(__file__).resolve().parent.parent / "corrections" / "aws_errors.json"
_TITLE = re.compile(r"([A-Z][A-Za-z0-9]*)(?:\s+-\s+.*)?")
_LONE = re.compile(r"[A-Z][A-Za-z0-9]*")
_NOTES = frozenset({"Note", "Important", "Tip", "Warning"})
# A summary line: at least three words, or a sentence.
_PROSE = re.compile(r"\S+(\s+\S+){2,}|.*\.$")
_STATUS = re.compile(r"HTTP Status Code: ?(\d{3})")
_NO_BODY = re.compile(r"does not have a request body|does not use any URI parameters or request")
_MARKERS = (
    "Request Syntax",
    "Request Parameters",
    "Response Syntax",
    "Response Elements",
    "Common Parameters",
    "Common Errors",
    "HTTP Status Code:",
)


def looks_like(text: str) -> bool:
    """AWS API Reference pages carry the template's fixed headings and phrases; a truncated one
    still has its "Request Syntax" heading line (and is then rejected with a position). Data-type
    pages (one shape, no operation) carry their "Contents" anchor."""
    if looks_like_datatype(text):
        return True
    if re.search(r"(?m)^[ \t]*(#+[ \t]+)?(Request|Response) Syntax[ \t]*$", text):
        return True
    return sum(marker in text for marker in _MARKERS) >= 2


def read_page(text: str, source: str) -> dict[str, Any]:
    if looks_like_datatype(text):
        return read_datatype(text, source)
    markdown = looks_like_markdown(text)
    if markdown:
        text = to_text(text)
    page = Page(text, source, markdown)
    name, after_title = _title(page)
    request_at = _heading(page, after_title, len(text), ("Request Syntax",))
    parameters_at = _heading(page, after_title, len(text), ("Request Parameters",))
    if request_at is not None:
        intro_end, (request_node, cursor) = (
            request_at[0],
            _block(page, request_at, "Request Syntax"),
        )
        parameters_at = _heading_here(page, cursor, "Request Parameters")
    elif parameters_at is not None and _NO_BODY.search(
        text, parameters_at[1], _section_end(page, parameters_at[1])
    ):
        intro_end, request_node, cursor = parameters_at[0], Node("object", parameters_at[0]), 0
    else:
        raise page.error(after_title, "a 'Request Syntax' heading after the summary")
    response_at = _heading(
        page, parameters_at[1], len(text), ("Response Syntax", "Response Elements")
    )
    if response_at is None:
        raise page.error(len(text), "a 'Response Syntax' or 'Response Elements' heading")
    request_entries = _entries(page, parameters_at[1], response_at[0], request_node)
    if page.text.startswith("Response Syntax", response_at[0]):
        response_node, cursor = _block(page, response_at, "Response Syntax")
        elements_at = _heading_here(page, cursor, "Response Elements")
    else:
        response_node, elements_at = Node("object", response_at[0]), response_at
    errors_start, errors_end, examples_at = _tail(page, elements_at[1])
    response_entries = _entries(page, elements_at[1], errors_start, response_node)

    request, parameters = _object(page, request_node, request_entries, request=True)
    response, _ = _object(page, response_node, response_entries, request=False)
    summary, description = _intro(page, after_title, intro_end)
    operation: dict[str, Any] = {"summary": summary}
    if description:
        operation["description"] = description
    operation["http"] = {"method": "POST", "path": "/"}
    examples, target = read_examples(page, examples_at, name) if examples_at else ({}, None)
    if target:
        operation["awsTarget"] = target
    operation.update(
        {
            "request": request,
            "response": response,
            "parameters": parameters,
            "errors": _errors(page, errors_start, errors_end),
            "pagination": _pagination(request, response),
        }
    )
    if examples:
        operation["examples"] = examples
    operation["source"] = source
    return {"dialect": "aws", "operations": {name: operation}}


# --- page layout -------------------------------------------------------------------------------


def _title(page: Page) -> tuple[str, int]:
    """The operation name and the offset where the summary may begin.

    The page may open with site chrome before the name ("Menu", a cookie banner, "Focus mode",
    a regional notice). The name is the one printed as "Name - Service" (the HTML title) when
    there is such a line, else the first line that is a lone PascalCase word followed by prose
    (the summary), else the first lone PascalCase line. The summary starts after the last line
    that repeats the name, so a banner between the title and the heading is left out.
    """
    end = _heading(page, 0, len(page.text), ("Request Syntax", "Request Parameters"))
    lines = [line for line in page.lines(0, end[0] if end else len(page.text)) if line.text]
    if not lines:
        raise page.error(0, "the operation name as the page title", "an empty page")
    titled = [
        m.group(1) for line in lines if (m := _TITLE.fullmatch(line.text)) and " - " in line.text
    ]
    alone = [
        (index, line.text)
        for index, line in enumerate(lines)
        if _LONE.fullmatch(line.text) and line.text not in _NOTES
    ]
    name = (
        titled[0]
        if titled
        else next(
            (
                text
                for index, text in alone
                if index + 1 < len(lines) and _PROSE.match(lines[index + 1].text)
            ),
            alone[0][1] if alone else None,
        )
    )
    if name is None:
        raise page.error(lines[0].offset, "the operation name in PascalCase as the page title")
    last = max(
        line.end for line in lines if line.text == name or line.text.startswith(f"{name} - ")
    )
    return name, last


def _heading(page: Page, start: int, end: int, names: tuple[str, ...]) -> tuple[int, int] | None:
    """(start, end) of the first line in text[start:end] that is exactly one of `names`."""
    pattern = re.compile(r"(?m)^[ \t]*(" + "|".join(map(re.escape, names)) + r")[ \t]*$")
    match = pattern.search(page.text, start, end)
    return (match.start(1), match.end(1)) if match else None


def _section_end(page: Page, start: int) -> int:
    found = _heading(page, start, len(page.text), ("Response Syntax", "Response Elements"))
    return found[0] if found else len(page.text)


def _heading_here(page: Page, cursor: int, name: str) -> tuple[int, int]:
    """The heading that must follow a syntax block (pages often glue it to the closing brace)."""
    match = re.compile(r"\s*").match(page.text, cursor)
    start = match.end() if match else cursor
    if not page.text.startswith(name, start):
        raise page.error(start, f"the '{name}' heading after the syntax block")
    return start, start + len(name)


def _block(page: Page, heading: tuple[int, int], name: str) -> tuple[Node, int]:
    node, cursor = parse_block(page, heading[1], name)
    if node.kind == "map":
        raise page.error(node.offset, f"an object of named members in the {name} block", "a map")
    return node, cursor


def _tail(page: Page, start: int) -> tuple[int, int, int | None]:
    """(errors start, errors end, examples heading end) after the Response Elements section.

    The flattened layout drops the "Errors" heading; the template's sentence about common errors
    still marks where the list begins.
    """
    end = len(page.text)
    see_also = _heading(page, start, end, ("See Also",))
    stop = see_also[0] if see_also else end
    examples = _heading(page, start, stop, ("Examples",))
    body_end = examples[0] if examples else stop
    errors = _heading(page, start, body_end, ("Errors",))
    if errors:
        return errors[0], body_end, examples[1] if examples else None
    common = re.compile(
        r"(?m)^[ \t]*For information about the errors that are common to all "
        r"actions, see Common Errors\.?[ \t]*$"
    ).search(page.text, start, body_end)
    if common:
        return common.start(), body_end, examples[1] if examples else None
    # No errors listed at all: the elements run up to the examples (or the end).
    return body_end, body_end, examples[1] if examples else None


def _intro(page: Page, start: int, end: int) -> tuple[str, str]:
    """Summary (first line of prose) and description (the rest) between title and syntax.

    Markdown pages may wrap their first paragraph over several lines (the newer rendering): there
    the summary is the whole first paragraph, up to the first blank line or bullet."""
    every = [line.text for line in page.lines(start, end)]
    lines = [text for text in every if text]
    if not lines:
        raise page.error(start, "a summary line after the title")
    first = 1
    if page.markdown:
        at = every.index(lines[0])
        paragraph = list(itertools.takewhile(_prose_line, every[at:]))
        first = len(paragraph)
    rest = "\n".join(lines[first:])
    return fold(" ".join(lines[:first])), facts.describe(rest)


def _prose_line(text: str) -> bool:
    """A line that continues the first paragraph: not blank, not a bullet."""
    return bool(text) and not text.startswith(("•", "- "))


# --- members -----------------------------------------------------------------------------------


def _entries(page: Page, start: int, end: int, node: Node) -> list[Entry]:
    spans = entries(page, start, end, names=frozenset(name for name, _ in node.members))
    if not spans and node.members:
        raise page.error(
            start,
            f"an entry for each member of the syntax block "
            f"({', '.join(name for name, _ in node.members)})",
        )
    return [split_entry(page, first, last, name) for name, first, last in spans]


def _object(
    page: Page, node: Node, listed: list[Entry], *, request: bool
) -> tuple[Schema, list[dict[str, Any]]]:
    members = node.members
    if listed and listed[0].name is None:
        names = recover(page, listed, members, listed[0].offset, required_first=request)
        listed = [
            Entry(name, e.description, e.facts, e.offset)
            for e, name in zip(listed, names, strict=True)
        ]
    by_name = {entry.name: entry for entry in listed}
    syntax_names = {name for name, _ in members}
    for entry in listed:
        if entry.name not in syntax_names:
            raise page.error(
                entry.offset,
                f"member {entry.name!r} in the syntax block too "
                f"(its members: {', '.join(sorted(syntax_names)) or 'none'})",
            )
    properties: dict[str, Schema] = {}
    required: list[str] = []
    parameters: list[dict[str, Any]] = []
    for name, child in members:
        found = by_name.get(name)
        if found is None:
            raise page.error(
                child.key_offset, f"an entry for member {name!r} in the list under the syntax block"
            )
        properties[name] = member_schema(page, found, child)
        fact = found.fact("Required")
        is_required = request and fact is not None and facts.required(page, fact)
        if is_required:
            required.append(name)
        parameters.append({"name": name, "in": "body", "required": is_required})
    schema: Schema = {"type": "object"}
    if properties:
        schema["properties"] = properties
    if required:
        schema["required"] = required
    return schema, parameters


# --- errors and pagination ---------------------------------------------------------------------


@cache
def _error_table() -> tuple[dict[str, list[str]], dict[str, str]]:
    table = json.loads(_ERRORS_TABLE.read_text("utf-8"))
    names = {_error_key(text): codes for text, codes in table["byDescription"].items()}
    alone = {
        _error_key(text): code
        for text, code in table["whenAlone"].items()
        if not text.startswith("_")
    }
    return names, alone


def _error_key(description: str) -> str:
    return fold(description).replace("Amazon Web Services", "AWS").rstrip(".").strip()


def _errors(page: Page, start: int, end: int) -> list[dict[str, Any]]:
    heading = _heading(page, start, end, ("Errors",))
    body = heading[1] if heading else start
    found: list[tuple[str | None, int, str, int | None]] = []  # name, offset, description, status
    for name, first, last in entries(page, body, end, errors=True):
        text = page.text[first:last]
        status = _STATUS.search(text)
        prose = text[: status.start()] if status else text
        description = facts.describe(
            "\n".join(line for line in prose.split("\n") if not is_boilerplate(line.strip()))
        )
        found.append((name, first, description, int(status.group(1)) if status else None))
    out: list[dict[str, Any]] = []
    for name, offset, description, code in found:
        error: dict[str, Any] = {"code": name or _error_name(page, offset, description, found)}
        if code is not None:
            error["status"] = code
        if description:
            error["description"] = description
        out.append(error)
    return out


def _error_name(
    page: Page, offset: int, description: str, found: list[tuple[str | None, int, str, int | None]]
) -> str:
    """The name of an error the flattened layout listed without one, from its description.

    Published lists are alphabetical, so a description shared by n errors that occurs n times
    takes their names in that order.
    """
    by_description, when_alone = _error_table()
    key = _error_key(description)
    names = by_description.get(key, [])
    same = [at for _, at, text, _ in found if _error_key(text) == key]
    if len(names) == 1:
        return names[0]
    if names and len(same) == len(names):
        return sorted(names)[same.index(offset)]
    if len(same) == 1 and key in when_alone:
        return when_alone[key]
    reason = "lists several errors" if names else "has no error"
    raise page.error(
        offset,
        "an error name (the page lists none here, and "
        f"codegen/corrections/aws_errors.json {reason} with this description)",
        description[:60],
    )


def _pagination(request: Schema, response: Schema) -> dict[str, Any] | None:
    """Token pagination when nextToken is both sent and returned; items: the returned array."""
    inputs, outputs = request.get("properties", {}), response.get("properties", {})
    if "nextToken" not in inputs or "nextToken" not in outputs:
        return None
    pagination: dict[str, Any] = {
        "style": "token",
        "inputToken": "nextToken",
        "outputToken": "nextToken",
    }
    arrays = [name for name, schema in outputs.items() if schema.get("type") == "array"]
    if arrays:
        pagination["items"] = arrays[0]
    return pagination
