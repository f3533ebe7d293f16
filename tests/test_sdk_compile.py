"""The TypeScript and Go SDKs of generated/schema.json build, with the examples that use them.

`builds-codegen sdk` runs the real `pulumi package gen-sdk`; TypeScript is type-checked with `tsc`
(typescript, @pulumi/pulumi and @types/node from the npm registry, locked in engine/node), Go is
built with `go build` (the Pulumi Go SDK v3.259.0 from the Go module proxy). The first run
installs the toolchains into the per-user cache (about 20 s for npm, minutes for Go modules).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from pulumi_builds.codegen.cli import main as codegen_main
from pulumi_builds.engine.sdk_compile import build_go, typecheck_nodejs

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
TYPESCRIPT_EXAMPLE = (EXAMPLES / "typescript" / "index.ts").read_text()
GO_EXAMPLE = (EXAMPLES / "go" / "main.go").read_text()

engine = pytest.mark.engine


@pytest.fixture(scope="module")
def sdks(tmp_path_factory: pytest.TempPathFactory, pulumi_bin_dir: Path) -> Path:
    """Both SDKs, written by the command users run (the CLI found next to this Python)."""
    out = tmp_path_factory.mktemp("sdks")
    for language in ("nodejs", "go"):
        completed = subprocess.run(
            [str(Path(sys.prefix) / "bin" / "builds-codegen")]
            + ["sdk", "--language", language, "--out", str(out)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert completed.returncode == 0, completed.stderr
        assert f"{language} SDK of" in completed.stdout
    return out


@engine
def test_typescript_sdk_and_example_typecheck(sdks: Path, tmp_path: Path) -> None:
    result = typecheck_nodejs(sdks / "nodejs", TYPESCRIPT_EXAMPLE, tmp_path / "program")
    assert result.ok, result.output
    # Every resource and function of the schema is in the SDK.
    index = (sdks / "nodejs" / "aws_codebuild" / "index.ts").read_text()
    for name in ("Build", "BuildBatch", "getBuilds", "getBuildsOutput"):
        assert name in index


@engine
def test_typescript_wrong_input_type_fails_the_typecheck(sdks: Path, tmp_path: Path) -> None:
    wrong = TYPESCRIPT_EXAMPLE.replace('projectName: "api"', "projectName: 42")
    assert wrong != TYPESCRIPT_EXAMPLE
    result = typecheck_nodejs(sdks / "nodejs", wrong, tmp_path / "program")
    assert not result.ok
    assert "index.ts" in result.output and "number" in result.output, result.output


@engine
def test_go_sdk_and_example_build(sdks: Path, tmp_path: Path) -> None:
    result = build_go(sdks / "go", GO_EXAMPLE, tmp_path / "program")
    assert result.ok, result.output


@engine
def test_go_wrong_input_type_fails_the_build(sdks: Path, tmp_path: Path) -> None:
    wrong = GO_EXAMPLE.replace('ProjectName:   pulumi.String("api")', "ProjectName: 42")
    assert wrong != GO_EXAMPLE
    result = build_go(sdks / "go", wrong, tmp_path / "program")
    assert not result.ok
    # The line of `ProjectName: 42`, and the type the SDK wants there.
    line = GO_EXAMPLE.splitlines().index('\t\t\tProjectName:   pulumi.String("api"),') + 1
    assert f"main.go:{line}:" in result.output, result.output
    assert "pulumi.StringInput" in result.output, result.output


def test_sdk_command_names_the_missing_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert codegen_main(["--root", str(tmp_path), "sdk", "--language", "go", "--out", "x"]) == 2
    error = capsys.readouterr().err
    assert f"no package schema at {tmp_path / 'generated' / 'schema.json'}" in error
    assert "builds-codegen generate" in error


def test_schema_version_is_the_projects() -> None:
    # The SDKs carry the schema's version (package.json, the plugin they ask for).
    root = Path(__file__).resolve().parents[1]
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    schema = json.loads((root / "generated" / "schema.json").read_text())
    assert schema["version"] == project["version"]
    assert schema["meta"]["supportPack"] is True
