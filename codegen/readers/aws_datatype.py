"""AWS API Reference data-type pages (`API_<Shape>.md`): one shape, its members and their facts.

An operation page draws nested shapes only in its syntax blocks (names and `"string"` / `number`
placeholders). AWS publishes a page per shape (Build, BuildPhase, JobData, ...) whose "Contents"
list gives every member the same entry an operation page gives its top-level members: a
description, "Type:", "Array Members:", "Length Constraints:", "Valid Range:", "Pattern:",
"Valid Values:" and "Required:". The layout (Markdown rendering, as published):

    # BuildPhase
    <a name="API_BuildPhase"></a>
    <description>
    ## Contents
     ** phaseStatus **   <a name="CodeBuild-Type-BuildPhase-phaseStatus"></a>
    <description>
    Type: String
    Valid Values: `SUCCEEDED | FAILED | ...`
    Required: No
    ## See Also

Some copies wrap the page in a spec header (front matter, a second title, quoted lines) or end
with a further section after "See Also"; the shape is the one the `API_<Shape>` anchor names and
the members end at the first "See Also" heading. The draft has `shapes` instead of `operations`:
`{"dialect": "aws", "shapes": {"<Shape>": <object schema>}}`; normalize.py merges the facts into
the operations' nested members (codegen/datatypes.py).
"""

from __future__ import annotations

import re
from typing import Any

from pulumi_builds.codegen.readers import aws_facts as facts
from pulumi_builds.codegen.readers.aws_entries import entries
from pulumi_builds.codegen.readers.aws_facts import split_entry
from pulumi_builds.codegen.readers.aws_markdown import to_text
from pulumi_builds.codegen.readers.aws_shapes import Schema, constrain, declared, known_type
from pulumi_builds.codegen.readers.aws_text import Page

_SHAPE_ANCHOR = re.compile(r"<a name=\"API_([A-Za-z][A-Za-z0-9]*)\">\s*</a>")
_CONTENTS_ANCHOR = re.compile(r"<a name=\"API_[A-Za-z0-9]+_Contents\">\s*</a>")
_CONTENTS = re.compile(r"(?m)^[ \t]*Contents[ \t]*$")
_SEE_ALSO = re.compile(r"(?mi)^[ \t]*See Also[ \t]*$")


def looks_like_datatype(text: str) -> bool:
    """A data-type page: the "Contents" anchor only these pages carry, and no syntax blocks."""
    return bool(_CONTENTS_ANCHOR.search(text)) and not re.search(
        r"(?m)^[ \t]*(#+[ \t]+)?(Request|Response) Syntax[ \t]*$", text
    )


def read_datatype(text: str, source: str) -> dict[str, Any]:
    anchor = _SHAPE_ANCHOR.search(text)
    page = Page(to_text(text), source, markdown=True)
    if anchor is None:
        raise page.error(0, 'the shape name as an anchor <a name="API_<Shape>"></a>')
    name = anchor.group(1)
    # to_text keeps lines, not columns: the shape's description starts on the line after it.
    line = text.count("\n", 0, anchor.start()) + 1
    after = sum(len(raw) + 1 for raw in page.text.split("\n")[:line])
    contents = _CONTENTS.search(page.text, after)
    if contents is None:
        raise page.error(after, f"a 'Contents' heading listing the members of {name}")
    see_also = _SEE_ALSO.search(page.text, contents.end())
    end = see_also.start() if see_also else len(page.text)
    description = facts.describe(page.text[after : contents.start()])
    properties: dict[str, Schema] = {}
    required: list[str] = []
    for member, first, last in entries(page, contents.end(), end):
        if member is None:  # Markdown heads name every entry; anything else is not this layout
            raise page.error(first, "a member entry headed ' ** name ** '")
        if member in properties:
            raise page.error(first, "each member listed once", f"{member!r} repeated")
        entry = split_entry(page, first, last, member)
        schema = declared(known_type(page, entry))
        for fact in entry.facts:
            constrain(page, schema, fact)
        flag = entry.fact("Required")
        if flag is not None and facts.required(page, flag):
            required.append(member)
        if entry.description:
            title = {"title": schema.pop("title")} if "title" in schema else {}
            schema = {**title, "description": entry.description, **schema}
        properties[member] = schema
    if not properties:
        raise page.error(contents.end(), f"at least one member of {name} under 'Contents'")
    shape: Schema = {"type": "object", "title": name}
    if description:
        shape["description"] = description
    shape["properties"] = properties
    if required:
        shape["required"] = required
    return {"dialect": "aws", "shapes": {name: shape}}
