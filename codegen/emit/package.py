"""The files of the generated/ package shared by all services."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from pulumi_builds.codegen.emit.formatting import format_python
from pulumi_builds.codegen.emit.templating import HEADER, render
from pulumi_builds.codegen.mapping import MappingFile

# Ordinary modules of codegen/shipped/, copied byte for byte (they are linted and type-checked
# where they are written, so the copy needs no formatting).
SHIPPED = ("_base.py", "_spec.py", "_resource_spec.py")


def render_package(root: Path, mapping: MappingFile | None = None) -> dict[str, bytes]:
    header = HEADER.format(source="codegen/templates")
    init = render("package_init.py.j2", header=header)
    files = {"generated/__init__.py": format_python(init, "generated/__init__.py", root).encode()}
    if mapping is not None:
        config = render(
            "config.py.j2",
            header=HEADER.format(source="schemas/mapping.json"),
            config=list(mapping.provider.config.items()),
        )
        files["generated/_config.py"] = format_python(config, "generated/_config.py", root).encode()
    shipped = resources.files("pulumi_builds.codegen.shipped")
    for name in SHIPPED:
        files[f"generated/{name}"] = shipped.joinpath(name).read_bytes()
    files["generated/py.typed"] = b""
    return dict(sorted(files.items()))
