"""The aws_codebuild resources on the native provider
(`pulumi-builds:awsCodebuild:*`); functions as in
`pulumi_builds.aws_codebuild`. See pulumi_builds/native/__init__.py."""

from __future__ import annotations

from pulumi_builds._extras import require_provider

require_provider()

from pulumi_builds.generated.aws_codebuild import resources
from pulumi_builds.generated.aws_codebuild.resources import get_builds, get_builds_output
from pulumi_builds.native.resource import NativeBuild


class Build(NativeBuild, resources.Build):
    __doc__ = resources.Build.__doc__


class BuildBatch(NativeBuild, resources.BuildBatch):
    __doc__ = resources.BuildBatch.__doc__


__all__ = ["Build", "BuildBatch", "get_builds", "get_builds_output"]
