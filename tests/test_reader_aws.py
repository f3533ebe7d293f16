"""The AWS API Reference reader on the bundled pages, on pages written for this project, on a
page of another operation, and on truncated or garbled copies (which must fail with a position)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pulumi_builds.codegen.errors import PageError
from pulumi_builds.codegen.readers import aws

PAGES = Path(__file__).resolve().parent.parent / "schemas" / "pages"
BATCH_GET_BUILDS = PAGES / "aws_codebuild" / "BatchGetBuilds.txt"
RETRY_BUILD_BATCH = PAGES / "aws_codebuild" / "RetryBuildBatch.txt"
GET_JOB_DETAILS = PAGES / "aws_codepipeline" / "GetJobDetails.txt"


def _op(path: Path, text: str | None = None) -> dict[str, Any]:
    draft = aws.read_page(path.read_text(encoding="utf-8") if text is None else text, str(path))
    assert draft["dialect"] == "aws"
    (op,) = draft["operations"].values()
    return op


def _where(text: str, needle: str, occurrence: int = 1) -> tuple[int, int]:
    """1-based line and column of the n-th occurrence of needle in text."""
    offset = -1
    for _ in range(occurrence):
        offset = text.index(needle, offset + 1)
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def test_operation_names_come_from_the_titles() -> None:
    names = [
        next(iter(aws.read_page(p.read_text(), str(p))["operations"]))
        for p in (BATCH_GET_BUILDS, RETRY_BUILD_BATCH, GET_JOB_DETAILS)
    ]
    assert names == ["BatchGetBuilds", "RetryBuildBatch", "GetJobDetails"]


def test_batch_get_builds_request_constraints_from_prose() -> None:
    op = _op(BATCH_GET_BUILDS)
    assert op["summary"] == "Gets information about one or more builds."
    assert op["request"] == {
        "type": "object",
        "properties": {
            "ids": {
                "description": "The IDs of the builds.",
                "type": "array",
                "items": {"type": "string", "minLength": 1},
                "minItems": 1,
                "maxItems": 100,
            }
        },
        "required": ["ids"],
    }
    assert op["parameters"] == [{"name": "ids", "in": "body", "required": True}]
    assert op["errors"] == [
        {
            "code": "InvalidInputException",
            "status": 400,
            "description": "The input value that was provided is not valid.",
        }
    ]
    assert op["pagination"] is None
    assert op["http"] == {"method": "POST", "path": "/"}


def test_batch_get_builds_nested_build_shape() -> None:
    builds = _op(BATCH_GET_BUILDS)["response"]["properties"]["builds"]
    build = builds["items"]
    assert build["title"] == "Build"
    props = build["properties"]
    assert list(props)[:4] == ["arn", "artifacts", "autoRetryConfig", "buildBatchArn"]
    # AWS `number`: timestamps by name, counts and sizes stay integers.
    assert props["startTime"] == {"type": "number", "x-timestamp": "epoch-seconds"}
    assert props["buildNumber"] == {"type": "integer"}
    phase = props["phases"]["items"]["properties"]
    assert phase["endTime"]["x-timestamp"] == "epoch-seconds"
    assert phase["durationInSeconds"] == {"type": "integer"}
    assert props["environment"]["properties"]["computeConfiguration"]["properties"]["memory"] == {
        "type": "integer"
    }
    assert props["cache"]["properties"]["modes"] == {"type": "array", "items": {"type": "string"}}
    assert props["buildComplete"] == {"type": "boolean"}


def test_flattened_page_recovers_member_and_error_names() -> None:
    op = _op(RETRY_BUILD_BATCH)
    assert [p["name"] for p in op["parameters"]] == ["id", "idempotencyToken", "retryType"]
    assert not any(p["required"] for p in op["parameters"])
    request = op["request"]["properties"]
    assert request["id"]["minLength"] == 1
    assert request["id"]["description"] == "Specifies the identifier of the batch build to restart."
    assert request["retryType"]["description"] == "Specifies the type of retry to perform."
    batch = op["response"]["properties"]["buildBatch"]
    assert batch["title"] == "BuildBatch"
    assert batch["description"] == "Contains information about a batch build."
    summary = batch["properties"]["buildGroups"]["items"]["properties"]["currentBuildSummary"][
        "properties"
    ]
    assert summary["requestedOn"] == {"type": "number", "x-timestamp": "epoch-seconds"}
    assert [(e["code"], e["status"]) for e in op["errors"]] == [
        ("InvalidInputException", 400),
        ("ResourceNotFoundException", 400),
    ]
    assert "required" not in op["request"]


def test_get_job_details_broken_string_map_and_example() -> None:
    op = _op(GET_JOB_DETAILS)
    assert op["request"]["properties"]["jobId"]["type"] == "string"  # "string\n" placeholder
    assert op["request"]["properties"]["jobId"]["pattern"] == (
        "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    )
    assert op["request"]["required"] == ["jobId"]
    details = op["response"]["properties"]["jobDetails"]
    assert details["title"] == "JobDetails"
    assert details["description"].startswith("The details of the job. Note: If AWSSession")
    assert details["description"].endswith("again to obtain new credentials.")
    data = details["properties"]["data"]["properties"]
    assert data["actionConfiguration"]["properties"]["configuration"] == {
        "type": "object",
        "additionalProperties": {"type": "string"},
    }
    assert list(data["artifactCredentials"]["properties"]) == [
        "accessKeyId",
        "secretAccessKey",
        "sessionToken",
    ]
    assert op["description"].startswith("Important: When this API is called")
    assert op["awsTarget"] == "CodePipeline_20150709.GetJobDetails"
    assert op["examples"]["request"] == {"jobId": "ef66c259-EXAMPLE"}
    context = op["examples"]["response"]["jobDetails"]["data"]["pipelineContext"]
    assert context["stage"] == {"name": "Testing"}
    assert [e["code"] for e in op["errors"]] == ["JobNotFoundException", "ValidationException"]


def test_reading_is_deterministic() -> None:
    for page in (BATCH_GET_BUILDS, RETRY_BUILD_BATCH, GET_JOB_DETAILS):
        assert _op(page) == _op(page)


def test_looks_like_tells_aws_pages_from_the_others() -> None:
    for page in (BATCH_GET_BUILDS, RETRY_BUILD_BATCH, GET_JOB_DETAILS):
        assert aws.looks_like(page.read_text())
    assert not aws.looks_like((PAGES / "cloudfoundry" / "ListBuilds.txt").read_text())
    assert not aws.looks_like(
        (PAGES / "cloudflare_builds" / "GetBuildsByVersionIds.md").read_text()
    )


# A page of another operation in the same dialect, flattened, with a required member that the
# list gives first while the syntax block is alphabetical; plus a map, a range and valid values.
OTHER_PAGE = """\
UpdateWidget - AWS Example

Changes a widget.

Request Syntax

{ "color": "string", "labels": { "string" : "string" }, "size": number, "widgetName": "string" }

Request Parameters

The request accepts the following data in JSON format.

In the following list, the required parameters are described first.

The name of the widget.

Type: String

Length Constraints: Minimum length of 2. Maximum length of 150.

Pattern: [A-Za-z0-9][A-Za-z0-9\\-_]{1,149}

Required: Yes

The color to paint it.

Type: String

Valid Values: RED | GREEN

Required: No

Labels to attach.

Type: String to string map

Map Entries: Maximum number of 50 items.

Key Length Constraints: Minimum length of 1. Maximum length of 128.

Required: No

How big it is.

Type: Integer

Valid Range: Minimum value of 5. Maximum value of 2160.

Required: No

Response Syntax

{ "nextToken": "string", "updatedAt": number, "widgets": [ "string" ] }

Response Elements

The token for the next page.

Type: String

When it changed.

Type: Timestamp

Widget names.

Type: Array of strings

Errors

For information about the errors that are common to all actions, see Common Errors.

The input value that was provided is not valid.

HTTP Status Code: 400

See Also
"""


def test_another_operation_in_the_flattened_layout() -> None:
    op = _op(Path("UpdateWidget.txt"), OTHER_PAGE)
    assert [(p["name"], p["required"]) for p in op["parameters"]] == [
        ("color", False),
        ("labels", False),
        ("size", False),
        ("widgetName", True),
    ]
    props = op["request"]["properties"]
    assert props["widgetName"]["pattern"] == "[A-Za-z0-9][A-Za-z0-9\\-_]{1,149}"
    assert (props["widgetName"]["minLength"], props["widgetName"]["maxLength"]) == (2, 150)
    assert props["color"]["enum"] == ["RED", "GREEN"]
    assert props["size"] == {
        "description": "How big it is.",
        "type": "integer",
        "minimum": 5,
        "maximum": 2160,
    }
    assert props["labels"]["additionalProperties"] == {"type": "string"}
    assert props["labels"]["maxProperties"] == 50
    assert props["labels"]["propertyNames"] == {"type": "string", "minLength": 1, "maxLength": 128}
    response = op["response"]["properties"]
    assert response["updatedAt"]["x-timestamp"] == "epoch-seconds"
    assert op["request"]["required"] == ["widgetName"]
    # nextToken only on the response side: not a paginated operation.
    assert op["pagination"] is None


def test_token_pagination_when_next_token_goes_both_ways() -> None:
    text = OTHER_PAGE.replace('"color": "string",', '"color": "string", "nextToken": "string",')
    text = text.replace(
        "The color to paint it.",
        "The token from a previous call.\n\nType: String\n\nRequired: No\n\nThe color to paint it.",
    )
    op = _op(Path("UpdateWidget.txt"), text)
    assert op["pagination"] == {
        "style": "token",
        "inputToken": "nextToken",
        "outputToken": "nextToken",
        "items": "widgets",
    }


# --- pages the reader must refuse ----------------------------------------------------------------


def _error(path: Path, text: str) -> PageError:
    with pytest.raises(PageError) as caught:
        aws.read_page(text, str(path))
    assert caught.value.source == str(path)
    assert str(caught.value).startswith(f"{path}:{caught.value.line}:{caught.value.column}: ")
    return caught.value


def test_unclosed_brace_in_the_request_syntax() -> None:
    text = BATCH_GET_BUILDS.read_text()
    broken = text.replace('[ "string" ]\n}Request Parameters', '[ "string" ]\nRequest Parameters')
    assert broken != text
    error = _error(BATCH_GET_BUILDS, broken)
    assert (error.line, error.column) == _where(broken, "Request Parameters")
    assert "'}'" in error.expected and "object opened at line 4:1" in error.expected
    assert error.found == "Request"


def test_truncated_in_the_response_syntax() -> None:
    text = BATCH_GET_BUILDS.read_text()
    broken = text[: text.index('"vpcConfig"')]
    assert aws.looks_like(broken)  # still recognised, so the user gets this reader's error
    error = _error(BATCH_GET_BUILDS, broken)
    assert error.found == "end of page"
    assert error.line == broken.count("\n") + 1
    # Cut after "...}," inside the Build object: the object's opening brace is named.
    assert error.expected == "a quoted member name in the object opened at line {}:{}".format(
        *_where(broken, "{ ")
    )


def test_truncated_after_the_request_syntax_heading() -> None:
    text = GET_JOB_DETAILS.read_text()
    broken = text[: text.index("Request Syntax") + len("Request Syntax\n")]
    assert aws.looks_like(broken)
    error = _error(GET_JOB_DETAILS, broken)
    assert "'{' that opens the Request Syntax block" in error.expected
    assert error.found == "end of page"


def test_missing_request_syntax_heading() -> None:
    text = GET_JOB_DETAILS.read_text()
    broken = text.replace("Request Syntax\n", "", 1)
    error = _error(GET_JOB_DETAILS, broken)
    assert "'Request Syntax' heading" in error.expected
    assert error.line == 1


def test_string_placeholder_never_closed() -> None:
    text = GET_JOB_DETAILS.read_text()
    broken = text.replace('"jobId": "string\n"\n}', '"jobId": "string\n}', 1)
    error = _error(GET_JOB_DETAILS, broken)
    assert "closing '\"'" in error.expected or "'}'" in error.expected


def test_garbled_type_line_is_named() -> None:
    text = BATCH_GET_BUILDS.read_text()
    broken = text.replace(
        "Type: Array of strings Array Members", "Type: Arr of strings Array Members", 1
    )
    error = _error(BATCH_GET_BUILDS, broken)
    assert (error.line, error.column) == _where(broken, "Type: Arr")
    assert "known Type" in error.expected and error.found.startswith("Arr of strings")


def test_type_contradicting_the_syntax_block() -> None:
    text = BATCH_GET_BUILDS.read_text()
    broken = text.replace("Type: Array of Build objects", "Type: Build object", 1)
    error = _error(BATCH_GET_BUILDS, broken)
    assert "'builds'" in error.expected and "(array)" in error.expected


def test_member_missing_from_the_list() -> None:
    text = BATCH_GET_BUILDS.read_text()
    start = text.index("- buildsNotFound")
    broken = text[:start] + text[text.index("Errors\n", start) :]
    error = _error(BATCH_GET_BUILDS, broken)
    assert "'buildsNotFound'" in error.expected
    assert (error.line, error.column) == _where(broken, '"buildsNotFound"')


def test_flattened_list_with_an_entry_missing() -> None:
    text = RETRY_BUILD_BATCH.read_text()
    broken = text.replace(
        "Specifies the type of retry to perform.\n\nType: String\n\n\nRequired: No\n", "", 1
    )
    assert broken != text
    error = _error(RETRY_BUILD_BATCH, broken)
    assert "3 unnamed entries" in error.expected and error.found == "2 entries"


def test_flattened_error_with_an_unknown_description() -> None:
    text = RETRY_BUILD_BATCH.read_text()
    broken = text.replace("The specified AWS resource cannot be found.", "Something odd.", 1)
    error = _error(RETRY_BUILD_BATCH, broken)
    assert "error name" in error.expected and error.found == "Something odd."


def test_sample_response_that_is_not_json() -> None:
    text = GET_JOB_DETAILS.read_text()
    broken = text.replace('"pipelineName": "MySecondPipeline",', '"pipelineName": MySecond,', 1)
    error = _error(GET_JOB_DETAILS, broken)
    assert "valid JSON in the sample response" in error.expected
    assert (error.line, error.column) == _where(broken, "MySecond,")


def test_title_that_is_not_an_operation_name() -> None:
    # Lines before the name are site chrome (tests/test_reader_aws_more.py); a page whose only
    # title is not PascalCase has no operation name.
    text = GET_JOB_DETAILS.read_text().replace("GetJobDetails\n", "get job details\n", 1)
    error = _error(GET_JOB_DETAILS, text)
    assert (error.line, error.column) == (1, 1)
    assert "PascalCase" in error.expected


# --- pages written for this project in the same dialect -------------------------------------------


def test_start_build_request_and_full_build_response() -> None:
    op = _op(PAGES / "aws_codebuild" / "StartBuild.txt")
    assert op["request"]["required"] == ["projectName"]
    props = op["request"]["properties"]
    assert props["timeoutInMinutesOverride"]["minimum"] == 5
    assert props["timeoutInMinutesOverride"]["maximum"] == 2160
    assert props["queuedTimeoutInMinutesOverride"]["maximum"] == 480
    variables = props["environmentVariablesOverride"]
    assert variables["items"]["title"] == "EnvironmentVariable"
    assert list(variables["items"]["properties"]) == ["name", "type", "value"]
    assert [p["name"] for p in op["parameters"]][:3] == [
        "artifactsOverride",
        "autoRetryLimitOverride",
        "buildspecOverride",
    ]
    build = op["response"]["properties"]["build"]
    assert build["title"] == "Build"
    assert (
        build["properties"]["phases"]["items"]["properties"]["startTime"]["x-timestamp"]
        == "epoch-seconds"
    )
    assert [e["code"] for e in op["errors"]] == [  # alphabetical, as published
        "AccountLimitExceededException",
        "InvalidInputException",
        "ResourceNotFoundException",
    ]


def test_list_builds_for_project_pages_by_token() -> None:
    op = _op(PAGES / "aws_codebuild" / "ListBuildsForProject.txt")
    assert op["pagination"] == {
        "style": "token",
        "inputToken": "nextToken",
        "outputToken": "nextToken",
        "items": "ids",
    }
    assert op["request"]["properties"]["sortOrder"]["enum"] == ["ASCENDING", "DESCENDING"]


def test_codepipeline_job_pages() -> None:
    poll = _op(PAGES / "aws_codepipeline" / "PollForJobs.txt")
    query = poll["request"]["properties"]["queryParam"]
    assert (query.get("minProperties"), query["maxProperties"]) == (0, 1)
    assert query["additionalProperties"]["pattern"] == "[a-zA-Z0-9_-]+"
    assert poll["request"]["properties"]["maxBatchSize"]["minimum"] == 1
    assert poll["response"]["properties"]["jobs"]["items"]["title"] == "Job"
    ack = _op(PAGES / "aws_codepipeline" / "AcknowledgeJob.txt")
    assert ack["request"]["required"] == ["jobId", "nonce"]
    assert ack["response"]["properties"]["status"]["enum"][:2] == ["Created", "Queued"]
    success = _op(PAGES / "aws_codepipeline" / "PutJobSuccessResult.txt")
    assert success["response"] == {"type": "object"}  # "an empty HTTP body"
    revision = success["request"]["properties"]["currentRevision"]["properties"]
    assert revision["created"] == {"type": "number", "x-timestamp": "epoch-seconds"}
    details = success["request"]["properties"]["executionDetails"]["properties"]
    assert details["percentComplete"] == {"type": "integer"}
    failure = _op(PAGES / "aws_codepipeline" / "PutJobFailureResult.txt")
    assert failure["request"]["properties"]["failureDetails"]["title"] == "FailureDetails"
    assert failure["request"]["required"] == ["failureDetails", "jobId"]  # property order


def test_flattened_errors_sharing_a_description() -> None:
    shared = (
        "The job was specified in an invalid format or cannot be found.\n\n"
        "HTTP Status Code: 400\n\n"
    )
    validation = "The validation was specified in an invalid format.\n\nHTTP Status Code: 400\n\n"
    common = "see Common Errors.\n\n"
    twice = OTHER_PAGE.replace(
        "The input value that was provided is not valid.\n\nHTTP Status Code: 400\n\n",
        shared + shared + validation,
    )
    op = _op(Path("UpdateWidget.txt"), twice)
    # Published error lists are alphabetical: the two names sharing the text come in that order.
    assert [e["code"] for e in op["errors"]] == [
        "InvalidJobException",
        "JobNotFoundException",
        "ValidationException",
    ]
    once = OTHER_PAGE.replace(
        common + "The input value that was provided is not valid.", common + shared.split("\n")[0]
    )
    assert [e["code"] for e in _op(Path("UpdateWidget.txt"), once)["errors"]] == [
        "JobNotFoundException"
    ]


@pytest.mark.parametrize("service_id", ["aws_codebuild", "aws_codepipeline"])
def test_drafts_of_every_page_make_a_valid_service_document(service_id: str) -> None:
    """The drafts meet the reader contract: the shared normalizer turns them into a document
    that passes the format's validator (normalize() validates before returning)."""
    from pulumi_builds.codegen import normalize

    drafts = []
    for path in sorted((PAGES / service_id).glob("*.txt")):
        source = f"pages/{service_id}/{path.name}"
        drafts.append((source, aws.read_page(path.read_text(encoding="utf-8"), source)))
    doc = normalize.normalize(service_id, drafts)
    assert sorted(doc["operations"]) == sorted(p.stem for p in (PAGES / service_id).glob("*.txt"))
    if service_id == "aws_codebuild":
        assert "Build" in doc["$defs"] and "BuildBatch" in doc["$defs"]
        assert doc["operations"]["ListBuildsForProject"]["pagination"]["items"] == "ids"
    else:
        assert "JobDetails" in doc["$defs"] and "Job" in doc["$defs"]


def test_one_build_and_one_build_batch_shape_across_operations() -> None:
    """Every operation returning a Build (or BuildBatch) draws the same shape as the published
    page does, so the normalizer shares one Build model instead of making a Build2."""

    def shape(page: str, member: str) -> dict[str, Any]:
        schema = _op(PAGES / "aws_codebuild" / f"{page}.txt")["response"]["properties"][member]
        return schema["items"] if schema["type"] == "array" else schema

    def body(schema: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in schema.items() if k != "description"}

    build = body(shape("BatchGetBuilds", "builds"))
    for page in ("StartBuild", "StopBuild", "RetryBuild"):
        assert body(shape(page, "build")) == build, page
    batch = body(shape("RetryBuildBatch", "buildBatch"))
    for page, member in (
        ("StartBuildBatch", "buildBatch"),
        ("StopBuildBatch", "buildBatch"),
        ("BatchGetBuildBatches", "buildBatches"),
    ):
        assert body(shape(page, member)) == batch, page


def _flatten(text: str) -> str:
    """The flattened rendering of a page: the "- name" / "-" term lines of every list dropped."""
    lines = text.split("\n")
    kept = []
    index = 0
    while index < len(lines):
        term = lines[index].startswith("- ") and " " not in lines[index][2:].strip()
        if term and index + 1 < len(lines) and lines[index + 1].strip() == "-":
            index += 2
            continue
        kept.append(lines[index])
        index += 1
    return "\n".join(kept)


@pytest.mark.parametrize(
    "page",
    sorted(
        p
        for sid in ("aws_codebuild", "aws_codepipeline")
        for p in (PAGES / sid).glob("*.txt")
        if p.name != "RetryBuildBatch.txt"
    ),
    ids=lambda p: p.stem,
)
def test_flattened_rendering_reads_the_same(page: Path) -> None:
    """Every page, with its member and error names dropped as in the flattened variant, reads
    to the same draft: names come back from the syntax order, the required-first listing and
    the error descriptions."""
    text = page.read_text()
    flat = _flatten(text)
    assert flat != text
    assert _op(page, flat) == _op(page)


def test_required_glued_to_the_last_enum_value_and_an_empty_bullet() -> None:
    """ListBuildBatchesForProject's published text prints `DESCENDINGRequired: No` followed by an
    empty list bullet: the enum ends at the label, and the bullet is no value."""
    op = _op(PAGES / "aws_codebuild" / "ListBuildBatchesForProject.txt")
    sort_order = op["request"]["properties"]["sortOrder"]
    assert sort_order["enum"] == ["ASCENDING", "DESCENDING"]
    assert op["request"].get("required", []) == []
    assert op["request"]["properties"]["maxResults"]["maximum"] == 100
    assert op["pagination"] == {
        "style": "token",
        "inputToken": "nextToken",
        "outputToken": "nextToken",
        "items": "ids",
    }
