"""The Cloud Foundry portal page as numbered lines, plus reading the JSON examples embedded in it.

The portal's text rendering is line oriented: headings, type lines, names and values each sit on a
line of their own. Some renderings split inline elements over several lines ("Returns\\nBuild\\nof
type(s)\\napplication/json", "array of\\nobject"); `page_lines` joins those back so the readers see
one layout. Every line keeps its 1-based number in the published file for error messages.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from pulumi_builds.codegen.errors import PageError

_BASE = r"(?:string|integer|number|boolean|object|array)"
# "array of" / "string of" left dangling at the end of a line, completed by the next line.
_DANGLING_OF = re.compile(rf"^{_BASE}(?: of {_BASE})* of$")
_RETURNS_WORD = "Returns"


@dataclass(frozen=True)
class Line:
    number: int  # 1-based line number in the page as published
    text: str

    @property
    def stripped(self) -> str:
        return self.text.strip()

    @property
    def blank(self) -> bool:
        return not self.text.strip()


def page_lines(text: str) -> list[Line]:
    """Number the page's lines and join the inline elements some renderings split."""
    raw = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines = [Line(i + 1, t.rstrip()) for i, t in enumerate(raw)]
    out: list[Line] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        s = line.stripped
        if _DANGLING_OF.match(s) and i + 1 < len(lines) and not lines[i + 1].blank:
            out.append(Line(line.number, f"{s} {lines[i + 1].stripped}"))
            i += 2
            continue
        # "Returns" / "Build" / "of type(s)" / "application/json" on four lines.
        if s == _RETURNS_WORD and i + 3 < len(lines) and lines[i + 2].stripped == "of type(s)":
            joined = f"Returns {lines[i + 1].stripped} of type(s) {lines[i + 3].stripped}"
            out.append(Line(line.number, joined))
            i += 4
            continue
        # Request bodies: "BuildUpdate" / "of type(s)" / "application/json".
        if (
            s
            and i + 2 < len(lines)
            and lines[i + 1].stripped == "of type(s)"
            and not lines[i + 2].blank
        ):
            out.append(Line(line.number, f"{s} of type(s) {lines[i + 2].stripped}"))
            i += 3
            continue
        # "This response body class contains all of the following:" / "BaseSchema".
        if s.endswith("contains all of the following:") and i + 1 < len(lines):
            out.append(Line(line.number, f"{s} {lines[i + 1].stripped}"))
            i += 2
            continue
        out.append(line)
        i += 1
    return out


def read_json(lines: list[Line], start: int, source: str) -> tuple[Any, int]:
    """Decode the JSON value that begins on lines[start]; return it and the index after it.

    The example ends where the JSON value ends (the portal puts field blocks right after it), so
    the decoder is run on the rest of the page and stopped at the end of the first value.
    """
    # Renderings that indent the page indent the example too: decode from its first character.
    indent = len(lines[start].text) - len(lines[start].text.lstrip())
    text = "\n".join([lines[start].text[indent:]] + [line.text for line in lines[start + 1 :]])
    try:
        value, end = json.JSONDecoder().raw_decode(text)
    except json.JSONDecodeError as exc:
        number = lines[min(start + exc.lineno - 1, len(lines) - 1)].number
        found = exc.doc[exc.pos : exc.pos + 20] if exc.pos < len(exc.doc) else "end of page"
        column = exc.colno + (indent if exc.lineno == 1 else 0)
        raise PageError(source, number, column, f"a JSON example ({exc.msg})", found) from None
    consumed = text[:end].count("\n") + 1
    last = lines[start + consumed - 1]
    used = len(text[:end].rsplit("\n", 1)[-1]) + (indent if consumed == 1 else 0)
    rest = last.text[used:]
    if rest.strip():
        raise PageError(source, last.number, used + 1, "end of line after JSON", rest)
    return value, start + consumed


def fail(source: str, lines: list[Line], index: int, expected: str) -> PageError:
    """A PageError pointing at lines[index] (or the end of the page when index is past it)."""
    if index >= len(lines):
        last = lines[-1].number if lines else 1
        return PageError(source, last + 1, 1, expected, "end of page")
    line = lines[index]
    column = len(line.text) - len(line.text.lstrip()) + 1
    return PageError(source, line.number, column, expected, line.stripped)
