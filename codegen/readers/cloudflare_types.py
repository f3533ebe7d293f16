"""Parses the type in a bullet's code span, e.g. `builds: optional map[object { a, 8 more }]`.

Grammar (as the Cloudflare API reference renders its OpenAPI schemas):

    bullet   := [name ":"] ["optional"] union | Title "=" union
    union    := term (("or" | "|") (term | INT "more"))*
    term     := "array" "of" union | "map" "[" union "]" | [Title] "object" ["{" names "}"]
              | "{" names "}" | Title
              | "string" | "number" | "integer" | "boolean" | "unknown" | "null"
              | STRING-LITERAL | NUMBER-LITERAL | "true" | "false"
    names    := (name ",")* [INT "more"]

"N more" in a member list or a union means N more entries are listed as the bullets that follow;
the caller uses the counts to know how many following bullets belong to this one. A bare Title
(`direction: optional SortDirection`, `result: array of RecordResponse`) names a type whose
definition follows as bare bullets: its values (`"asc"`) or its variants (`ARecord = ARecord`,
`OpenpgpkeyRecord object { ... }`), with no count. `Title = type` is such a variant, or a type
declared in a "Domain Types" section (`ConnectionDeleteResponse = unknown`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from pulumi_builds.codegen.readers.cloudflare_scan import Positions

KEYWORDS = {"string", "number", "integer", "boolean", "unknown", "null"}

_TOKEN = re.compile(
    r'\s*(?:(?P<str>"(?:[^"\\]|\\.)*")|(?P<num>-?\d+(?:\.\d+)?)(?![\w.])'
    r"|(?P<punct>[{}\[\],|])|(?P<word>[A-Za-z_$][\w$.\-]*))"
)
_NAME = re.compile(r"\s*([^\s:\"`{}\[\],]+)\s*:\s")
_ALIAS = re.compile(r"\s*([A-Za-z_][\w.]*)\s*=\s")


@dataclass
class Term:
    kind: str  # keyword | literal | array | map | object | named
    offset: int
    value: object = None  # keyword name or literal value
    inner: Union | None = None  # array items / map values
    title: str = ""  # object named by the page (`Build object { ... }`)
    names: list[str] = field(default_factory=list)  # object members listed in `{ ... }`
    more: int = 0  # "N more" members not listed

    @property
    def member_count(self) -> int:
        return len(self.names) + self.more


@dataclass
class Union:
    members: list[Term]
    offset: int
    more: int = 0  # "or N more" variants not listed

    @property
    def variant_count(self) -> int:
        return len(self.members) + self.more


@dataclass
class BulletType:
    name: str | None  # None for a bare type bullet (enum value, union variant, whole response)
    optional: bool
    union: Union
    alias: str = ""  # `ARecord = ...`: the name a bare variant bullet gives its type


class _Tokens:
    def __init__(self, code: str, base: int, pos: Positions) -> None:
        self.pos, self.base = pos, base
        self.tokens: list[tuple[str, str, int]] = []
        i = 0
        while i < len(code):
            if code[i:].strip() == "":
                break
            match = _TOKEN.match(code, i)
            if not match or match.end() == i:
                raise pos.error(
                    base + i, "a type (string, number, object { ... }, ...)", code[i : i + 20]
                )
            kind = match.lastgroup or ""
            self.tokens.append((kind, match.group(kind), base + match.start(kind)))
            i = match.end()
        self.i = 0
        self.end = base + len(code)

    def peek(self, ahead: int = 0) -> tuple[str, str, int]:
        j = self.i + ahead
        return self.tokens[j] if j < len(self.tokens) else ("end", "", self.end)

    def take(self) -> tuple[str, str, int]:
        token = self.peek()
        self.i += 1
        return token

    def expect(self, value: str, expected: str) -> int:
        kind, text, offset = self.take()
        if text != value or kind == "str":
            raise self.pos.error(offset, expected, text or "end of type")
        return offset


def parse_bullet(code: str, base: int, pos: Positions) -> BulletType:
    """Parse the code span of one bullet; `base` is its offset in the page."""
    name: str | None = None
    alias = ""
    start = 0
    match = _NAME.match(code)
    if match:
        name, start = match.group(1), match.end()
    elif alias_match := _ALIAS.match(code):
        alias, start = alias_match.group(1), alias_match.end()
    tokens = _Tokens(code[start:], base + start, pos)
    optional = False
    if tokens.peek()[1] == "optional" and tokens.peek()[0] == "word":
        tokens.take()
        optional = True
    union = _union(tokens)
    kind, text, offset = tokens.peek()
    if kind != "end":
        raise pos.error(offset, "end of the type (or `or` and another type)", text)
    return BulletType(name, optional, union, alias)


def _union(tokens: _Tokens) -> Union:
    offset = tokens.peek()[2]
    union = Union([_term(tokens)], offset)
    while tokens.peek()[1] in ("or", "|") and tokens.peek()[0] in ("word", "punct"):
        tokens.take()
        kind, text, _at = tokens.peek()
        if kind == "num" and tokens.peek(1)[1] == "more":
            tokens.take()
            tokens.take()
            union.more = int(text)
            break
        union.members.append(_term(tokens))
    return union


def _term(tokens: _Tokens) -> Term:
    kind, text, offset = tokens.take()
    if kind == "str":
        return Term("literal", offset, json.loads(text))
    if kind == "num":
        return Term("literal", offset, json.loads(text))
    if kind == "word" and text in ("true", "false"):
        return Term("literal", offset, text == "true")
    if kind == "word" and text == "array" and tokens.peek()[1] == "of":
        tokens.take()
        return Term("array", offset, inner=_union(tokens))
    if kind == "word" and text == "map" and tokens.peek()[1] == "[":
        tokens.take()
        inner = _union(tokens)
        tokens.expect("]", "`]` closing `map[`")
        return Term("map", offset, inner=inner)
    if kind == "word" and text == "object":
        return _object(tokens, offset, "")
    if kind == "punct" and text == "{":
        tokens.i -= 1  # an object written without the word: `{ code, message }`
        return _object(tokens, offset, "")
    if kind == "word" and tokens.peek()[1] == "object":
        tokens.take()
        return _object(tokens, offset, text)
    if kind == "word" and text in KEYWORDS:
        return Term("keyword", offset, text)
    if kind == "word" and text[:1].isupper():
        return Term("named", offset, title=text)
    raise tokens.pos.error(
        offset,
        "a type (string, number, boolean, unknown, array of ..., map[...], "
        "object { ... } or a quoted value)",
        text or "end of type",
    )


def _object(tokens: _Tokens, offset: int, title: str) -> Term:
    term = Term("object", offset, title=title)
    if tokens.peek()[1] != "{":
        return term
    tokens.take()
    while True:
        kind, text, at = tokens.take()
        if kind == "punct" and text == "}" and not term.names and not term.more:
            return term
        if kind == "num" and tokens.peek()[1] == "more":
            tokens.take()
            term.more = int(text)
            tokens.expect("}", "`}` after `N more` in an object's member list")
            return term
        if kind not in ("word", "str"):
            raise tokens.pos.error(at, "a member name in `object { ... }`", text or "end of type")
        term.names.append(json.loads(text) if kind == "str" else text)
        kind, text, at = tokens.take()
        if text == "}":
            return term
        if text != ",":
            raise tokens.pos.error(
                at, "`,` or `}` in an object's member list", text or "end of type"
            )
