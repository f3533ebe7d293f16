"""The files of the generated/ package shared by all services."""

from __future__ import annotations

from pathlib import Path

from pulumi_builds.codegen.emit.formatting import format_python
from pulumi_builds.codegen.emit.templating import HEADER, render

_SHARED = {
    "generated/__init__.py": "package_init.py.j2",
    "generated/_base.py": "base.py.j2",
    "generated/_spec.py": "spec.py.j2",
}


def render_package(root: Path) -> dict[str, bytes]:
    header = HEADER.format(source="codegen/templates")
    files = {
        path: format_python(render(template, header=header), path, root).encode("utf-8")
        for path, template in _SHARED.items()
    }
    files["generated/py.typed"] = b""
    return files
