"""The normalizer on hand-made page drafts: hoisting, naming, sharing, secrets, open enums, facts."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from pulumi_builds.codegen import normalize
from pulumi_builds.codegen.errors import SchemaError
from pulumi_builds.codegen.secrets import load_rules

SOURCE = "pages/aws_codepipeline/GetJobDetails.txt"


def job_details_draft() -> dict[str, Any]:
    """Shaped like the AWS reader's draft of GetJobDetails (named JobDetails, nested data)."""
    location = {
        "type": "object",
        "properties": {
            "s3Location": {
                "type": "object",
                "properties": {"bucketName": {"type": "string"}, "objectKey": {"type": "string"}},
            },
            "type": {"type": "string"},
        },
    }
    artifact = {
        "type": "object",
        "properties": {
            "location": location,
            "name": {"type": "string"},
            "revision": {"type": "string"},
        },
    }
    return {
        "dialect": "aws",
        "operations": {
            "GetJobDetails": {
                "summary": "Returns information about a job.",
                "request": {
                    "type": "object",
                    "properties": {
                        "jobId": {
                            "type": "string",
                            "pattern": "[0-9a-f]{8}",
                            "description": "The job.",
                        }
                    },
                    "required": ["jobId"],
                },
                "response": {
                    "type": "object",
                    "properties": {
                        "jobDetails": {
                            "title": "JobDetails",
                            "type": "object",
                            "description": "Details.",
                            "properties": {
                                "id": {"type": "string"},
                                "status": {"type": "string", "enum": ["Created", "Queued"]},
                                "data": {
                                    "type": "object",
                                    "properties": {
                                        "artifactCredentials": {
                                            "type": "object",
                                            "properties": {
                                                "accessKeyId": {"type": "string"},
                                                "secretAccessKey": {"type": "string"},
                                                "sessionToken": {"type": "string"},
                                            },
                                        },
                                        "continuationToken": {"type": "string"},
                                        "inputArtifacts": {
                                            "type": "array",
                                            "items": copy.deepcopy(artifact),
                                        },
                                        "outputArtifacts": {
                                            "type": "array",
                                            "items": copy.deepcopy(artifact),
                                        },
                                    },
                                },
                            },
                        }
                    },
                },
                "errors": [{"code": "JobNotFoundException", "status": 400}],
            }
        },
    }


def run(*drafts: tuple[str, dict[str, Any]], service: str = "aws_codepipeline") -> dict[str, Any]:
    return normalize.normalize(service, list(drafts))


def test_named_shapes_keep_names_and_unnamed_get_path_names() -> None:
    doc = run((SOURCE, job_details_draft()))
    # JobDetails is named by the page; its `data` is pinned to CodePipeline's own name JobData
    # (codegen/corrections/names.json); everything below gets parent + property.
    assert sorted(doc["$defs"]) == [
        "GetJobDetailsRequest",
        "GetJobDetailsResponse",
        "JobData",
        "JobDataArtifactCredentials",
        "JobDataInputArtifact",
        "JobDataInputArtifactLocation",
        "JobDataInputArtifactLocationS3Location",
        "JobDataOutputArtifact",
        "JobDataOutputArtifactLocation",
        "JobDataOutputArtifactLocationS3Location",
        "JobDetails",
    ]
    assert "x-derived-name" not in doc["$defs"]["JobDetails"]
    assert "x-derived-name" not in doc["$defs"]["JobData"]  # pinned ranks with page names
    assert doc["$defs"]["JobDataInputArtifact"]["x-derived-name"] is True
    # The property's description stays on the property, next to the $ref.
    assert doc["$defs"]["GetJobDetailsResponse"]["properties"]["jobDetails"] == {
        "$ref": "#/$defs/JobDetails",
        "description": "Details.",
    }


def test_identical_shapes_at_different_paths_keep_their_own_names() -> None:
    """Sharing them would make one path's class name depend on the other path's content."""
    doc = run((SOURCE, job_details_draft()))
    data = doc["$defs"]["JobData"]["properties"]
    assert data["inputArtifacts"]["items"] == {"$ref": "#/$defs/JobDataInputArtifact"}
    assert data["outputArtifacts"]["items"] == {"$ref": "#/$defs/JobDataOutputArtifact"}


def test_a_shape_named_alike_on_two_pages_is_one_class_with_the_union_of_members() -> None:
    draft = job_details_draft()
    other = copy.deepcopy(draft["operations"]["GetJobDetails"])
    details = other["response"]["properties"]["jobDetails"]
    del details["properties"]["data"]  # (only GetJobDetails pins its data to JobData)
    details["properties"]["accountId"] = {"type": "string"}
    details["properties"]["status"]["enum"] = ["Created", "Dispatched"]
    details["required"] = ["id", "accountId"]
    draft["operations"]["GetJobDetails"]["response"]["properties"]["jobDetails"]["required"] = [
        "id"
    ]
    second = {"dialect": "aws", "operations": {"PollJobDetails": other}}
    doc = run((SOURCE, draft), ("pages/aws_codepipeline/PollJobDetails.txt", second))
    job_details = doc["$defs"]["JobDetails"]
    assert list(job_details["properties"]) == ["id", "status", "data", "accountId"]
    assert job_details["properties"]["status"]["enum"] == ["Created", "Queued", "Dispatched"]
    assert job_details["required"] == ["id"]  # required only where every page requires it
    for response in ("GetJobDetailsResponse", "PollJobDetailsResponse"):
        assert doc["$defs"][response]["properties"]["jobDetails"]["$ref"] == "#/$defs/JobDetails"
    assert not [
        name for name in doc["$defs"] if name.startswith("JobDetails") and name != "JobDetails"
    ]


def test_a_conflicting_copy_becomes_a_variant_named_after_its_operation() -> None:
    draft = job_details_draft()
    other = copy.deepcopy(draft["operations"]["GetJobDetails"])
    other["response"]["properties"]["jobDetails"]["properties"]["id"] = {"type": "integer"}
    second = {"dialect": "aws", "operations": {"PollJobDetails": other}}
    doc = run((SOURCE, draft), ("pages/aws_codepipeline/PollJobDetails.txt", second))
    # The page met first keeps the name; the other copy is named after its operation.
    assert doc["$defs"]["JobDetails"]["properties"]["id"] == {"type": "string"}
    assert doc["$defs"]["JobDetailsForPollJobDetails"]["properties"]["id"] == {"type": "integer"}


def test_adding_unrelated_fields_and_shapes_renames_nothing() -> None:
    before = set(run((SOURCE, job_details_draft()))["$defs"])
    draft = job_details_draft()
    response = draft["operations"]["GetJobDetails"]["response"]
    response["properties"]["jobDetails"]["properties"]["accountId"] = {"type": "string"}
    response["properties"]["extra"] = {"type": "object", "properties": {"a": {"type": "string"}}}
    draft["operations"]["AcknowledgeJob"] = {
        "summary": "Acknowledges a job.",
        "request": {"type": "object", "properties": {"nonce": {"type": "string"}}},
        "response": {"type": "object", "properties": {"status": {"type": "string"}}},
    }
    after = set(run((SOURCE, draft))["$defs"])
    assert before <= after
    assert after - before == {
        "GetJobDetailsResponseExtra",
        "AcknowledgeJobRequest",
        "AcknowledgeJobResponse",
    }


def test_changing_one_copy_renames_nothing() -> None:
    before = run((SOURCE, job_details_draft()))
    draft = job_details_draft()
    data = draft["operations"]["GetJobDetails"]["response"]["properties"]["jobDetails"][
        "properties"
    ]["data"]["properties"]
    data["outputArtifacts"]["items"]["properties"]["size"] = {"type": "integer"}
    doc = run((SOURCE, draft))
    assert set(doc["$defs"]) == set(before["$defs"])
    assert doc["$defs"]["JobDataInputArtifact"] == before["$defs"]["JobDataInputArtifact"]
    assert "size" in doc["$defs"]["JobDataOutputArtifact"]["properties"]


def test_credentials_objects_and_secret_names_are_flagged() -> None:
    doc = run((SOURCE, job_details_draft()))
    credentials = doc["$defs"]["JobDataArtifactCredentials"]["properties"]
    assert all(p.get("x-secret") is True for p in credentials.values())
    data = doc["$defs"]["JobData"]["properties"]
    assert "x-secret" not in data["continuationToken"]  # a job continuation, not a credential
    assert "x-secret" not in doc["$defs"]["JobDetails"]["properties"]["id"]


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("password", True),
        ("secretAccessKey", True),
        ("sessionToken", True),
        ("token", True),
        ("credential", True),
        ("api_key", True),
        ("client_secret", True),
        ("webhookSecret", True),
        ("idempotencyToken", False),
        ("nextToken", False),
        ("build_token_uuid", False),
        ("build_token_name", False),
        ("credentialProvider", False),
        ("secretsManagerArn", False),
        ("imagePullCredentialsType", False),
        ("passwordEnabled", False),
        ("encryptionKey", False),
        ("accessKeyId", False),
        ("username", False),
        ("cursor", False),
    ],
)
def test_secret_name_rules(name: str, secret: bool) -> None:
    assert load_rules().is_secret(name) is secret


def test_response_enums_are_open_and_request_enums_closed() -> None:
    draft = job_details_draft()
    draft["operations"]["GetJobDetails"]["request"]["properties"]["mode"] = {
        "type": "string",
        "enum": ["A", "B"],
        "x-enum-open": True,
    }
    doc = run((SOURCE, draft))
    assert doc["$defs"]["JobDetails"]["properties"]["status"]["x-enum-open"] is True
    assert "x-enum-open" not in doc["$defs"]["GetJobDetailsRequest"]["properties"]["mode"]


def test_aws_service_facts_come_from_the_table() -> None:
    doc = run((SOURCE, job_details_draft()))
    assert doc["service"]["protocol"] == "aws-json-1.1"
    assert doc["service"]["aws"]["targetPrefix"] == "CodePipeline_20150709"
    assert doc["service"]["aws"]["signingName"] == "codepipeline"
    op = doc["operations"]["GetJobDetails"]
    assert op["awsTarget"] == "CodePipeline_20150709.GetJobDetails"
    assert op["http"] == {"method": "POST", "path": "/"}
    assert op["parameters"] == [{"name": "jobId", "in": "body", "required": True}]
    assert op["source"] == SOURCE and doc["sources"] == [SOURCE]


def test_rest_service_facts() -> None:
    draft = {
        "dialect": "cloudflare",
        "operations": {
            "GetBuild": {
                "summary": "Get build details",
                "http": {
                    "method": "GET",
                    "path": "/accounts/{account_id}/builds/builds/{build_uuid}",
                },
                "request": {
                    "type": "object",
                    "properties": {
                        "account_id": {"type": "string"},
                        "build_uuid": {"type": "string"},
                    },
                    "required": ["account_id", "build_uuid"],
                },
                "response": {"type": "object", "properties": {"success": {"type": "boolean"}}},
                "parameters": [
                    {"name": "account_id", "in": "path", "required": True},
                    {"name": "build_uuid", "in": "path", "required": True},
                ],
            }
        },
    }
    doc = run(("pages/cloudflare_builds/GetBuild.md", draft), service="cloudflare_builds")
    assert doc["service"] == {
        "id": "cloudflare_builds",
        "title": "Cloudflare Workers Builds",
        "protocol": "rest-json",
        "basePath": "/client/v4",
        "auth": "bearer",
    }
    assert "awsTarget" not in doc["operations"]["GetBuild"]


def test_a_shape_on_both_sides_gets_one_definition_per_side() -> None:
    shape = {
        "title": "ActionTypeId",
        "type": "object",
        "properties": {
            "category": {"type": "string", "enum": ["Build", "Test"]},
            "owner": {"type": "string"},
        },
    }
    draft = {
        "dialect": "aws",
        "operations": {
            "PollForJobs": {
                "summary": "Polls.",
                "request": {"type": "object", "properties": {"actionTypeId": copy.deepcopy(shape)}},
                "response": {
                    "type": "object",
                    "properties": {
                        "jobs": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {"actionTypeId": copy.deepcopy(shape)},
                            },
                        }
                    },
                },
            }
        },
    }
    doc = run(("pages/aws_codepipeline/PollForJobs.txt", draft))
    request_ref = doc["$defs"]["PollForJobsRequest"]["properties"]["actionTypeId"]["$ref"]
    assert request_ref == "#/$defs/ActionTypeIdInput"
    assert doc["$defs"]["ActionTypeId"]["properties"]["category"]["x-enum-open"] is True
    assert "x-enum-open" not in doc["$defs"]["ActionTypeIdInput"]["properties"]["category"]


def test_pinned_names_name_unnamed_shapes() -> None:
    build = {
        "type": "object",
        "properties": {"build_uuid": {"type": "string"}, "status": {"type": "string"}},
    }
    draft = {
        "dialect": "cloudflare",
        "operations": {
            "GetBuildsByVersionIds": {
                "summary": "Get builds by version IDs",
                "http": {"method": "GET", "path": "/accounts/{account_id}/builds/builds"},
                "request": {"type": "object", "properties": {}},
                "response": {
                    "type": "object",
                    "properties": {
                        "errors": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "code": {"type": "number"},
                                    "message": {"type": "string"},
                                },
                            },
                        },
                        "result": {
                            "type": "object",
                            "properties": {
                                "builds": {"type": "object", "additionalProperties": build}
                            },
                        },
                    },
                },
                "parameters": [],
            }
        },
    }
    doc = run(
        ("pages/cloudflare_builds/GetBuildsByVersionIds.md", draft), service="cloudflare_builds"
    )
    result = doc["$defs"]["GetBuildsByVersionIdsResponseResult"]
    assert result["properties"]["builds"]["additionalProperties"] == {"$ref": "#/$defs/Build"}
    assert "ResponseInfo" in doc["$defs"]  # pinned for every Cloudflare operation ("*")


def test_known_facts_missing_from_a_page_come_from_corrections() -> None:
    draft = {
        "dialect": "aws",
        "operations": {
            "RetryBuildBatch": {
                "summary": "Restarts a failed batch build.",
                "request": {"type": "object", "properties": {"retryType": {"type": "string"}}},
                "response": {"type": "object", "properties": {}},
            }
        },
    }
    doc = run(("pages/aws_codebuild/RetryBuildBatch.txt", draft), service="aws_codebuild")
    assert doc["$defs"]["RetryBuildBatchRequest"]["properties"]["retryType"]["enum"] == [
        "RETRY_ALL_BUILDS",
        "RETRY_FAILED_BUILDS",
    ]


def test_two_pages_defining_one_operation_is_an_error_naming_both() -> None:
    with pytest.raises(SchemaError, match="GetJobDetails.*a.txt.*b.txt"):
        run(
            ("pages/aws_codepipeline/a.txt", job_details_draft()),
            ("pages/aws_codepipeline/b.txt", job_details_draft()),
        )


def test_unknown_service_is_an_error() -> None:
    with pytest.raises(SchemaError, match="unknown service 'nope'"):
        run((SOURCE, job_details_draft()), service="nope")


def test_output_does_not_depend_on_draft_order() -> None:
    other = {
        "dialect": "aws",
        "operations": {
            "AcknowledgeJob": {
                "summary": "Acknowledges.",
                "request": {"type": "object", "properties": {"nonce": {"type": "string"}}},
                "response": {"type": "object", "properties": {}},
            }
        },
    }
    pair_a = (SOURCE, job_details_draft())
    pair_b = ("pages/aws_codepipeline/AcknowledgeJob.txt", other)
    assert run(pair_a, pair_b) == run(pair_b, pair_a)
