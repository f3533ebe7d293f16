"""Resources and functions for `aws_codebuild` (generated into generated/aws_codebuild/resources.py)."""
from generated.aws_codebuild.resources import *  # noqa: F403 - the generated module's __all__ is the interface
from generated.aws_codebuild.resources import __all__ as __all__
