"""Errors the code generator raises. Each names the file, the position and what was expected."""

from __future__ import annotations


class CodegenError(Exception):
    """Base class: anything that stops generation with a message meant for a user."""


class PageError(CodegenError):
    """A page could not be read. Never leads to an empty or partial schema being written."""

    def __init__(self, source: str, line: int, column: int, expected: str, found: str = "") -> None:
        self.source, self.line, self.column = source, line, column
        self.expected, self.found = expected, found
        where = f"{source}:{line}:{column}"
        detail = f"expected {expected}"
        if found:
            detail += f", found {found!r}"
        super().__init__(f"{where}: {detail}")


class SchemaError(CodegenError):
    """A service document breaks the format in docs/schema-format.md."""
