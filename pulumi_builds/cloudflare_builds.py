"""Resources and functions for `cloudflare_builds` (generated into generated/cloudflare_builds/resources.py)."""

from pulumi_builds._extras import require_provider

require_provider()

from pulumi_builds.generated.cloudflare_builds import resources as _generated
from pulumi_builds.generated.cloudflare_builds.resources import *  # the generated __all__ is the interface

__all__ = list(_generated.__all__)
