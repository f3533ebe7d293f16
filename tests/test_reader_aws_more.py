"""The AWS reader on published pages it was not written against (tests/pages/aws_*/, sources in
tests/pages/README.md): other CodeBuild and CodePipeline operations, other AWS JSON services
(CodeCommit, ECR), the Markdown rendering (API_<Operation>.md) and the text renderings with site
chrome before the title. Every page is compared with botocore's model (the oracle, never read
by the reader) the way tests/test_botocore_crosscheck.py compares the bundled pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import botocore.session
import pytest

from pulumi_builds.codegen.errors import PageError
from pulumi_builds.codegen.normalize import normalize
from pulumi_builds.codegen.readers import aws, read_page
from tests.test_botocore_crosscheck import compare_body

PAGES = Path(__file__).resolve().parent / "pages"
SERVICE = {"aws_codebuild": "codebuild", "aws_codepipeline": "codepipeline"}
OTHER = {"GetBranch": "codecommit", "DescribeRepositories": "ecr"}  # tests/pages/aws_other/


def _pages() -> list[Path]:
    return sorted(p for p in PAGES.glob("aws_*/*") if p.suffix in (".txt", ".md"))


def _op(page: Path, text: str | None = None) -> tuple[str, dict[str, Any]]:
    draft = aws.read_page(page.read_text(encoding="utf-8") if text is None else text, str(page))
    assert draft["dialect"] == "aws"
    ((name, op),) = draft["operations"].items()
    return name, op


def _model(page: Path, name: str) -> Any:
    service = SERVICE.get(page.parent.name) or OTHER[name]
    return botocore.session.get_session().get_service_model(service).operation_model(name)


@pytest.mark.parametrize("page", _pages(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_page_reads_and_matches_botocore(page: Path) -> None:
    name, op = _op(page)
    assert name == page.stem
    assert read_page(page.read_text(encoding="utf-8"), str(page))["dialect"] == "aws"
    model = _model(page, name)
    found = compare_body(op["request"], model.input_shape, "request", True)
    found += compare_body(op["response"], model.output_shape, "response", False)
    assert not found, "\n".join(f"{p}: {what}: {detail}" for p, what, detail in found)
    assert {e["code"] for e in op["errors"]} == {s.name for s in model.error_shapes}
    assert all(e["status"] in (400, 500) for e in op["errors"])
    assert [p["name"] for p in op["parameters"]] == list(op["request"].get("properties", {}))


@pytest.mark.parametrize(
    "page",
    [p for p in _pages() if p.parent.name != "aws_other"],
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_page_normalizes_into_a_service_document(page: Path) -> None:
    service = page.parent.name
    draft = read_page(page.read_text(encoding="utf-8"), f"pages/{service}/{page.name}")
    doc = normalize(service, [(f"pages/{service}/{page.name}", draft)])
    (op,) = doc["operations"].values()
    assert op["request"] == {"$ref": f"#/$defs/{page.stem}Request"}
    assert op["awsTarget"].endswith(f".{page.stem}")


def test_list_projects_enums_and_pagination() -> None:
    for page in (
        PAGES / "aws_codebuild" / "ListProjects.txt",
        PAGES / "aws_codebuild" / "ListProjects.md",
    ):
        _, op = _op(page)
        props = op["request"]["properties"]
        assert props["sortBy"]["enum"] == ["NAME", "CREATED_TIME", "LAST_MODIFIED_TIME"]
        assert props["sortOrder"]["enum"] == ["ASCENDING", "DESCENDING"]
        # The bullet list of values stays in the description, before the facts.
        assert (
            "CREATED_TIME: List based on when each build project was created."
            in props["sortBy"]["description"]
        )
        assert op["pagination"] == {
            "style": "token",
            "inputToken": "nextToken",
            "outputToken": "nextToken",
            "items": "projects",
        }
        assert "required" not in op["request"]


def test_markdown_and_text_renderings_read_the_same() -> None:
    for service, name in (("aws_codebuild", "ListProjects"), ("aws_codepipeline", "GetPipeline")):
        _, text = _op(PAGES / service / f"{name}.txt")
        _, markdown = _op(PAGES / service / f"{name}.md")
        for key in ("summary", "request", "response", "parameters", "errors", "pagination"):
            assert markdown[key] == text[key], key


def test_get_pipeline_nested_shapes_maps_and_example() -> None:
    _, op = _op(PAGES / "aws_codepipeline" / "GetPipeline.md")
    assert op["request"]["required"] == ["name"]
    assert op["request"]["properties"]["name"]["pattern"] == r"[A-Za-z0-9.@\-_]+"
    assert op["request"]["properties"]["version"] == {
        "description": "The version number of the pipeline. If you do not specify a version, "
        "defaults to the current version.",
        "type": "integer",
        "minimum": 1,
    }
    pipeline = op["response"]["properties"]["pipeline"]
    assert pipeline["title"] == "PipelineDeclaration"
    stores = pipeline["properties"]["artifactStores"]
    assert stores["additionalProperties"]["properties"]["encryptionKey"]["type"] == "object"
    action = pipeline["properties"]["stages"]["items"]["properties"]["actions"]["items"]
    assert action["properties"]["configuration"] == {
        "type": "object",
        "additionalProperties": {"type": "string"},
    }
    metadata = op["response"]["properties"]["metadata"]["properties"]
    assert metadata["pollingDisabledAt"]["x-timestamp"] == "epoch-seconds"
    assert op["awsTarget"] == "CodePipeline_20150709.GetPipeline"
    assert op["examples"]["request"] == {"name": "MyFirstPipeline"}


def test_markdown_request_placeholders_and_nested_arrays() -> None:
    _, op = _op(PAGES / "aws_codebuild" / "BatchGetProjects.md")
    names = op["request"]["properties"]["names"]
    assert names["items"] == {"type": "string", "minLength": 1}  # drawn "{{string}}"
    project = op["response"]["properties"]["projects"]["items"]
    assert project["title"] == "Project"
    groups = project["properties"]["webhook"]["properties"]["filterGroups"]
    assert groups["items"]["type"] == "array"
    assert groups["items"]["items"]["properties"]["excludeMatchedPattern"] == {"type": "boolean"}


def test_array_of_arrays_of_objects() -> None:
    """CodeBuild CreateWebhook: "Type: Array of arrays of WebhookFilter objects" (filterGroups)."""
    _, op = _op(PAGES / "aws_codebuild" / "CreateWebhook.md")
    groups = op["request"]["properties"]["filterGroups"]
    assert groups["type"] == "array" and groups["items"]["type"] == "array"
    a_filter = groups["items"]["items"]
    assert a_filter["title"] == "WebhookFilter"
    assert sorted(a_filter["properties"]) == ["excludeMatchedPattern", "pattern", "type"]
    webhook = op["response"]["properties"]["webhook"]["properties"]
    assert webhook["filterGroups"]["items"]["items"]["type"] == "object"


def test_markdown_errors_name_the_markdown_line() -> None:
    page = PAGES / "aws_codebuild" / "ListProjects.md"
    text = page.read_text(encoding="utf-8")
    garbled = text.replace(
        "Type: String\nValid Values: `ASCENDING", "Type: Strang\nValid Values: `ASCENDING"
    )
    with pytest.raises(PageError) as caught:
        aws.read_page(garbled, str(page))
    assert (
        caught.value.line == text[: text.index("Type: String\nValid Values: `ASC")].count("\n") + 1
    )
    assert "Strang" in caught.value.found


_COOKIES = (
    "Select your cookie preferences\n\nWe use essential cookies and similar tools that "
    "are necessary to provide our site and services.\n\n"
)


@pytest.mark.parametrize(
    "before",
    [
        _COOKIES + "ListProjects\n\nFocus mode\n",
        "Menu\nAWS CodeBuild\nAPI Reference (API Version 2016-10-06)\n\n",
        (
            "ListProjects - AWS CodeBuild\nEsta página não foi traduzida para seu idioma. Solicitar "
            "tradução\n\n"
        ),
    ],
)
def test_site_chrome_before_the_title_is_skipped(before: str) -> None:
    page = PAGES / "aws_codebuild" / "ListProjects.txt"
    text = page.read_text(encoding="utf-8")
    body = text[text.index("\nListProjects\n") + 1 :]
    name, op = _op(page, before + body)
    assert name == "ListProjects"
    assert op["summary"] == (
        "Gets a list of build project names, with each build project name "
        "representing a single build project."
    )
    assert "description" not in op


def test_the_newer_markdown_rendering_reads_like_the_older_one() -> None:
    """CloudWatch Logs' GetLogEvents.md is in the newer rendering (`**[name](#...)**` heads, blank
    lines between facts, wrapped prose): its summary is the whole first paragraph, and no
    Markdown (a code span or a link broken over two lines) is left in the text."""
    bundled = Path(__file__).resolve().parent.parent / "schemas" / "pages" / "aws_logs"
    text = (bundled / "GetLogEvents.md").read_text(encoding="utf-8")
    draft = aws.read_page(text, "pages/aws_logs/GetLogEvents.md")
    operation = draft["operations"]["GetLogEvents"]
    assert operation["summary"] == (
        "Lists log events from the specified log stream. You can list all of the log events or "
        "filter using a time range."
    )
    assert "log transformation, the GetLogEvents operation" in operation["description"]
    assert [e["code"] for e in operation["errors"]] == [
        "InvalidParameterException",
        "ResourceNotFoundException",
        "ServiceUnavailableException",
    ]
    document = normalize("aws_logs", [("pages/aws_logs/GetLogEvents.md", draft)])
    end_time = document["$defs"]["GetLogEventsRequest"]["properties"]["endTime"]
    assert (
        "`" not in end_time["description"] and "Jan 1, 1970 00:00:00 UTC" in end_time["description"]
    )
    assert not any(
        "](" in text or "\\" in text for text in (operation["summary"], operation["description"])
    )
