"""The aws_codepipeline resources on the native provider
(`pulumi-builds:awsCodepipeline:*`); functions as in
`pulumi_builds.aws_codepipeline`. See pulumi_builds/native/__init__.py."""

from __future__ import annotations

from pulumi_builds._extras import require_provider

require_provider()

from pulumi_builds.generated.aws_codepipeline.resources import (
    get_job_details,
    get_job_details_output,
)

__all__ = ["get_job_details", "get_job_details_output"]
