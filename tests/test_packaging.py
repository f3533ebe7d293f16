"""The wheel ships every generated service: pyproject's package list names each one.

The list is explicit (pyproject maps the import namespace onto several folders, which setuptools'
package discovery cannot follow), so a service added to generated/ must be added there too; the
install tests would find the omission only after building the wheel, this says it at once.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_every_generated_service_is_packaged_with_its_marker() -> None:
    setuptools = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    services = sorted(p.parent.name for p in (REPO / "generated").glob("*/__init__.py"))
    assert services, "no generated service found"
    for service in services:
        package = f"pulumi_builds.generated.{service}"
        assert package in setuptools["packages"], f"pyproject packages lacks {package}"
        assert "py.typed" in setuptools["package-data"].get(package, []), (
            f"pyproject package-data lacks py.typed for {package}"
        )
