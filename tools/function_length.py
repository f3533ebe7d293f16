"""No hand-written function over 100 lines (the project's rule; `make lint` runs this).

    python tools/function_length.py FOLDER...

Prints `path:line: name is N lines (limit 100)` for each longer function or method, nested ones
included, and exits 1 if there is any. A function's length runs from its `def` (decorators not
counted) to its last line. generated/ is written by the generator and is not checked.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

LIMIT = 100
SKIPPED = {"generated", "node_modules", "__pycache__", ".venv", "build"}


def long_functions(path: Path) -> Iterator[tuple[int, str, int]]:
    """(line, name, length) of each function in `path` longer than LIMIT lines."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > LIMIT:
                yield node.lineno, node.name, length


def python_files(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.rglob("*.py") if folder.is_dir() else [folder]):
        if not SKIPPED.intersection(path.parts):
            yield path


def main(folders: list[str]) -> int:
    found = [
        f"{path}:{line}: {name} is {length} lines (limit {LIMIT})"
        for folder in folders
        for path in python_files(Path(folder))
        for line, name, length in long_functions(path)
    ]
    print("\n".join(found) or f"no function over {LIMIT} lines")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
