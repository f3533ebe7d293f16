"""REST JSON transport (Cloudflare Workers Builds, Cloud Foundry v3) over httpx.

The operation table (generated from schemas/, see `generated/<service>/operations.py`) says for each
operation its method, path template and where each parameter goes; this module only follows it.
"""

from __future__ import annotations

import functools
import ssl
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

import httpx

from pulumi_builds.generated._spec import Operation
from pulumi_builds.retry import (
    NOT_PROCESSED_STATUS,
    RETRYABLE_STATUS,
    RetryableResponse,
    retrying,
)
from pulumi_builds.transport.base import AmbiguousResult, ApiError

ErrorReader = Callable[[httpx.Response], tuple[str, str]]


def read_error_envelope(response: httpx.Response) -> tuple[str, str]:
    """(code, message) from `{"errors": [{"code", "message"|"detail", "title"}]}` envelopes."""
    try:
        body = response.json()
    except ValueError:
        return str(response.status_code), response.text[:200]
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0]
        code = first.get("title") or first.get("code") or response.status_code
        message = first.get("detail") or first.get("message") or ""
        return str(code), str(message)
    return str(response.status_code), response.text[:200]


@functools.cache
def tls_context() -> ssl.SSLContext:
    """httpx's default TLS context, made once per process: httpx would load the whole CA bundle
    again for every client (about 20 ms of CPU), and a provider process makes one per service."""
    return httpx.create_ssl_context()


class RestTransport:
    """Calls one REST service. Thread-safe: one httpx.Client shared by the provider's threads."""

    def __init__(
        self,
        service: str,
        base_url: str,
        token: str,
        operations: Mapping[str, Operation],
        *,
        auth_scheme: str = "Bearer",
        timeout: float = 30.0,
    ) -> None:
        self.service = service
        self._operations = operations
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"{auth_scheme} {token}", "Accept": "application/json"},
            timeout=timeout,
            verify=tls_context(),
        )

    @property
    def endpoint(self) -> str:
        return str(self._client.base_url)

    def __repr__(self) -> str:  # never show the token
        return f"RestTransport({self.service!r}, base_url={str(self._client.base_url)!r})"

    def build_request(self, operation: str, request: Mapping[str, Any]) -> httpx.Request:
        spec = self._operations[operation]
        path = spec.path
        query: dict[str, str] = {}
        body: dict[str, Any] = {}
        for param in spec.parameters:
            name = param.name
            if name not in request or request[name] is None:
                continue
            value = request[name]
            where = param.location
            if where == "path":
                path = path.replace("{" + name + "}", quote(str(value), safe=""))
            elif where == "query":
                query[name] = _query_value(value)
            elif where == "header":
                continue
            else:
                body[name] = value
        method = spec.method.upper()
        payload = body if body or method in {"POST", "PUT", "PATCH"} else None
        return self._client.build_request(method, path, params=query or None, json=payload)

    def call(
        self, operation: str, request: Mapping[str, Any], *, safe_to_retry: bool = True
    ) -> dict[str, Any]:
        method = self._operations[operation].method.upper()
        idempotent = safe_to_retry or method in {"GET", "PUT", "DELETE", "PATCH", "HEAD"}
        retry_on: tuple[type[BaseException], ...] = (
            RetryableResponse,
            httpx.ConnectError,
            httpx.ConnectTimeout,
        )
        if idempotent:
            retry_on += (httpx.TransportError,)
        try:
            for attempt in retrying(retry_on):
                with attempt:
                    response = self._send(operation, request, idempotent)
        except RetryableResponse as exc:
            code, message = read_error_envelope(exc.response)
            raise ApiError(
                self.service, operation, exc.response.status_code, code, message
            ) from None
        except httpx.TransportError as exc:
            kind = AmbiguousResult if not idempotent else ApiError
            raise kind(
                self.service, operation, 0, type(exc).__name__, str(exc) or "connection lost"
            ) from None
        if response.status_code >= 400:
            code, message = read_error_envelope(response)
            raise ApiError(self.service, operation, response.status_code, code, message)
        if not response.content:
            return {}
        data = response.json()
        return data if isinstance(data, dict) else {"result": data}

    def _send(self, operation: str, request: Mapping[str, Any], idempotent: bool) -> httpx.Response:
        response = self._client.send(self.build_request(operation, request))
        if response.status_code in (RETRYABLE_STATUS if idempotent else NOT_PROCESSED_STATUS):
            raise RetryableResponse(response)
        if not idempotent and response.status_code in RETRYABLE_STATUS:
            # A gateway error may come after the service acted: the caller must look first.
            code, message = read_error_envelope(response)
            raise AmbiguousResult(self.service, operation, response.status_code, code, message)
        return response


def _query_value(value: Any) -> str:
    # Comma lists (`states=STAGED,FAILED`, `version_ids=a,b`) are the only array style these APIs use.
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
