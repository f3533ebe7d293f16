"""The "Request Syntax" / "Response Syntax" blocks of AWS API Reference pages.

They look like JSON but are not: values are placeholders (`"string"`, `number`, `boolean`, `blob`,
`JSON value`), a map is drawn as `{ "string" : <value> }`, an array as `[ <item> ]` (or `[ ... ]`),
and a quoted placeholder may be broken across lines (`"string\\n"`). The block is read as what it
is, a tree of shapes, and stops at its closing brace (pages often glue the next heading to it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pulumi_builds.codegen.readers.aws_text import Page

# Scalar placeholders as the pages print them (unquoted), mapped to the node kind they stand for.
_WORDS = {
    "number": "number",
    "boolean": "boolean",
    "blob": "blob",
    "JSON value": "any",
    "string": "string",
    "null": "any",
}
_WORD = re.compile(r"JSON value|[A-Za-z_][A-Za-z0-9_]*")
# A map is the only object whose single key is the placeholder "string".
MAP_KEY = "string"


@dataclass
class Node:
    """One shape in a syntax block. `kind`: object, map, array, string, number, boolean, blob, any."""

    kind: str
    offset: int
    members: list[tuple[str, Node]] = field(default_factory=list)  # object members, page order
    item: Node | None = None  # array item / map value; None for `[ ... ]` and `[ ]`
    key_offset: int = -1  # where its quoted name is, when it is an object member


@dataclass(frozen=True)
class _Token:
    kind: str  # one of {}[]:, "str", "word", "ellipsis", "eof"
    text: str
    offset: int


class _Lexer:
    def __init__(self, page: Page, offset: int) -> None:
        self.page, self.pos = page, offset
        self.peeked: _Token | None = None

    def peek(self) -> _Token:
        if self.peeked is None:
            self.peeked = self._next()
        return self.peeked

    def take(self) -> _Token:
        token = self.peek()
        self.peeked = None
        return token

    def _next(self) -> _Token:
        text = self.page.text
        while self.pos < len(text) and text[self.pos].isspace():
            self.pos += 1
        start = self.pos
        if start >= len(text):
            return _Token("eof", "", start)
        char = text[start]
        if char in "{}[]:,":
            self.pos += 1
            return _Token(char, char, start)
        if char == '"':
            close = text.find('"', start + 1)
            if close < 0:
                raise self.page.error(start, "a closing '\"' for the string opened here")
            self.pos = close + 1
            # A placeholder broken across lines ("string\n") is still the placeholder.
            return _Token("str", text[start + 1 : close].strip(), start)
        if text.startswith("...", start):
            self.pos += 3
            return _Token("ellipsis", "...", start)
        word = _WORD.match(text, start)
        if word:
            self.pos = word.end()
            return _Token("word", word.group(), start)
        return _Token("other", char, start)


def parse_block(page: Page, offset: int, heading: str) -> tuple[Node, int]:
    """Parses the syntax block that starts at/after `offset`; returns it and the offset after it."""
    lexer = _Lexer(page, offset)
    first = lexer.peek()
    if first.kind != "{":
        raise page.error(first.offset, f"the '{{' that opens the {heading} block")
    node = _value(lexer, heading)
    return node, lexer.pos


def _describe(token: _Token) -> str:
    return "end of page" if token.kind == "eof" else token.text[:40]


def _value(lexer: _Lexer, heading: str) -> Node:
    page = lexer.page
    token = lexer.take()
    if token.kind == "{":
        return _object(lexer, token, heading)
    if token.kind == "[":
        return _array(lexer, token, heading)
    if token.kind == "str":
        # Any quoted placeholder is a string; pages only ever print "string" here.
        return Node("string", token.offset)
    if token.kind == "word" and token.text in _WORDS:
        return Node(_WORDS[token.text], token.offset)
    raise page.error(
        token.offset,
        f'a value in the {heading} block ("string", number, boolean, blob, {{...}} or [...])',
        _describe(token),
    )


def _object(lexer: _Lexer, opening: _Token, heading: str) -> Node:
    page = lexer.page
    where = "line {}:{}".format(*page.where(opening.offset))
    node = Node("object", opening.offset)
    if lexer.peek().kind == "}":
        lexer.take()
        return node
    while True:
        key = lexer.take()
        if key.kind != "str":
            raise page.error(
                key.offset, f"a quoted member name in the object opened at {where}", _describe(key)
            )
        colon = lexer.take()
        if colon.kind != ":":
            raise page.error(colon.offset, f"':' after member \"{key.text}\"", _describe(colon))
        child = _value(lexer, heading)
        child.key_offset = key.offset
        node.members.append((key.text, child))
        sep = lexer.take()
        if sep.kind == "}":
            break
        if sep.kind != ",":
            raise page.error(
                sep.offset, f"',' or '}}' to continue the object opened at {where}", _describe(sep)
            )
    names = [name for name, _ in node.members]
    if names == [MAP_KEY]:
        return Node("map", opening.offset, item=node.members[0][1])
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise page.error(
            opening.offset, "each member name once per object", f"{duplicates[0]!r} repeated"
        )
    return node


def _array(lexer: _Lexer, opening: _Token, heading: str) -> Node:
    page = lexer.page
    where = "line {}:{}".format(*page.where(opening.offset))
    node = Node("array", opening.offset)
    token = lexer.peek()
    if token.kind == "ellipsis":
        lexer.take()
    elif token.kind != "]":
        node.item = _value(lexer, heading)
    close = lexer.take()
    if close.kind != "]":
        raise page.error(close.offset, f"']' closing the array opened at {where}", _describe(close))
    return node
