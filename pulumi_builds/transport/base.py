"""The transport interface and the error every transport raises."""

from __future__ import annotations

from typing import Any, Protocol


class ApiError(Exception):
    """A service answered with an error (after the transport's own retries).

    `code` is the service's error name or code (`InvalidInputException`, `CF-ResourceNotFound`,
    `12000`), `status` the HTTP status (0 when the connection failed without an answer).
    """

    def __init__(self, service: str, operation: str, status: int, code: str, message: str) -> None:
        from pulumi_builds.settings import redactor

        message = redactor()(message)  # a service may echo a credential back: never show it
        self.service, self.operation = service, operation
        self.status, self.code, self.message = status, code, message
        super().__init__(f"{service} {operation} failed: HTTP {status} {code}: {message}")

    @property
    def not_found(self) -> bool:
        return self.status == 404 or "NotFound" in self.code


class Transport(Protocol):
    service: str

    @property
    def endpoint(self) -> str:
        """Where the calls go (URL, and region for AWS): part of the trigger token."""
        ...

    def call(
        self, operation: str, request: dict[str, Any], *, safe_to_retry: bool = True
    ) -> dict[str, Any]:
        """Send one operation. `safe_to_retry=False` for calls that create something and have no
        idempotency token: an answer that may have been lost (a dropped connection) is then raised
        as `AmbiguousResult` for the caller to look before it tries again."""
        ...


class AmbiguousResult(ApiError):
    """The request may or may not have been carried out (connection lost after sending)."""
