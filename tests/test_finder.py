"""The shared look-up of builds by their token on the service (finder.py), against the CodeBuild
emulator: exact matches only, one look-up per project for many resources, only the newest build
of a resource adopted (never one of an earlier version of its inputs), retired builds skipped."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from pulumi_builds import finder
from pulumi_builds.emulators.core import Outcome
from pulumi_builds.emulators.server import EmulatorServer
from pulumi_builds.generated.aws_codebuild.resources import SPECS as CODEBUILD
from pulumi_builds.tokens import IDENTITY, attempt_token

BUILD, BATCH = CODEBUILD["Build"], CODEBUILD["BuildBatch"]
PROPS = {IDENTITY: "proj/dev/aws_codebuild.Build/api", "project_name": "api"}
RESOURCE = "pbr-" + "r" * 40


def _start(
    transport: Any, token: str, operation: str = "StartBuild", resource: str = RESOURCE
) -> str:
    request: dict[str, Any] = {"projectName": "api"}
    finder.add_marker(BUILD, request, token, resource)
    answer = transport.call(operation, request)
    return str((answer.get("build") or answer["buildBatch"])["id"])


def _requests(emulator: EmulatorServer, operation: str) -> int:
    return int(emulator.emulator.counters.get(f"aws_codebuild.requests.{operation}", 0))


def test_only_the_exact_token_matches_newest_first(codebuild: Any) -> None:
    token = "pb-" + "a" * 40
    older = _start(codebuild, token)
    for similar in (token[:-1], token + "0", token.upper(), " " + token, token[:-1] + "b"):
        _start(codebuild, similar)
    newer = _start(codebuild, token)
    found = finder.Finder().by_token(BUILD, codebuild, PROPS, token)
    assert [f.build_id for f in found] == [newer, older]
    assert finder.Finder().by_token(BUILD, codebuild, PROPS, "pb-" + "c" * 40) == ()


def test_forty_resources_share_one_list_and_one_batched_read(
    emulator: EmulatorServer, codebuild: Any
) -> None:
    tokens = [f"pb-{i:040d}" for i in range(40)]
    started = {t: _start(codebuild, t) for t in tokens}
    shared = finder.Finder()
    results: dict[str, tuple[finder.Found, ...]] = {}

    def look(token: str) -> None:
        results[token] = shared.by_token(BUILD, codebuild, PROPS, token)

    before = (_requests(emulator, "ListBuildsForProject"), _requests(emulator, "BatchGetBuilds"))
    threads = [threading.Thread(target=look, args=(t,)) for t in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    after = (_requests(emulator, "ListBuildsForProject"), _requests(emulator, "BatchGetBuilds"))
    assert (after[0] - before[0], after[1] - before[1]) == (1, 1)
    assert {t: [f.build_id for f in found] for t, found in results.items()} == {
        t: [b] for t, b in started.items()
    }


def test_the_window_bounds_the_look_up(emulator: EmulatorServer, codebuild: Any) -> None:
    token = "pb-" + "d" * 40
    _start(codebuild, token)
    for i in range(BUILD.recent.window if BUILD.recent else 0):
        _start(codebuild, f"pb-{i:040d}")
    # The build is now 101st newest: outside the window, left to the idempotency token.
    assert finder.Finder().by_token(BUILD, codebuild, PROPS, token) == ()


def _adopt(transport: Any, base: str, first_attempt: int = 0) -> tuple[int, str | None]:
    adoption = finder.Finder().adopt(
        BUILD, transport, PROPS, base, RESOURCE, first_attempt, attempt_token
    )
    return adoption.attempt, adoption.found.build_id if adoption.found else None


def test_the_newest_build_of_the_resource_is_adopted_when_it_carries_the_token(
    codebuild: Any,
) -> None:
    base = "pb-" + "a" * 40
    assert _adopt(codebuild, base) == (0, None)  # nothing there: start attempt 0
    killed = _start(codebuild, base)
    # Builds of other resources (another stack: other resource tokens, even similar ones) come
    # later and change nothing.
    _start(codebuild, "pb-" + "b" * 40, resource="pbr-" + "s" * 40)
    _start(codebuild, base[:-1] + "b", resource=RESOURCE[:-1] + "s")
    assert _adopt(codebuild, base) == (0, killed)
    # The journal knows attempt 0 is retired here (deleted): not adopted, the next attempt.
    assert _adopt(codebuild, base, first_attempt=1) == (1, None)


def test_a_build_of_an_earlier_version_of_the_inputs_is_never_adopted(codebuild: Any) -> None:
    first, second = "pb-" + "1" * 40, "pb-" + "2" * 40
    _start(codebuild, first)  # inputs v1
    _start(codebuild, second)  # inputs v2, later
    # Back to v1: v1's build is not the resource's newest, so it is of an earlier version. The
    # new build takes an attempt token that no build carries (no idempotent hand-back either).
    assert _adopt(codebuild, first) == (1, None)
    again = _start(codebuild, attempt_token(first, 1))
    assert _adopt(codebuild, first) == (1, again)  # that one, if this `up` is killed


def test_failed_builds_are_skipped_for_the_next_attempt(
    emulator: EmulatorServer, codebuild: Any
) -> None:
    emulator.emulator.configure(time_scale=600)
    base = "pb-" + "e" * 40
    emulator.emulator.script("aws_codebuild", "api", Outcome("failed", times=1))
    _start(codebuild, base)
    emulator.emulator.advance(3600)
    # Failed: never adopted again; attempt 1 has no build yet: start one with it.
    assert _adopt(codebuild, base) == (1, None)
    running = _start(codebuild, attempt_token(base, 1))
    assert _adopt(codebuild, base) == (1, running)


def test_a_finished_build_is_named_not_adopted(emulator: EmulatorServer, codebuild: Any) -> None:
    """Destroy then up on a fresh runner: the destroyed resource's build succeeded and carries
    the same token; nothing on the build says it was destroyed, so a new build is started (with
    an attempt token no build carries: no idempotent hand-back) and the old one is named."""
    emulator.emulator.configure(time_scale=600)
    base = "pb-" + "c" * 40
    finished = _start(codebuild, base)
    emulator.emulator.advance(3600)
    adoption = finder.Finder().adopt(BUILD, codebuild, PROPS, base, RESOURCE, 0, attempt_token)
    assert (adoption.attempt, adoption.found) == (1, None)
    assert adoption.passed_over is not None and adoption.passed_over.build_id == finished
    running = _start(codebuild, attempt_token(base, 1))
    assert _adopt(codebuild, base) == (1, running)  # a running one is adopted


def test_batches_are_found_by_their_token(emulator: EmulatorServer, codebuild: Any) -> None:
    token = "pb-" + "f" * 40
    batch = _start(codebuild, token, "StartBuildBatch")
    _start(codebuild, token[:-1] + "0", "StartBuildBatch")
    found = finder.Finder().by_token(BATCH, codebuild, PROPS, token)
    assert [f.build_id for f in found] == [batch]
    assert _requests(emulator, "ListBuildBatchesForProject") == 1


def test_an_input_may_not_set_the_marker_itself() -> None:
    clash = finder.marker_clash(
        BUILD, {**PROPS, "environment_variables": {"PULUMI_BUILDS_TOKEN": "x"}}
    )
    assert clash is not None and clash[0] == "environment_variables"
    assert "PULUMI_BUILDS_TOKEN" in clash[1]
    resource = {**PROPS, "environment_variables": {"PULUMI_BUILDS_RESOURCE": "x"}}
    assert finder.marker_clash(BUILD, resource) is not None
    assert finder.marker_clash(BUILD, {**PROPS, "environment_variables": {"A": "1"}}) is None


def test_the_look_up_can_be_turned_off(
    emulator: EmulatorServer, codebuild: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = "pb-" + "9" * 40
    _start(codebuild, base)
    monkeypatch.setenv("PULUMI_BUILDS_FIND_RECENT", "false")
    assert _adopt(codebuild, base) == (0, None)
    assert _requests(emulator, "ListBuildsForProject") == 0
    monkeypatch.setenv("PULUMI_BUILDS_FIND_RECENT", "true")
    assert _adopt(codebuild, base)[1] is not None
