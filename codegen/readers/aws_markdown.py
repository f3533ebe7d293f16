"""The Markdown rendering of AWS API Reference pages (`API_<Operation>.md`, published beside the
HTML) turned into the plain-text layout the rest of the reader reads.

The Markdown page has the same sections as the HTML one: `# Operation`, `## Request Syntax`
(a fenced block; request placeholders may be drawn `"{{string}}"` / `{{number}}`), list entries
headed ` ** [name](#API_Op_RequestSyntax) **   <a name="..."></a>` (errors: ` ** Name ** `),
`**Note**` lines, `+ ` bullets, links and inline code. The conversion is line for line (no line
is added or removed), so a PageError still names the line of the Markdown file.
"""

from __future__ import annotations

import re

_FRONT_MATTER = re.compile(r"\A---\n(?:.*\n)*?---\n")
_HEADING = re.compile(r"#{1,6}[ \t]+(.*?)[ \t]*#*[ \t]*")
_ANCHOR = re.compile(r"<a name=\"[^\"]*\">\s*</a>")
# An entry head: ` ** [name](#...) **` (members) or ` ** Name **` (errors), then an anchor.
_ENTRY = re.compile(r"\*\*[ \t]+\[?([A-Za-z_][A-Za-z0-9_.\-]*)\]?(?:\([^)]*\))?[ \t]+\*\*")
_LINK = re.compile(r"\[([^\]]*)\]\([^)\s]*\)")
_CODE_SPAN = re.compile(r"(`+)(.*?)\1")
_EMPHASIS = re.compile(r"\*\*(.+?)\*\*|(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])")
_PLACEHOLDER = re.compile(r"\{\{([A-Za-z ]+)\}\}")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|])")  # Markdown escapes (`C\+\+`)
_MARKERS = re.compile(r"(?m)^#{1,6}[ \t]+(Request|Response) Syntax[ \t]*$|<a name=\"API_")


def looks_like_markdown(text: str) -> bool:
    return bool(_MARKERS.search(text)) and "```" in text


def to_text(text: str) -> str:
    """The page with Markdown syntax removed, one output line per input line."""
    front = _FRONT_MATTER.match(text)
    # Front matter lines become blank lines (line numbers are kept).
    head = "\n" * front.group().count("\n") if front else ""
    lines = text[front.end() if front else 0 :].split("\n")
    out: list[str] = []
    fenced = False
    for line in lines:
        if line.lstrip().startswith("```"):
            fenced = not fenced
            out.append("")
            continue
        if fenced:
            out.append(_PLACEHOLDER.sub(r"\1", line))
            continue
        out.append(_prose(line))
    return head + "\n".join(out)


def _prose(line: str) -> str:
    stripped = _ANCHOR.sub("", line).strip()
    if not stripped:
        return ""
    entry = _ENTRY.fullmatch(stripped)
    if entry:
        # Marks a named entry the way the HTML rendering's definition list does ("- name").
        return f"- {entry.group(1)}"
    heading = _HEADING.fullmatch(stripped)
    if heading:
        stripped = heading.group(1)
    if stripped.startswith("+ "):
        stripped = "• " + stripped[2:].strip()
    return _inline(stripped)


def _inline(text: str) -> str:
    """Links and emphasis removed outside code spans; code spans kept verbatim (patterns)."""
    parts: list[str] = []
    last = 0
    for span in _CODE_SPAN.finditer(text):
        parts.append(_plain(text[last : span.start()]))
        parts.append(span.group(2))
        last = span.end()
    parts.append(_plain(text[last:]))
    return "".join(parts).strip()


def _plain(text: str) -> str:
    text = _LINK.sub(r"\1", text)
    text = _EMPHASIS.sub(lambda m: m.group(1) or m.group(2), text)
    return _ESCAPE.sub(r"\1", text)
