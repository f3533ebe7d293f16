"""Resources and functions for `aws_codepipeline` (generated into generated/aws_codepipeline/resources.py)."""
from generated.aws_codepipeline.resources import *  # noqa: F403 - the generated module's __all__ is the interface
from generated.aws_codepipeline.resources import __all__ as __all__
