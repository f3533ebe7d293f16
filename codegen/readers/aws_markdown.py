"""The Markdown rendering of AWS API Reference pages (`API_<Operation>.md`, published beside the
HTML) turned into the plain-text layout the rest of the reader reads.

The Markdown page has the same sections as the HTML one: `# Operation`, `## Request Syntax`
(a fenced block; request placeholders may be drawn `"{{string}}"` / `{{number}}`), list entries
headed ` ** [name](#API_Op_RequestSyntax) **   <a name="..."></a>` (errors: ` ** Name ** `),
`**Note**` lines, `+ ` bullets, links and inline code. The newer rendering of the same pages
(CloudWatch Logs' GetLogEvents) heads entries `**[name](#API_Op_RequestSyntax)**` and errors
`**Name**` without the spaces or anchors, puts a blank line between the Type / constraint /
Required lines, and writes notes as `###### Note` headings: the same text once converted. The conversion is line for line (no line
is added or removed), so a PageError still names the line of the Markdown file.
"""

from __future__ import annotations

import re

_FRONT_MATTER = re.compile(r"\A---\n(?:.*\n)*?---\n")
_HEADING = re.compile(r"#{1,6}[ \t]+(.*?)[ \t]*#*[ \t]*")
_ANCHOR = re.compile(r"<a name=\"[^\"]*\">\s*</a>")
# An entry head: ` ** [name](#...) **` (members) or ` ** Name **` (errors), then an anchor; the
# newer rendering drops the spaces (`**[name](#...)**`, `**Name**`).
_ENTRY = re.compile(r"\*\*[ \t]*\[?([A-Za-z_][A-Za-z0-9_.\-]*)\]?(?:\([^)]*\))?[ \t]*\*\*")
# Bold words alone on a line that are admonitions, not entries (`**Note**`).
_ADMONITIONS = frozenset({"Note", "Important", "Tip", "Warning"})
_BROKEN_LINK = re.compile(r"\[([^\]\n]*)\\\n([^\]\n]*)\]\([^)\s]*\)")
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
    # A link whose text has a hard line break (`[log\\` / `transformation](url)`, newer rendering)
    # loses its link syntax across the break; both lines stay.
    text = _BROKEN_LINK.sub(r"\1\n\2", text)
    front = _FRONT_MATTER.match(text)
    # Front matter lines become blank lines (line numbers are kept).
    head = "\n" * front.group().count("\n") if front else ""
    lines = _join_code_spans(text[front.end() if front else 0 :].split("\n"))
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


def _join_code_spans(lines: list[str]) -> list[str]:
    """A code span wrapped over two lines (newer rendering: `Jan 1,` / `1970 00:00:00 UTC`) loses
    its two backticks, so that neither line keeps a lone one; fenced blocks are left alone."""
    out = list(lines)
    fenced = False
    for index, line in enumerate(out[:-1]):
        if line.lstrip().startswith("```"):
            fenced = not fenced
        if fenced or line.count("`") % 2 == 0 or out[index + 1].count("`") % 2 == 0:
            continue
        cut = line.rindex("`")
        out[index] = line[:cut] + line[cut + 1 :]
        following = out[index + 1]
        cut = following.index("`")
        out[index + 1] = following[:cut] + following[cut + 1 :]
    return out


def _prose(line: str) -> str:
    stripped = _ANCHOR.sub("", line).strip()
    if not stripped:
        return ""
    entry = _ENTRY.fullmatch(stripped)
    if entry and entry.group(1) not in _ADMONITIONS:
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
