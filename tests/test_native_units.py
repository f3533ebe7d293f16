"""The native provider's own decisions, on its real code with no engine: names of properties,
what a build found by id alone tells about its inputs, check failures and diff."""

from __future__ import annotations

import asyncio

from pulumi.provider.experimental import provider as p

from pulumi_builds import lifecycle, services
from pulumi_builds.native.provider import BuildsProvider, wrap

URN = "urn:pulumi:dev::proj::pulumi-builds:awsCodebuild:Build::api"
BUILD = services.resource_spec("aws_codebuild.Build")


def test_a_build_found_by_id_tells_its_plain_inputs_never_its_secrets() -> None:
    obj = {
        "id": "api:1",
        "projectName": "api",
        "sourceVersion": "release",
        "buildStatus": "IN_PROGRESS",
        "environment": {"environmentVariables": [{"name": "DB", "value": "hunter2"}]},
    }
    inputs = lifecycle.adopted_inputs(BUILD, obj)
    assert inputs == {"project_name": "api", "source_version": "release"}
    assert "hunter2" not in repr(lifecycle.outputs(BUILD, inputs, "api:1", obj))


def test_describe_names_status_and_phase() -> None:
    obj = {"buildStatus": "IN_PROGRESS", "currentPhase": "BUILD"}
    assert lifecycle.describe(BUILD, obj) == "IN_PROGRESS, phase BUILD"


def test_check_names_the_schema_property_and_the_rule() -> None:
    news = {"projectName": wrap("api"), "timeoutInMinutesOverride": wrap(3)}
    response = asyncio.run(BuildsProvider().check(p.CheckRequest(URN, {}, news, b"")))
    [failure] = response.failures or []
    assert failure.property == "timeoutInMinutesOverride"
    assert "`timeout_in_minutes_override` = 3 breaks the rule" in failure.reason


def _diff(olds: dict[str, object], news: dict[str, object]) -> p.DiffResponse:
    request = p.DiffRequest(
        URN,
        "api:1",
        {k: wrap(v) for k, v in olds.items()},
        {k: wrap(v) for k, v in news.items()},
        [],
    )
    return asyncio.run(BuildsProvider().diff(request))


def test_diff_replaces_on_build_inputs_updates_behaviour_and_replaces_a_failed_build() -> None:
    old = {"projectName": "api", "sourceVersion": "a", "wait": True, "succeeded": True}
    assert not _diff(old, {"projectName": "api", "sourceVersion": "a", "wait": True}).changes
    changed = _diff(old, {"projectName": "api", "sourceVersion": "b", "wait": True})
    assert changed.replaces == ["sourceVersion"]
    in_place = _diff(old, {"projectName": "api", "sourceVersion": "a", "wait": False})
    assert in_place.changes and not in_place.replaces
    failed = _diff({**old, "succeeded": False}, {"projectName": "api", "sourceVersion": "a"})
    assert failed.replaces == ["succeeded"]
