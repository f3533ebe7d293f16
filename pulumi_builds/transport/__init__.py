"""Transports: how an operation from the generated operation tables reaches a service.

A transport has one method, `call(operation, request) -> response`, with the request and response
as wire JSON (dicts keyed by wire names). Adding a service means adding a transport only when its
wire protocol is new; the lifecycle engine never knows which one it talks to.
"""

from pulumi_builds.transport.base import ApiError, Transport

__all__ = ["ApiError", "Transport"]
