"""Resources and functions for `cloudfoundry` (generated into generated/cloudfoundry/resources.py)."""

from generated.cloudfoundry import resources as _generated
from generated.cloudfoundry.resources import *  # the generated __all__ is the interface

__all__ = list(_generated.__all__)
