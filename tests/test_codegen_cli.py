"""`builds-codegen` generate / check / parse on temporary copies of the repository."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from pulumi_builds.codegen import pipeline
from pulumi_builds.codegen.cli import main

ROOT = Path(__file__).resolve().parent.parent
PAGE = "schemas/pages/aws_codebuild/BatchGetBuilds.txt"


def copy_repo(target: Path, with_generated: bool) -> Path:
    """The inputs of generation (pages, mapping, ruff settings), and optionally its outputs."""
    target.mkdir()
    shutil.copy2(ROOT / "pyproject.toml", target / "pyproject.toml")
    shutil.copytree(ROOT / "schemas" / "pages", target / "schemas" / "pages")
    if (ROOT / "schemas" / "mapping.json").exists():
        shutil.copy2(ROOT / "schemas" / "mapping.json", target / "schemas" / "mapping.json")
    if with_generated:
        for document in (ROOT / "schemas").glob("*.json"):
            shutil.copy2(document, target / "schemas" / document.name)
        shutil.copytree(
            ROOT / "generated", target / "generated", ignore=shutil.ignore_patterns("__pycache__")
        )
        for path in runtime_modules(ROOT):
            (target / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / path, target / path)
    return target


def runtime_modules(root: Path) -> list[str]:
    """The generated per-service runtime modules (pulumi_builds/<service>.py and native/)."""
    return [
        f"{folder}/{service}.py"
        for service in pipeline.service_ids(root)
        for folder in ("pulumi_builds", "pulumi_builds/native")
        if (root / folder / f"{service}.py").is_file()
    ]


def tree(root: Path) -> dict[str, bytes]:
    files = {}
    for base in ("generated", "schemas"):
        for path in sorted((root / base).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and "pages" not in path.parts:
                files[path.relative_to(root).as_posix()] = path.read_bytes()
    for module in runtime_modules(root):
        files[module] = (root / module).read_bytes()
    return files


def run(root: Path, *args: str) -> int:
    return main(["--root", str(root), *args])


def test_generate_is_deterministic_and_matches_the_committed_tree(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = copy_repo(tmp_path / "first", with_generated=False)
    second = copy_repo(tmp_path / "second", with_generated=False)
    assert run(first, "generate") == 0
    report = capsys.readouterr().out
    assert "written, 0 removed" in report and "new generated/aws_codebuild/models.py" in report
    assert run(second, "generate") == 0
    capsys.readouterr()
    generated = tree(first)
    assert generated == tree(second)
    # No absolute paths or machine-specific text in the output.
    for data in generated.values():
        assert str(tmp_path).encode() not in data
    # And the same bytes as committed (what `check` enforces on the repository). The manifest
    # is a cache of hashes that also covers the generator's code: a refactor of codegen/ leaves
    # it behind without changing any output, which check tolerates (it only re-renders).
    generated.pop("schemas/.manifest.json")
    assert generated == {path: (ROOT / path).read_bytes() for path in generated}
    # A second run renders nothing: the manifest says every unit is up to date.
    assert run(first, "generate") == 0
    assert "up to date, nothing written" in capsys.readouterr().out


def test_check_passes_then_fails_with_a_diff_after_a_page_is_edited(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = copy_repo(tmp_path / "repo", with_generated=True)
    assert run(repo, "check") == 0
    assert "up to date" in capsys.readouterr().out
    page = repo / PAGE
    page.write_text(
        page.read_text().replace("Maximum number of 100 items", "Maximum number of 50 items")
    )
    assert run(repo, "check") == 1
    out = capsys.readouterr().out
    assert "--- a/schemas/aws_codebuild.json\n+++ b/schemas/aws_codebuild.json" in out
    # The diff reads as what generate would change: the committed 100 becomes the page's 50.
    assert re.search(r'^-\s+"maxItems": 100\b', out, re.MULTILINE)
    assert re.search(r'^\+\s+"maxItems": 50\b', out, re.MULTILINE)
    assert "+++ b/generated/aws_codebuild/models.py" in out
    assert "run `builds-codegen generate`" in out


def test_check_catches_hand_edits_and_stale_files_and_generate_repairs_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = copy_repo(tmp_path / "repo", with_generated=True)
    models = repo / "generated" / "cloudfoundry" / "models.py"
    original = models.read_bytes()
    models.write_bytes(original + b"# hand edit\n")
    stale = repo / "generated" / "cloudfoundry" / "old_module.py"
    stale.write_text("x = 1\n")
    assert run(repo, "check") == 1
    out = capsys.readouterr().out
    assert "-# hand edit" in out  # generate would take it out
    assert "--- a/generated/cloudfoundry/old_module.py\n+++ /dev/null" in out
    assert run(repo, "generate") == 0
    out = capsys.readouterr().out
    assert "updated generated/cloudfoundry/models.py" in out
    assert "removed generated/cloudfoundry/old_module.py" in out
    assert models.read_bytes() == original and not stale.exists()
    # schemas/mapping.json is not a service document: never removed.
    if (ROOT / "schemas" / "mapping.json").exists():
        assert (repo / "schemas" / "mapping.json").exists()


def test_a_garbled_page_fails_generation_without_writing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = copy_repo(tmp_path / "repo", with_generated=True)
    before = tree(repo)
    page = repo / PAGE
    page.write_text(page.read_text()[:300])
    assert run(repo, "generate") == 2
    err = capsys.readouterr().err
    assert "pages/aws_codebuild/BatchGetBuilds.txt" in err
    assert tree(repo) == before


def test_parse_reads_pages_from_anywhere_and_detects_dialect_and_service(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = tmp_path / "downloads"
    elsewhere.mkdir()
    for source in (
        "aws_codepipeline/GetJobDetails.txt",
        "aws_codebuild/RetryBuildBatch.txt",
        "cloudflare_builds/GetBuild.md",
        "cloudfoundry/GetBuild.txt",
    ):
        shutil.copy2(ROOT / "schemas" / "pages" / source, elsewhere / Path(source).name)
    expected = {
        "GetJobDetails.txt": "aws_codepipeline",
        "RetryBuildBatch.txt": "aws_codebuild",
        "GetBuild.md": "cloudflare_builds",
        "GetBuild.txt": "cloudfoundry",
    }
    for name, service in expected.items():
        assert main(["parse", str(elsewhere / name)]) == 0
        doc = json.loads(capsys.readouterr().out)
        assert doc["service"]["id"] == service
        assert doc["sources"] == [f"pages/{service}/{name}"]


def test_parse_tells_the_service_of_aws_pages_without_an_example_request(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No X-Amz-Target to read and a directory named after no service: the operation (or data
    type) a service document already holds decides, else the service the page's links name."""
    elsewhere = tmp_path / "downloads"
    elsewhere.mkdir()
    pages = {
        ROOT / "schemas/pages/aws_codebuild/StopBuild.txt": "aws_codebuild",
        ROOT / "schemas/pages/aws_codepipeline/PollForJobs.txt": "aws_codepipeline",
        ROOT / "schemas/pages/aws_codebuild/API_BuildPhase.md": "aws_codebuild",
        ROOT / "tests/pages/aws_codebuild/CreateWebhook.md": "aws_codebuild",
    }
    for source, service in pages.items():
        assert "X-Amz-Target" not in source.read_text(encoding="utf-8")
        page = elsewhere / source.name
        shutil.copy2(source, page)
        assert main(["parse", str(page)]) == 0, capsys.readouterr().err
        assert json.loads(capsys.readouterr().out)["service"]["id"] == service
    other = elsewhere / "GetBranch.txt"  # CodeCommit: none of the project's services
    shutil.copy2(ROOT / "tests/pages/aws_other/GetBranch.txt", other)
    assert main(["parse", str(other)]) == 2
    assert "cannot tell which service this page belongs to" in capsys.readouterr().err


def test_parse_reports_an_unreadable_page_by_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "notes.txt"
    page.write_text("Shopping list\n- eggs\n")
    assert main(["parse", str(page)]) == 2
    assert f"{page}:1:1: expected a page in a known dialect" in capsys.readouterr().err


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).with_name("builds-codegen")
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True, check=False)
    assert result.returncode == 0
    for command in ("generate", "check", "diff", "parse"):
        assert command in result.stdout


def test_editing_one_page_regenerates_only_that_service_and_reports_the_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = copy_repo(tmp_path / "repo", with_generated=True)
    assert run(repo, "check") == 0  # the committed manifest matches the committed tree
    capsys.readouterr()
    rendered: list[str] = []
    real_build_document = pipeline.build_document

    def recording_build_document(service_id: str, pages: Sequence[pipeline.Page]) -> Any:
        rendered.append(service_id)
        return real_build_document(service_id, pages)

    monkeypatch.setattr(pipeline, "build_document", recording_build_document)
    mtimes = {path: (repo / path).stat().st_mtime_ns for path in tree(repo)}
    page = repo / PAGE
    page.write_text(
        page.read_text().replace("Maximum number of 100 items", "Maximum number of 50 items")
    )
    assert run(repo, "generate") == 0
    out = capsys.readouterr().out
    assert rendered == ["aws_codebuild"]
    assert (
        "regenerated _pulumi_schema (a service's pages changed); aws_codebuild (its pages "
        "changed)\n"
    ) in out
    # The change report of what was just written, with its level and operation.
    assert (
        "  BREAKING\n    request BatchGetBuildsRequest.ids: maxItems 100 -> 50 (tighter "
        "constraint)  [BatchGetBuilds]\n"
    ) in out
    touched = {path for path, mtime in mtimes.items() if (repo / path).stat().st_mtime_ns != mtime}
    assert touched == {
        "schemas/aws_codebuild.json",
        "generated/aws_codebuild/models.py",
        "schemas/.manifest.json",
    }
    assert run(repo, "check") == 0
    assert rendered == ["aws_codebuild"]  # check trusted the manifest: nothing re-rendered


def test_check_fails_on_a_missing_file_and_a_stray_directory_despite_the_manifest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = copy_repo(tmp_path / "repo", with_generated=True)
    (repo / "generated" / "aws_codepipeline" / "operations.py").unlink()
    (repo / "generated" / "extra").mkdir()
    (repo / "generated" / "extra" / "module.py").write_text("x = 1\n")
    assert run(repo, "check") == 1
    out = capsys.readouterr().out
    assert "--- /dev/null\n+++ b/generated/aws_codepipeline/operations.py" in out
    assert "--- a/generated/extra/module.py\n+++ /dev/null" in out
    assert run(repo, "generate") == 0
    capsys.readouterr()
    assert not (repo / "generated" / "extra").exists()
    assert run(repo, "check") == 0


def test_diff_is_wired_into_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = copy_repo(tmp_path / "repo", with_generated=True)
    old = tmp_path / "old.json"
    shutil.copy2(repo / "schemas" / "aws_codebuild.json", old)
    page = repo / PAGE
    page.write_text(
        page.read_text().replace("Maximum number of 100 items", "Maximum number of 50 items")
    )
    assert run(repo, "generate") == 0
    capsys.readouterr()
    new = repo / "schemas" / "aws_codebuild.json"
    assert run(repo, "diff", str(old), str(new), "--fail-on", "breaking") == 1
    assert "maxItems 100 -> 50 (tighter constraint)" in capsys.readouterr().out
    assert run(repo, "diff", str(old), str(new), "--format", "json") == 0
    assert json.loads(capsys.readouterr().out)["summary"]["breaking"] == 1
    with pytest.raises(SystemExit):
        run(repo, "check", "--unknown")
    assert "unrecognized arguments: --unknown" in capsys.readouterr().err
