"""Which services need regenerating: a manifest of content hashes, `schemas/.manifest.json`.

For each unit of generation (every service, plus `_package` for the files of `generated/` that
belong to no service) the manifest records the hash of its inputs and the hash of every file it
produced. A unit is fresh when its inputs hash the same and its outputs are on disk unchanged,
with no stray file beside them; only stale units need rendering. Deciding this reads a few dozen
small files and imports nothing heavy (no readers, no datamodel-code-generator), so a no-op
`generate` or `check` stays well under a second.

Inputs of a service: its pages (`schemas/pages/<service>/*`), and the generator fingerprint:
the code generator's own code, templates and correction tables, `schemas/mapping.json`,
`pyproject.toml` (formatter settings, pins) and the installed versions of the tools whose output
is committed. Editing one service's page makes only that service stale; editing a template or a
correction table makes every unit stale.

The file holds no timestamps and is written with sorted keys: the same tree gives the same bytes.
It lives beside the service documents rather than in `generated/`, which generation owns.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata
from pathlib import Path

from pulumi_builds.codegen.errors import CodegenError

MANIFEST_PATH = "schemas/.manifest.json"
FORMAT = "pulumi-builds/manifest/1"
PACKAGE = "_package"  # generated/ files that belong to no one service
# The Pulumi package schema (generated/schema.json): made from every service document at once.
PULUMI_SCHEMA = "_pulumi_schema"
PULUMI_SCHEMA_FILE = "generated/schema.json"
PAGES_DIR = "schemas/pages"
# Inputs every unit depends on, relative to the repository root.
SHARED_INPUTS = ("schemas/mapping.json", "pyproject.toml")
# Tools whose output ends up in committed files (model generation and formatting).
# (datamodel-code-generator's naming uses inflect and genson; black and isort, which it also pulls
# in, are never run here: formatting is ruff's, so their versions must not make anything stale.)
TOOLS = ("datamodel-code-generator", "ruff", "inflect", "genson", "jinja2", "pydantic")
# Modules of codegen/ that never influence what generation writes: editing them must not make
# every service stale.
_NOT_GENERATING = ("changes/", "manifest.py", "surface.py", "gitrev.py")
_CODEGEN = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Unit:
    """What the manifest knows about one unit: its inputs' hash and `{output path: sha256}`."""

    inputs: str
    outputs: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Manifest:
    generator: str
    units: dict[str, Unit] = field(default_factory=dict)

    def to_json(self) -> str:
        body = {
            "format": FORMAT,
            "generator": self.generator,
            "units": {
                name: {"inputs": unit.inputs, "outputs": unit.outputs}
                for name, unit in self.units.items()
            },
        }
        return json.dumps(body, indent=2, sort_keys=True) + "\n"


@dataclass(frozen=True)
class Plan:
    """stale: units to render (inputs changed, or an output missing, edited or joined by a
    stray file); fresh: nothing to do; removed: units in the manifest with no pages any more
    (delete their recorded outputs); reasons: why each stale unit is stale, for messages."""

    stale: tuple[str, ...]
    fresh: tuple[str, ...]
    removed: tuple[str, ...]
    reasons: dict[str, str]
    inputs: dict[str, str]  # the current input hash of every unit, for `updated()`

    @property
    def up_to_date(self) -> bool:
        return not self.stale and not self.removed


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def service_ids(root: Path) -> list[str]:
    """Services with pages. Same rule as pulumi_builds.codegen.pipeline.service_ids, repeated here so that
    planning does not import the generators."""
    pages = root / PAGES_DIR
    if not pages.is_dir():
        return []
    return sorted(p.name for p in pages.iterdir() if p.is_dir() and any(_page_files(p)))


def _page_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.is_file() and not p.name.startswith("."))


@cache
def _tool_versions() -> tuple[tuple[str, str], ...]:
    versions = []
    for tool in TOOLS:
        try:
            versions.append((tool, metadata.version(tool)))
        except metadata.PackageNotFoundError:
            versions.append((tool, "absent"))
    return tuple(versions)


def _generator_files() -> list[Path]:
    files = []
    for path in sorted(_CODEGEN.rglob("*")):
        relative = path.relative_to(_CODEGEN).as_posix()
        if (
            path.is_file()
            and path.suffix in (".py", ".j2", ".json")
            and "__pycache__" not in path.parts
            and not relative.startswith(_NOT_GENERATING)
        ):
            files.append(path)
    return files


def generator_fingerprint(root: Path) -> str:
    """Hash of everything besides the pages that shapes the generated files."""
    digest = hashlib.sha256()
    for path in _generator_files():
        digest.update(f"codegen/{path.relative_to(_CODEGEN).as_posix()}\0".encode())
        digest.update(sha256(path.read_bytes()).encode() + b"\n")
    for name in SHARED_INPUTS:
        path = root / name
        content = sha256(path.read_bytes()) if path.is_file() else "absent"
        digest.update(f"{name}\0{content}\n".encode())
    for tool, version in _tool_versions():
        digest.update(f"{tool}=={version}\n".encode())
    return digest.hexdigest()


def input_hashes(root: Path, generator: str | None = None) -> dict[str, str]:
    """`{unit: hash of its inputs}` for every service with pages, and the package unit."""
    generator = generator or generator_fingerprint(root)
    hashes: dict[str, str] = {}
    services = service_ids(root)
    for service in services:
        digest = hashlib.sha256(f"{generator}\n".encode())
        for page in _page_files(root / PAGES_DIR / service):
            digest.update(f"{page.name}\0{sha256(page.read_bytes())}\n".encode())
        hashes[service] = digest.hexdigest()
    # The package files list the services, so they depend on which services exist.
    hashes[PACKAGE] = sha256(f"{generator}\n{','.join(services)}".encode())
    # The package schema holds every service: any page of any service changes it.
    hashes[PULUMI_SCHEMA] = sha256(
        "\n".join([generator, *(f"{s}={hashes[s]}" for s in services)]).encode()
    )
    return hashes


def load(root: Path) -> Manifest | None:
    """The manifest on disk, or None when there is none (everything is then stale)."""
    path = root / MANIFEST_PATH
    if not path.is_file():
        return None
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        if body.get("format") != FORMAT:
            return None  # another format version: rebuild rather than misread it
        units = {
            name: Unit(unit["inputs"], dict(unit["outputs"]))
            for name, unit in body["units"].items()
        }
        return Manifest(body["generator"], units)
    except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
        raise CodegenError(
            f"{MANIFEST_PATH}: expected a generation manifest ({exc}); delete "
            "it and run `builds-codegen generate` to rebuild it"
        ) from exc


def save(root: Path, manifest: Manifest) -> bool:
    """Write the manifest; True when the bytes changed."""
    path = root / MANIFEST_PATH
    text = manifest.to_json()
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True


def _unit_directory(unit: str) -> str:
    return "generated" if unit in (PACKAGE, PULUMI_SCHEMA) else f"generated/{unit}"


def owned_files(root: Path, unit: str) -> set[str]:
    """Files on disk that generation owns for `unit` (whether or not it still produces them):
    `schemas/<service>.json` and `generated/<service>/**`, or the top-level files of
    `generated/` for the package unit. `generate` deletes those it no longer produces."""
    directory = root / _unit_directory(unit)
    found: set[Path] = set()
    schema_file = root / PULUMI_SCHEMA_FILE
    if unit == PULUMI_SCHEMA:
        found = {schema_file} if schema_file.is_file() else set()
    elif unit == PACKAGE:  # only the top level: service subdirectories are their own units
        if directory.is_dir():
            found = {p for p in directory.iterdir() if p.is_file() and p != schema_file}
    else:
        if directory.is_dir():
            found = {
                p for p in directory.rglob("*") if p.is_file() and "__pycache__" not in p.parts
            }
        document = root / "schemas" / f"{unit}.json"
        # The service's runtime modules (codegen/emit/runtime_modules.py), when it has them.
        runtime = (
            root / "pulumi_builds" / f"{unit}.py",
            root / "pulumi_builds" / "native" / f"{unit}.py",
        )
        found |= {p for p in (document, *runtime) if p.is_file()}
    return {p.relative_to(root).as_posix() for p in found}


def _output_problem(root: Path, unit: str, recorded: Unit) -> str | None:
    for path, digest in sorted(recorded.outputs.items()):
        file = root / path
        if not file.is_file():
            return f"{path} is missing"
        if sha256(file.read_bytes()) != digest:
            return f"{path} was edited"
    stray = sorted(owned_files(root, unit) - recorded.outputs.keys())
    if stray:
        return f"{stray[0]} is not a generated file"
    return None


def plan(root: Path, manifest: Manifest | None = None) -> Plan:
    """What `generate` has to do, without rendering anything."""
    if manifest is None:
        manifest = load(root)
    generator = generator_fingerprint(root)
    inputs = input_hashes(root, generator)
    stale: list[str] = []
    fresh: list[str] = []
    reasons: dict[str, str] = {}
    for unit in sorted(inputs):
        recorded = manifest.units.get(unit) if manifest else None
        if recorded is None:
            reason: str | None = "not generated yet"
        elif recorded.inputs != inputs[unit]:
            reason = {
                PACKAGE: "the service list changed",
                PULUMI_SCHEMA: "a service's pages changed",
            }.get(unit, "its pages changed")
            if manifest is not None and manifest.generator != generator:
                reason = "the generator, its templates or tables changed"
        else:
            reason = _output_problem(root, unit, recorded)
        if reason is None:
            fresh.append(unit)
        else:
            stale.append(unit)
            reasons[unit] = reason
    removed = sorted(set(manifest.units) - set(inputs)) if manifest else []
    return Plan(tuple(stale), tuple(fresh), tuple(removed), reasons, inputs)


def updated(
    root: Path, manifest: Manifest | None, current: Plan, outputs: Mapping[str, Mapping[str, bytes]]
) -> Manifest:
    """The manifest after rendering the units in `outputs` (`{unit: {path: bytes}}`, paths
    relative to the root): their new input hashes and output hashes; fresh units kept; removed
    units dropped."""
    units = {
        name: unit
        for name, unit in (manifest.units if manifest else {}).items()
        if name in current.inputs and name not in outputs
    }
    for name, files in outputs.items():
        if name not in current.inputs:
            raise CodegenError(
                f"manifest: unit {name!r} has no pages; known units: "
                f"{', '.join(sorted(current.inputs))}"
            )
        units[name] = Unit(
            current.inputs[name], {path: sha256(data) for path, data in sorted(files.items())}
        )
    return Manifest(generator_fingerprint(root), dict(sorted(units.items())))


def obsolete(manifest: Manifest | None, unit: str, produced: Iterable[str]) -> list[str]:
    """Files `unit` produced last time but no longer produces: generation deletes them."""
    if manifest is None or unit not in manifest.units:
        return []
    return sorted(set(manifest.units[unit].outputs) - set(produced))
