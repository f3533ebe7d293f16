"""A small dynamic resource that proves the engine setup works end to end (smoke test, issue 3).

It talks to no service: `create` optionally sleeps (standing in for a build that takes a while),
then records when it started and finished, so a test can measure how many creates the provider
process really ran at once. It takes one secret input, `token`, which must stay a secret in state.
The provider lives in an importable module, so dill pickles it by reference and the provider
process imports it from this package.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from typing import Any

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)

INPUTS = ("message", "token", "delay_seconds")


def _outputs(props: dict[str, Any], started_at: float) -> dict[str, Any]:
    return {
        "message": props["message"],
        "token": props["token"],
        "delay_seconds": props["delay_seconds"],
        "digest": hashlib.sha256(props["message"].encode()).hexdigest(),
        "started_at": started_at,
        "finished_at": time.time(),
    }


def _run(props: dict[str, Any]) -> dict[str, Any]:
    started_at = time.time()
    time.sleep(float(props["delay_seconds"]))
    return _outputs(props, started_at)


class SmokeProvider(ResourceProvider):
    """Stateless on purpose: one instance is shared by all provider threads."""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = []
        message = news.get("message")
        if not isinstance(message, str) or not message:
            failures.append(
                CheckFailure("message", f"message={message!r}: must be a non-empty string")
            )
        delay = news.get("delay_seconds", 0)
        if not isinstance(delay, int | float) or isinstance(delay, bool) or delay < 0:
            # The engine turns every number into a float: show -1, not -1.0.
            shown = f"{delay:g}" if isinstance(delay, float) else repr(delay)
            failures.append(
                CheckFailure("delay_seconds", f"delay_seconds={shown}: must be a number >= 0")
            )
        # The token's value never goes into a failure message: it is a secret.
        if not isinstance(news.get("token"), str):
            failures.append(CheckFailure("token", "token: must be a string"))
        return CheckResult({**news, "delay_seconds": delay}, failures)

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(uuid.uuid4().hex, _run(props))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = [key for key in INPUTS if olds.get(key) != news.get(key)]
        return DiffResult(changes=bool(changed), replaces=[], delete_before_replace=False)

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(_run(news))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        # Nothing remote to ask: the recorded outputs are the truth.
        return ReadResult(id_, props)

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        return None


class SmokeResource(Resource, module="smoke", name="Smoke"):
    message: pulumi.Output[str]
    token: pulumi.Output[str]
    delay_seconds: pulumi.Output[float]
    digest: pulumi.Output[str]
    started_at: pulumi.Output[float]
    finished_at: pulumi.Output[float]

    def __init__(
        self,
        resource_name: str,
        message: pulumi.Input[str],
        token: pulumi.Input[str],
        delay_seconds: pulumi.Input[float] = 0,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        # The token is a secret output whether or not the caller wrapped it in Output.secret.
        secret_outputs = pulumi.ResourceOptions(additional_secret_outputs=["token"])
        super().__init__(
            SmokeProvider(),
            resource_name,
            {
                "message": message,
                "token": token,
                "delay_seconds": delay_seconds,
                "digest": None,
                "started_at": None,
                "finished_at": None,
            },
            pulumi.ResourceOptions.merge(opts, secret_outputs),
        )


def smoke_program(count: int = 1, delay_seconds: float = 0) -> None:
    """A Pulumi program (inline or from a project's __main__.py) with `count` smoke resources.

    The token comes from the stack's secret config `token` when set (`pulumi config set --secret
    token ...`), else a fixed secret.
    """
    token = pulumi.Config().get_secret("token") or pulumi.Output.secret("smoke-default-token")
    resources = [
        SmokeResource(f"smoke-{index}", f"hello {index}", token, delay_seconds)
        for index in range(count)
    ]
    pulumi.export("digests", [resource.digest for resource in resources])
    pulumi.export("messages", [resource.message for resource in resources])
