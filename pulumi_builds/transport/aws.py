"""AWS JSON transport through boto3/botocore: real signing, real retries, real endpoints.

botocore's `standard` retry mode retries throttling, 5xx and connection errors with jittered
backoff. StartBuild-like calls carry an idempotency token, so a retried request after a lost answer
returns the same build instead of starting a second one.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Mapping
from typing import Any

import boto3
import botocore.config
import botocore.exceptions
import botocore.retries.standard
from botocore import xform_name

from pulumi_builds import cancellation, settings
from pulumi_builds.transport.base import ApiError

_RETRIES = {"mode": "standard", "max_attempts": 8}


class AwsTransport:
    """Calls one AWS service (`codebuild`, `codepipeline`) with a client made lazily per thread-safe cache."""

    def __init__(self, service: str, boto_service: str, max_attempts: int = 8) -> None:
        self.service = service
        self._boto_service = boto_service
        self._retries = {**_RETRIES, "max_attempts": max_attempts}
        self._client: Any = None

    def __repr__(self) -> str:
        return f"AwsTransport({self.service!r})"

    def client(self) -> Any:
        if self._client is not None:
            return self._client
        with _sessions_lock:  # boto3 sessions may not make clients from two threads at once
            if self._client is None:
                session = _session()
                if not session.region_name:
                    raise settings.MissingSetting(
                        f"{self.service} needs a region: `pulumi config set pulumi-builds:awsRegion "
                        "us-east-1` or the environment variable AWS_REGION / AWS_DEFAULT_REGION"
                    )
                self._client = session.client(
                    self._boto_service,
                    endpoint_url=settings.get("awsEndpoint") or None,
                    config=botocore.config.Config(
                        retries=self._retries, user_agent_extra="pulumi-builds"
                    ),
                )
                events = self._client.meta.events
                events.register_first(f"needs-retry.{self._boto_service}", _no_retry_once_cancelled)
                _sleep_back_offs_until_cancelled(self._client)
            return self._client

    @property
    def endpoint(self) -> str:
        meta = self.client().meta
        return f"{meta.endpoint_url}|{meta.region_name}"

    def call(
        self, operation: str, request: Mapping[str, Any], *, safe_to_retry: bool = True
    ) -> dict[str, Any]:
        method = getattr(self.client(), xform_name(operation))
        try:
            response = method(**{k: v for k, v in request.items() if v is not None})
        except botocore.exceptions.ClientError as exc:
            error = exc.response.get("Error", {})
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            raise ApiError(
                self.service,
                operation,
                status,
                error.get("Code", "Unknown"),
                error.get("Message", ""),
            ) from None
        except botocore.exceptions.NoCredentialsError:
            raise settings.MissingSetting(
                f"{self.service} needs AWS credentials: `pulumi config set pulumi-builds:awsAccessKeyId "
                "...` and `pulumi config set --secret pulumi-builds:awsSecretAccessKey ...`, a profile "
                "(pulumi-builds:awsProfile / AWS_PROFILE), or any source of botocore's credential chain"
            ) from None
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ParamValidationError) as exc:
            raise ApiError(self.service, operation, 0, type(exc).__name__, str(exc)) from None
        response.pop("ResponseMetadata", None)
        wire: dict[str, Any] = _to_wire(response)
        return wire


# One boto3 session per process and credentials, shared by the AWS services' transports: a session
# loads botocore's endpoint and partition data, so a second service's client made from it costs
# about 10 ms of CPU instead of 40 (a provider process often calls CodeBuild and CloudWatch Logs).
_sessions: dict[tuple[str | None, ...], boto3.session.Session] = {}
_sessions_lock = threading.Lock()


def _session() -> boto3.session.Session:
    """The session for the current settings (callers hold _sessions_lock)."""
    names = ("awsProfile", "awsAccessKeyId", "awsSecretAccessKey", "awsSessionToken", "awsRegion")
    profile, key_id, secret_key, session_token, region = (settings.get(n) or None for n in names)
    key = (profile, key_id, secret_key, session_token, region)
    if key not in _sessions:
        _sessions[key] = boto3.session.Session(
            profile_name=profile,
            aws_access_key_id=key_id,
            aws_secret_access_key=secret_key,
            aws_session_token=session_token,
            region_name=region,
        )
    return _sessions[key]


def _no_retry_once_cancelled(response: Any = None, caught_exception: Any = None, **_: Any) -> None:
    """botocore asks after every answer whether to retry. Once the update is cancelled, an answer
    it would retry (an exception, a 5xx, throttling) ends the call instead of a back-off of up to
    20 s per attempt; a successful answer is always kept (it may say a build was started)."""
    if not cancellation.cancelled():
        return
    status = response[0].status_code if response is not None else 0
    code = str((response[1] or {}).get("Error", {}).get("Code", "")) if response is not None else ""
    if caught_exception is not None or status >= 500 or status == 429 or "Throttl" in code:
        raise cancellation.Cancelled("cancelled while retrying a call to AWS")


def _sleep_back_offs_until_cancelled(client: Any) -> None:
    """botocore sleeps out each back-off (up to 20 s) in time.sleep, deaf to a cancel. Its standard
    retry handler is replaced by one that makes the same decisions (botocore's own handler, made by
    its public register_retry_handler) but sleeps in cancellation.sleep, which a cancel ends at
    once, and then leaves botocore nothing to sleep."""
    events = client.meta.events
    service = client.meta.service_model.service_id.hyphenize()
    event, unique_id = f"needs-retry.{service}", f"retry-config-{service}"
    max_attempts = client.meta.config.retries.get("total_max_attempts")
    events.unregister(event, unique_id=unique_id)
    handler = botocore.retries.standard.register_retry_handler(client, max_attempts)
    events.unregister(event, unique_id=unique_id)

    def needs_retry(**kwargs: Any) -> float | None:
        delay = handler.needs_retry(**kwargs)
        if delay is None:
            return None
        cancellation.sleep(delay)
        if cancellation.cancelled():
            raise cancellation.Cancelled("cancelled while retrying a call to AWS")
        return 0.0

    events.register(event, needs_retry, unique_id=unique_id)


def _to_wire(value: Any) -> Any:
    """botocore parses timestamps into datetimes; the models and the state want wire values back."""
    if isinstance(value, dt.datetime):
        return value.timestamp()
    if isinstance(value, dict):
        return {k: _to_wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_wire(v) for v in value]
    return value
