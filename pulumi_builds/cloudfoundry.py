"""Resources, functions and typed inputs for `cloudfoundry` (generated into generated/cloudfoundry/)."""

from pulumi_builds._extras import require_provider

require_provider()

from pulumi_builds.generated.cloudfoundry import _inputs as _generated_inputs
from pulumi_builds.generated.cloudfoundry import resources as _generated
from pulumi_builds.generated.cloudfoundry._inputs import *  # XArgs / XArgsDict input types, input enums
from pulumi_builds.generated.cloudfoundry.resources import *  # the generated __all__ is the interface

__all__ = list(_generated.__all__) + list(_generated_inputs.__all__)
