"""The cloudfoundry resources on the native provider
(`pulumi-builds:cloudfoundry:*`); functions as in
`pulumi_builds.cloudfoundry`. See pulumi_builds/native/__init__.py."""

from __future__ import annotations

from pulumi_builds._extras import require_provider

require_provider()

from pulumi_builds.generated.cloudfoundry import resources
from pulumi_builds.generated.cloudfoundry.resources import list_builds, list_builds_output
from pulumi_builds.native.resource import NativeBuild


class Build(NativeBuild, resources.Build):
    __doc__ = resources.Build.__doc__


__all__ = ["Build", "list_builds", "list_builds_output"]
