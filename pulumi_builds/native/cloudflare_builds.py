"""The cloudflare_builds resources on the native provider
(`pulumi-builds:cloudflareBuilds:*`); functions as in
`pulumi_builds.cloudflare_builds`. See pulumi_builds/native/__init__.py."""

from __future__ import annotations

from pulumi_builds._extras import require_provider

require_provider()

from pulumi_builds.generated.cloudflare_builds import resources
from pulumi_builds.generated.cloudflare_builds.resources import (
    get_builds_by_version_ids,
    get_builds_by_version_ids_output,
)
from pulumi_builds.native.resource import NativeBuild


class WorkersBuild(NativeBuild, resources.WorkersBuild):
    __doc__ = resources.WorkersBuild.__doc__


__all__ = ["WorkersBuild", "get_builds_by_version_ids", "get_builds_by_version_ids_output"]
