"""Resources and functions for `cloudflare_builds` (generated into generated/cloudflare_builds/resources.py)."""
from generated.cloudflare_builds.resources import *  # noqa: F403 - the generated module's __all__ is the interface
from generated.cloudflare_builds.resources import __all__ as __all__
