"""Positions in an AWS API Reference page: offsets to line:column, and errors that name them."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from pulumi_builds.codegen.errors import PageError

_WS = re.compile(r"\s+")


def fold(text: str) -> str:
    """Whitespace folded to single spaces, ends trimmed (descriptions are kept verbatim otherwise)."""
    return _WS.sub(" ", text).strip()


@dataclass
class Page:
    """The page text plus what is needed to report a position in it."""

    text: str
    source: str
    markdown: bool = False  # converted from the Markdown rendering (entry heads are one line)
    _line_starts: list[int] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self._line_starts = [0] + [m.end() for m in re.finditer(r"\n", self.text)]

    def where(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of an offset."""
        offset = max(0, min(offset, len(self.text)))
        index = bisect.bisect_right(self._line_starts, offset) - 1
        return index + 1, offset - self._line_starts[index] + 1

    def error(self, offset: int, expected: str, found: str | None = None) -> PageError:
        """A PageError at `offset`; `found` defaults to the rest of the line there."""
        line, column = self.where(offset)
        if found is None:
            rest = self.text[offset:].split("\n", 1)[0].strip()
            found = (
                rest[:60] if rest else "end of page" if offset >= len(self.text) else "a blank line"
            )
        return PageError(self.source, line, column, expected, found)

    def lines(self, start: int, end: int) -> list[Line]:
        """The lines of text[start:end], each with the page offset where it begins."""
        out: list[Line] = []
        offset = start
        for raw in self.text[start:end].split("\n"):
            out.append(Line(raw, offset))
            offset += len(raw) + 1
        return out


@dataclass(frozen=True)
class Line:
    raw: str
    offset: int

    @property
    def text(self) -> str:
        return self.raw.strip()

    @property
    def end(self) -> int:
        return self.offset + len(self.raw)
