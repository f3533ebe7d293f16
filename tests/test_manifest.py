"""The generation manifest: only the services whose inputs or outputs changed are stale."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pulumi_builds.codegen import manifest
from pulumi_builds.codegen.errors import CodegenError

REPO = Path(__file__).resolve().parents[1]
SERVICES = sorted(p.name for p in (REPO / "schemas" / "pages").iterdir() if p.is_dir())


def render(root: Path, unit: str) -> dict[str, bytes]:
    """Stand-in outputs: one file per page plus a document, derived from the page bytes, so the
    manifest sees exactly the files a unit produces (the real renderer is exercised by the
    CLI tests; here only the bookkeeping is under test)."""
    if unit == manifest.PACKAGE:
        return {"generated/__init__.py": b'"""Generated package."""\n'}
    if unit == manifest.PULUMI_SCHEMA:  # made from every service's pages
        pages = sorted((root / "schemas" / "pages").rglob("*"))
        return {
            manifest.PULUMI_SCHEMA_FILE: b"".join(p.read_bytes()[:8] for p in pages if p.is_file())
        }
    pages = sorted((root / "schemas" / "pages" / unit).iterdir())
    files = {f"schemas/{unit}.json": b"".join(p.read_bytes()[:64] for p in pages)}
    for page in pages:
        files[f"generated/{unit}/{page.stem.lower()}.py"] = page.read_bytes()[-64:]
    return files


def generate(root: Path) -> manifest.Plan:
    """What `generate` does with the manifest: render stale units, write, record."""
    before = manifest.load(root)
    plan = manifest.plan(root, before)
    outputs = {unit: render(root, unit) for unit in plan.stale}
    for unit, files in outputs.items():
        for path in manifest.obsolete(before, unit, files):
            (root / path).unlink()
        for path, data in files.items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_bytes(data)
    manifest.save(root, manifest.updated(root, before, plan, outputs))
    return plan


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A checkout with the bundled pages and a mapping file, generated once."""
    shutil.copytree(REPO / "schemas" / "pages", tmp_path / "schemas" / "pages")
    (tmp_path / "schemas" / "mapping.json").write_text('{"resources": []}\n')
    first = generate(tmp_path)
    assert first.stale == (manifest.PACKAGE, manifest.PULUMI_SCHEMA, *SERVICES)
    assert set(first.reasons.values()) == {"not generated yet"}
    return tmp_path


def first_page(root: Path, service: str) -> Path:
    return min((root / "schemas" / "pages" / service).iterdir())


def test_nothing_is_stale_right_after_generating(root: Path) -> None:
    plan = manifest.plan(root)
    assert plan.up_to_date
    assert plan.fresh == (manifest.PACKAGE, manifest.PULUMI_SCHEMA, *SERVICES)


@pytest.mark.parametrize("service", SERVICES)
def test_editing_one_page_makes_only_its_service_and_the_package_schema_stale(
    root: Path, service: str
) -> None:
    page = first_page(root, service)
    page.write_bytes(page.read_bytes().replace(b"string", b"String", 1) + b"\n")
    plan = manifest.plan(root)
    assert plan.stale == (manifest.PULUMI_SCHEMA, service)
    assert plan.reasons == {
        service: "its pages changed",
        manifest.PULUMI_SCHEMA: "a service's pages changed",
    }
    assert generate(root).stale == (manifest.PULUMI_SCHEMA, service)
    assert manifest.plan(root).up_to_date


def test_a_new_page_makes_its_service_stale(root: Path) -> None:
    service = SERVICES[0]
    page = first_page(root, service)
    shutil.copy(page, page.with_name("Zz" + page.name))
    assert manifest.plan(root).stale == (manifest.PULUMI_SCHEMA, service)


def test_hand_edited_missing_or_stray_outputs_are_stale(root: Path) -> None:
    a, b, c = SERVICES[:3]
    (root / "schemas" / f"{a}.json").write_text("{}")
    next((root / "generated" / b).glob("*.py")).unlink()
    (root / "generated" / c / "extra.py").write_text("x = 1\n")
    plan = manifest.plan(root)
    assert plan.stale == (a, b, c)
    assert plan.reasons[a] == f"schemas/{a}.json was edited"
    assert plan.reasons[b].endswith("is missing")
    assert plan.reasons[c] == f"generated/{c}/extra.py is not a generated file"


def test_shared_inputs_make_everything_stale(root: Path) -> None:
    (root / "schemas" / "mapping.json").write_text('{"resources": [1]}\n')
    plan = manifest.plan(root)
    assert plan.stale == (manifest.PACKAGE, manifest.PULUMI_SCHEMA, *SERVICES)
    assert set(plan.reasons.values()) == {"the generator, its templates or tables changed"}


def test_generator_fingerprint_covers_templates_and_tables_not_the_diff_tooling() -> None:
    files = {p.relative_to(REPO / "codegen").as_posix() for p in manifest._generator_files()}
    assert any(f.startswith("templates/") and f.endswith(".j2") for f in files)
    assert any(f.startswith("corrections/") and f.endswith(".json") for f in files)
    assert "normalize.py" in files
    assert not any(f.startswith("changes/") or f in ("manifest.py", "surface.py") for f in files)


def test_removed_service_and_obsolete_files(root: Path) -> None:
    gone = SERVICES[-1]
    shutil.rmtree(root / "schemas" / "pages" / gone)
    plan = manifest.plan(root)
    assert plan.removed == (gone,)
    # The package lists the services; the package schema holds them.
    assert plan.stale == (manifest.PACKAGE, manifest.PULUMI_SCHEMA)
    recorded = manifest.load(root)
    assert manifest.obsolete(recorded, gone, []) == sorted(recorded.units[gone].outputs)
    # A page deleted from a service: the file it produced is obsolete and gets removed.
    service = SERVICES[0]
    page = first_page(root, service)
    page.unlink()
    generate(root)
    assert not (root / "generated" / service / f"{page.stem.lower()}.py").exists()
    assert manifest.plan(root).stale == ()


def test_manifest_bytes_are_deterministic(root: Path) -> None:
    path = root / manifest.MANIFEST_PATH
    first = path.read_bytes()
    assert not manifest.save(root, manifest.load(root))  # unchanged content: not rewritten
    path.unlink()
    generate(root)
    assert path.read_bytes() == first
    assert b"generated/" in first and b"time" not in first.lower()


def test_a_corrupt_manifest_is_a_clear_error(root: Path) -> None:
    (root / manifest.MANIFEST_PATH).write_text('{"format": "pulumi-builds/manifest/1"}')
    with pytest.raises(CodegenError, match=r"schemas/\.manifest\.json: expected a generation"):
        manifest.plan(root)


def test_owned_files_are_what_generate_may_delete(root: Path) -> None:
    service = SERVICES[0]
    recorded = manifest.load(root)
    assert manifest.owned_files(root, service) == set(recorded.units[service].outputs)
    assert manifest.owned_files(root, manifest.PACKAGE) == {"generated/__init__.py"}
    (root / "generated" / service / "__pycache__").mkdir()
    (root / "generated" / service / "__pycache__" / "models.cpython-311.pyc").write_bytes(b"")
    assert manifest.plan(root).up_to_date  # bytecode caches are nobody's output


def test_cli_generate_after_one_page_edit_touches_only_that_service(tmp_path: Path) -> None:
    """Through `builds-codegen generate` on a copy of the repository's inputs."""
    shutil.copytree(REPO / "schemas" / "pages", tmp_path / "schemas" / "pages")
    for name in ("schemas/mapping.json", "pyproject.toml"):
        shutil.copy(REPO / name, tmp_path / name)
    command = [
        str(Path(sys.executable).parent / "builds-codegen"),
        "--root",
        str(tmp_path),
        "generate",
    ]
    subprocess.run(command, check=True, capture_output=True)
    before = {
        p.relative_to(tmp_path).as_posix(): p.read_bytes()
        for p in tmp_path.rglob("*")
        if p.is_file() and "pages" not in p.parts
    }
    page = tmp_path / "schemas" / "pages" / "aws_codebuild" / "BatchGetBuilds.txt"
    page.write_text(
        page.read_text(encoding="utf-8").replace(
            "Maximum number of 100 items", "Maximum number of 50 items", 1
        ),
        encoding="utf-8",
    )
    subprocess.run(command, check=True, capture_output=True)
    after = {
        p.relative_to(tmp_path).as_posix(): p.read_bytes()
        for p in tmp_path.rglob("*")
        if p.is_file() and "pages" not in p.parts
    }
    changed = {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}
    changed.discard(manifest.MANIFEST_PATH)
    assert "schemas/aws_codebuild.json" in changed
    assert all(
        p == "schemas/aws_codebuild.json" or p.startswith("generated/aws_codebuild/")
        for p in changed
    ), sorted(changed)
    if (tmp_path / manifest.MANIFEST_PATH).is_file():  # once generate keeps the manifest
        assert manifest.plan(tmp_path).up_to_date
