"""Resources and functions for `cloudfoundry` (generated into generated/cloudfoundry/resources.py)."""

from pulumi_builds._extras import require_provider

require_provider()

from pulumi_builds.generated.cloudfoundry import resources as _generated
from pulumi_builds.generated.cloudfoundry.resources import *  # the generated __all__ is the interface

__all__ = list(_generated.__all__)
