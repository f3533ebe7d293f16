"""Cutting a "Request Parameters" / "Response Elements" / "Errors" section into entries.

Two layouts occur. The usual one marks each entry with its name:

    - ids
    -
    The IDs of the builds. Type: Array of strings ...

The Markdown rendering (converted by aws_markdown) marks each with a single "- ids" line.

The plain one (the HTML page as text, one paragraph per line) prints each name alone on a line
before its body:

    ids
    The IDs of the builds.
    Type: Array of strings

The flattened one (a rendering that lost the definition-list terms) has only the bodies, one after
the other: an entry ends with its facts ("Type: ...", "Required: ...", or "HTTP Status Code: NNN"
for errors) and the next prose line starts the next entry. The names are recovered by the caller.
The plain and flattened layouts are cut the same way; when every entry's first line is a name (a
member of the syntax block, or an error name), the entries are named.
"""

from __future__ import annotations

import re

from pulumi_builds.codegen.readers.aws_facts import LABEL
from pulumi_builds.codegen.readers.aws_text import Line, Page

# Fixed sentences of the documentation template, never part of an entry.
_BOILERPLATE = re.compile(
    r"For information about the (parameters|errors) that are common to all actions, see Common "
    r"(Parameters|Errors)\.?"
    r"|The request accepts the following data in JSON format\.?"
    r"|In the following list, the required parameters are described first\.?"
    r"|If the action is successful, the service sends back an HTTP \d{3} response.*"
    r"|The following data is returned in JSON format by the service\.?"
    r"|The request does not have a request body\.?"
    r"|The request does not use any URI parameters\.?"
)
_NAME = re.compile(r"- (\S+)")
_ERROR_NAME = re.compile(r"[A-Z][A-Za-z0-9]*")
_STATUS = re.compile(r"HTTP Status Code: ?\d{3}")

Span = tuple[str | None, int, int]  # (name or None, start offset, end offset) of an entry body


def is_boilerplate(text: str) -> bool:
    return bool(_BOILERPLATE.fullmatch(text))


def entries(
    page: Page, start: int, end: int, *, errors: bool = False, names: frozenset[str] = frozenset()
) -> list[Span]:
    """The entries of text[start:end] in page order, named when the page names them.

    `names`: the member names the syntax block shows (a line equal to one of them may head an
    entry in the plain layout); errors are headed by an error name.
    """
    lines = [line for line in page.lines(start, end) if line.text]
    named = _named(lines, end, single=page.markdown)
    if named is not None:
        return named
    spans = _flattened(lines, errors)
    return _plain(page, spans, errors, names) or spans


def _named(lines: list[Line], end: int, *, single: bool) -> list[Span] | None:
    heads: list[tuple[str, int, int]] = []  # (name, offset of the "- name" line, body start)
    for index, line in enumerate(lines[:-1]):
        match = _NAME.fullmatch(line.text)
        if match and single:
            heads.append((match.group(1), line.offset, line.end + 1))
        elif match and lines[index + 1].text == "-":
            heads.append((match.group(1), line.offset, lines[index + 1].end + 1))
    if not heads:
        return None
    spans: list[Span] = []
    for index, (name, _, body) in enumerate(heads):
        stop = heads[index + 1][1] if index + 1 < len(heads) else end
        spans.append((name, body, stop))
    return spans


def _plain(page: Page, spans: list[Span], errors: bool, names: frozenset[str]) -> list[Span] | None:
    """The spans renamed from their first line when every one starts with a name line."""
    out: list[Span] = []
    for _, first, last in spans:
        head = page.text[first:last].split("\n", 1)
        name = head[0].strip()
        fits = _ERROR_NAME.fullmatch(name) if errors else name in names
        if len(head) < 2 or not fits:
            return None
        out.append((name, first + len(head[0]) + 1, last))
    return out or None


def _flattened(lines: list[Line], errors: bool) -> list[Span]:
    spans: list[Span] = []
    current: list[Line] = []
    closed = False  # the current entry has shown the fact that ends it
    continues = False  # the previous fact had its value on the next line ("Pattern:")
    notes = {"Note", "Important", "Tip", "Warning"}
    for index, line in enumerate(lines):
        text = line.text
        following = lines[index + 1].text if index + 1 < len(lines) else ""
        if is_boilerplate(text) or (text in notes and is_boilerplate(following)):
            continue
        # A line that starts with prose opens the next entry once the current one has shown its
        # closing fact; pages that print an entry on one line ("The ID. Type: String Required:
        # No") carry prose and facts on the same line.
        if errors:
            leads, fact = bool(_STATUS.match(text)), bool(_STATUS.search(text))
        else:
            leads = bool(LABEL.match(text))
            fact = leads or any(m.group(1) == "Type" for m in LABEL.finditer(text))
        # An empty list bullet ("-" alone) is the page's layout, not the start of an entry.
        bullet = text.strip() == "-"
        if current and closed and not leads and not continues and not bullet:
            spans.append((None, current[0].offset, current[-1].end))
            current, closed = [], False
        current.append(line)
        if fact:
            closed = True
        continues = fact and text.endswith(":")
    if current:
        spans.append((None, current[0].offset, current[-1].end))
    return spans
