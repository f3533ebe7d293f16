"""Splits a Cloudflare API markdown page into a flat list of items.

The published pages arrive either as markdown with newlines or folded onto ONE line, so nothing
here relies on line breaks: an item starts wherever a structural marker starts after whitespace
(a heading `## `, a bullet ``- ` ``, a code fence ```` ``` ````, an HTTP verb `**get**`).
Every item keeps its offset so errors can name line and column.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from pulumi_builds.codegen.errors import PageError

# Where free text (a description, a heading's title) stops: the next structural marker. A list
# item of prose inside a description ("- `Init`: Initialized process", the code span followed at
# once by a colon) is no bullet: real bullets put the colon inside the code span.
_NEXT_MARKER = re.compile(r"\s(?=- `(?![^`\n]*`:)|```|#{1,6} |\*\*[A-Za-z]+\*\*\s*`)")
_HEADING = re.compile(r"(#{1,6}) ")
_VERB = re.compile(r"\*\*([A-Za-z]+)\*\*\s*`([^`]*)`")


@dataclass(frozen=True)
class Item:
    """One structural piece of the page. `kind` is heading, verb, bullet, fence or text."""

    kind: str
    offset: int
    text: str = ""  # heading title, bullet code, fence body, verb, free text
    detail: str = ""  # heading level, bullet description, fence language, verb path
    detail_offset: int = 0  # where a verb's path or a fence's body starts in the page
    text_offset: int = 0  # where `text` starts in the page (bullet code)
    indent: int = -1  # a bullet's indentation when it starts a line; -1 on a folded page


class Positions:
    """Turns offsets into 1-based (line, column) pairs for error messages."""

    def __init__(self, text: str, source: str) -> None:
        self.source = source
        self.length = len(text)
        self._line_starts = [0] + [m.end() for m in re.finditer(r"\n", text)]

    def at(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self._line_starts, offset) - 1
        return line + 1, offset - self._line_starts[line] + 1

    def error(self, offset: int, expected: str, found: str = "") -> PageError:
        line, column = self.at(offset)
        return PageError(self.source, line, column, expected, found)


def _fold(text: str) -> str:
    return " ".join(text.split())


def _until_marker(text: str, start: int) -> int:
    match = _NEXT_MARKER.search(text, start)
    return match.start() if match else len(text)


def scan(text: str, pos: Positions) -> list[Item]:
    """Cut the page into items, in page order."""
    items: list[Item] = []
    i = 0
    n = len(text)
    while True:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            return items
        if text.startswith("```", i):
            items.append(_fence(text, i, pos))
            i = text.index("```", i + 3) + 3
        elif text.startswith("- `", i):
            item, i = _bullet(text, i, pos)
            items.append(item)
        elif heading := _HEADING.match(text, i):
            end = _until_marker(text, heading.end())
            title = _fold(text[heading.end() : end])
            if not title:
                raise pos.error(heading.end(), "a heading title", text[i : i + 20])
            items.append(Item("heading", i, title, str(len(heading.group(1)))))
            i = end
        elif verb := _VERB.match(text, i):
            items.append(Item("verb", i, verb.group(1), verb.group(2), verb.start(2)))
            i = verb.end()
        else:
            end = _until_marker(text, i)
            items.append(Item("text", i, _fold(text[i:end])))
            i = end


def _fence(text: str, start: int, pos: Positions) -> Item:
    close = text.find("```", start + 3)
    if close < 0:
        line, column = pos.at(start)
        raise pos.error(
            pos.length,
            f"the closing ``` of the code block opened at {line}:{column}",
            "end of page",
        )
    lang = re.match(r"[\w+-]*", text[start + 3 : close])
    language = lang.group(0) if lang else ""
    body_start = start + 3 + len(language)
    return Item("fence", start, text[body_start:close], language, body_start)


def _bullet(text: str, start: int, pos: Positions) -> tuple[Item, int]:
    code_start = start + 3
    close = text.find("`", code_start)
    if close < 0 or text.startswith("```", close):
        line, column = pos.at(start)
        raise pos.error(
            close if close >= 0 else pos.length,
            f"the closing ` of the bullet opened at {line}:{column}",
            "```" if close >= 0 else "end of page",
        )
    code = text[code_start:close]
    if "\n" in code:
        raise pos.error(code_start, "a closing ` on the same line as the bullet", code[:30])
    end = _until_marker(text, close + 1)
    description = _fold(text[close + 1 : end])
    line_start = text.rfind("\n", 0, start) + 1
    indent = start - line_start if not text[line_start:start].strip() else -1
    return Item("bullet", start, code, description, close + 1, code_start, indent), end
