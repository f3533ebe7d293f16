"""The lifecycle's parts on their own: tokens, the journal's attempt chain, the tracker's handling
of read outages and bad answers (against the emulator where a service is involved)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from pulumi_builds import journal, lifecycle, tracker, wire
from pulumi_builds.emulators.server import EmulatorServer
from pulumi_builds.generated.aws_codebuild.resources import SPECS as CODEBUILD
from pulumi_builds.tokens import IDENTITY, attempt_token, trigger_token
from pulumi_builds.transport.aws import AwsTransport
from pulumi_builds.transport.base import ApiError

BUILD = CODEBUILD["Build"]
PROPS = {
    IDENTITY: "proj/dev/aws_codebuild.Build/api",
    "project_name": "api",
    "source_version": "main",
}


def test_token_is_stable_and_changes_with_inputs_triggers_and_endpoint() -> None:
    token = trigger_token(BUILD, PROPS, "http://a|us-east-1")
    assert token == trigger_token(BUILD, dict(PROPS), "http://a|us-east-1")
    assert token != trigger_token(BUILD, {**PROPS, "source_version": "dev"}, "http://a|us-east-1")
    assert token != trigger_token(BUILD, {**PROPS, "triggers": {"v": "2"}}, "http://a|us-east-1")
    assert token != trigger_token(BUILD, PROPS, "http://b|us-east-1")
    # Behaviour inputs do not define the build.
    assert token == trigger_token(
        BUILD, {**PROPS, "wait": False, "wait_timeout": 5}, "http://a|us-east-1"
    )
    assert len(attempt_token(token, 3)) == len(token) <= 63  # fits a Cloud Foundry label value


def test_token_is_the_same_as_earlier_releases_gave() -> None:
    """Existing stacks rely on it: a changed token would start a second build of an unchanged
    resource (the journal and the service's idempotency window are keyed by it). The values
    are what the releases before the shared-input table (issue 18) computed."""
    props = {
        **PROPS,
        "environment_variables": {"A": "1"},
        "triggers": {"v": "2"},
        "logs_config_override": {"cloud_watch_logs": {"status": "ENABLED"}},
    }
    props.pop("source_version")
    assert (
        trigger_token(BUILD, props, "http://a|us-east-1")
        == "pb-53e696978d1f6bad7186c0fcb969a14d57b1a24d"
    )
    assert (
        trigger_token(
            CODEBUILD["BuildBatch"], {**props, "retry_failed_builds": True}, "http://a|us-east-1"
        )
        == "pb-25732821a159fe6c8b660bd73c160b60b945dd7b"
    )


@pytest.mark.parametrize(
    ("name", "value", "rule"),
    [
        ("wait", "yes", "must be true or false"),
        ("stop_on_delete", 1, "must be true or false"),
        ("wait_timeout", 0, "seconds, greater than 0"),
        ("wait_timeout", "10", "seconds, greater than 0"),
        ("retry_failed_builds", "no", "must be true or false"),
        ("max_retries", -1, "a whole number >= 0"),
    ],
)
def test_shared_inputs_are_checked_by_their_declared_rule(name: str, value: Any, rule: str) -> None:
    failures = lifecycle.check(CODEBUILD["BuildBatch"], {**PROPS, name: value})
    assert (name, f"`{name}` = {value!r} breaks the rule: {rule}") in failures
    assert lifecycle.check(CODEBUILD["BuildBatch"], PROPS) == []


def test_secret_input_values_do_not_reach_the_token_material_in_plain() -> None:
    secret = {**PROPS, "environment_variables": {"DB_PASSWORD": "hunter2"}}
    other = {**PROPS, "environment_variables": {"DB_PASSWORD": "hunter3"}}
    assert trigger_token(BUILD, secret, "e") != trigger_token(BUILD, other, "e")


@pytest.fixture
def journal_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PULUMI_BUILDS_JOURNAL_DIR", str(tmp_path))
    return tmp_path


def test_retired_builds_are_skipped_for_the_next_attempt(journal_dir: Path) -> None:
    base = "pb-" + "0" * 40
    journal.record(journal.Entry(base, "r", "build-1", 0.0, "succeeded"))
    assert journal.current(base, attempt_token) == (0, journal.load(base))
    journal.retire(base, attempt_token, "build-1", "deleted")
    attempt, entry = journal.current(base, attempt_token)
    assert (attempt, entry) == (1, None)
    journal.record(journal.Entry(attempt_token(base, 1), "r", "build-2", 0.0, "started", 1))
    assert journal.current(base, attempt_token)[1].build_id == "build-2"  # type: ignore[union-attr]
    assert journal.build_ids_except(attempt_token(base, 1)) == {"build-1"}


def test_a_torn_journal_file_is_treated_as_absent(journal_dir: Path) -> None:
    (journal_dir / "pb-torn.json").write_text('{"token": "pb-to')
    assert journal.load("pb-torn") is None
    assert journal.entries() == []


def test_a_read_outage_is_not_taken_for_a_missing_build(
    emulator: EmulatorServer, codebuild: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tracker, "NOT_FOUND_GRACE_S", 0.05)
    emulator.emulator.configure(time_scale=600)
    build_id = codebuild.call("StartBuild", {"projectName": "api"})["build"]["id"]
    # Every read fails for a while, longer than the grace: eight reads in a row, each giving
    # up after botocore's retries (two attempts here, so the back-offs stay short).
    reads = AwsTransport("aws_codebuild", "codebuild", max_attempts=2)
    emulator.emulator.force_fault("aws_codebuild", "BatchGetBuilds", "5xx", times=16)
    started = time.monotonic()
    obj = tracker.Tracker(poll_interval=0.05).wait(BUILD, reads, build_id, {}, timeout=60)
    assert emulator.emulator.counters["aws_codebuild.faults.5xx"] == 16
    assert time.monotonic() - started > 4 * tracker.NOT_FOUND_GRACE_S
    assert obj["buildStatus"] == "SUCCEEDED"


def test_a_build_the_service_does_not_know_fails_the_wait(
    codebuild: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tracker, "NOT_FOUND_GRACE_S", 0.2)
    with pytest.raises(tracker.BuildNotFound, match="api:00000000"):
        tracker.Tracker(poll_interval=0.05).wait(
            BUILD, codebuild, "api:00000000-0000-0000-0000-000000000000", {}, timeout=30
        )


class _Answers:
    """A transport whose answers a test scripts: for the tracker's handling of bad answers."""

    service = "aws_codebuild"
    endpoint = "scripted"

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)

    def call(
        self, operation: str, request: dict[str, Any], *, safe_to_retry: bool = True
    ) -> dict[str, Any]:
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, BaseException):
            raise answer
        return dict(answer)


def test_an_unexpected_answer_does_not_stop_the_poller() -> None:
    done = {"builds": [{"id": "api:1", "buildStatus": "SUCCEEDED"}]}
    answers = _Answers(json.JSONDecodeError("not JSON", "<html>", 0), done)
    obj = tracker.Tracker(poll_interval=0.05).wait(BUILD, answers, "api:1", {}, timeout=10)
    assert obj["buildStatus"] == "SUCCEEDED"


def test_a_permanent_read_error_fails_the_wait_at_once() -> None:
    denied = ApiError(
        "aws_codebuild", "BatchGetBuilds", 400, "AccessDeniedException", "not allowed"
    )
    with pytest.raises(ApiError, match="AccessDeniedException"):
        tracker.Tracker(poll_interval=0.05).wait(BUILD, _Answers(denied), "api:1", {}, timeout=600)


def test_each_lifecycle_call_makes_the_wire_request_once(
    codebuild: Any, journal_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Validation, the marker check, the token, the look-up and the trigger all read the one wire
    form the call made on entry (issue 18): counted, and what StartBuild got is that request."""
    made: list[str] = []
    real = wire._wire_form

    def counting(spec: Any, props: Any) -> Any:
        made.append(spec.key)
        return real(spec, props)

    monkeypatch.setattr(wire, "_wire_form", counting)
    sent: list[dict[str, Any]] = []
    call = codebuild.call

    def recording(operation: str, request: dict[str, Any], **kwargs: Any) -> Any:
        if operation == "StartBuild":
            sent.append(request)
        return call(operation, request, **kwargs)

    monkeypatch.setattr(codebuild, "call", recording)
    props = {
        **PROPS,
        "wait": False,
        "environment_variables": {"STAGE": "prod"},
        "logs_config_override": {"cloud_watch_logs": {"status": "ENABLED", "group_name": "g"}},
    }
    assert lifecycle.check(BUILD, props) == []
    assert made == ["aws_codebuild.Build"]
    assert lifecycle.diff(BUILD, props, {**props, "source_version": "dev"}) == (
        ["source_version"],
        [],
    )
    assert len(made) == 3  # olds and news, once each
    made.clear()
    build_id, _ = lifecycle.create(BUILD, props)
    assert made == ["aws_codebuild.Build"] and build_id
    [request] = sent
    assert request["logsConfigOverride"] == {
        "cloudWatchLogs": {"status": "ENABLED", "groupName": "g"}
    }
    names = [v["name"] for v in request["environmentVariablesOverride"]]
    assert names == ["STAGE", "PULUMI_BUILDS_TOKEN", "PULUMI_BUILDS_RESOURCE"]
