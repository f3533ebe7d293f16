"""Resources and functions for `aws_codebuild` (generated into generated/aws_codebuild/resources.py)."""

from pulumi_builds._extras import require_provider

require_provider()

from pulumi_builds.generated.aws_codebuild import resources as _generated
from pulumi_builds.generated.aws_codebuild.resources import *  # the generated __all__ is the interface

__all__ = list(_generated.__all__)
