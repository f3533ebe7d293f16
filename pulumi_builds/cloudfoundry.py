"""Resources and functions for `cloudfoundry` (generated into generated/cloudfoundry/resources.py)."""
from generated.cloudfoundry.resources import *  # noqa: F403 - the generated module's __all__ is the interface
from generated.cloudfoundry.resources import __all__ as __all__
