"""Retry policy for the REST transports: backoff with jitter, honouring Retry-After.

AWS calls use botocore's own `standard` retry mode instead (see transport/aws.py).
"""

from __future__ import annotations

import email.utils
import time

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential_jitter,
)
from tenacity.stop import stop_base

from pulumi_builds import cancellation

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
# Answers that say the request was not carried out at all: safe to repeat even a create.
NOT_PROCESSED_STATUS = frozenset({429, 503})
MAX_ATTEMPTS = 8
MAX_SECONDS = 120.0
_backoff = wait_exponential_jitter(multiplier=0.2, max=10.0, jitter=0.5)


class RetryableResponse(Exception):
    """An answer that says "try again": rate limited or a 5xx. Nothing was created."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        super().__init__(f"HTTP {response.status_code}")


def retry_after_seconds(response: httpx.Response) -> float | None:
    """Seconds from a Retry-After header: delta-seconds or an HTTP date."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value)
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


def _wait(state: RetryCallState) -> float:
    backoff = _backoff(state)
    outcome = state.outcome
    if outcome is not None and isinstance(outcome.exception(), RetryableResponse):
        hinted = retry_after_seconds(outcome.exception().response)  # type: ignore[union-attr]
        if hinted is not None:
            return max(hinted, backoff * 0.1)
    return backoff


class _StopCancelled(stop_base):
    """Stop retrying once the update is cancelled (the call fails with its last error)."""

    def __call__(self, retry_state: RetryCallState) -> bool:
        return cancellation.cancelled()


def retrying(retry_on: tuple[type[BaseException], ...]) -> Retrying:
    """A tenacity Retrying that retries the given exceptions and re-raises the last one."""
    from tenacity import retry_if_exception_type

    return Retrying(
        retry=retry_if_exception_type(retry_on),
        wait=_wait,
        stop=stop_after_attempt(MAX_ATTEMPTS) | stop_after_delay(MAX_SECONDS) | _StopCancelled(),
        sleep=cancellation.sleep,  # a cancelled update does not sit out a back-off
        reraise=True,
    )
