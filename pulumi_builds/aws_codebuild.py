"""Resources, functions and typed inputs for `aws_codebuild` (generated into generated/aws_codebuild/)."""

from pulumi_builds._extras import require_provider

require_provider()

from pulumi_builds.generated.aws_codebuild import _inputs as _generated_inputs
from pulumi_builds.generated.aws_codebuild import resources as _generated
from pulumi_builds.generated.aws_codebuild._inputs import *  # XArgs / XArgsDict input types, input enums
from pulumi_builds.generated.aws_codebuild.resources import *  # the generated __all__ is the interface

__all__ = list(_generated.__all__) + list(_generated_inputs.__all__)
