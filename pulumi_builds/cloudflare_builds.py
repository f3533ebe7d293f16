"""Resources, functions and typed inputs for `cloudflare_builds` (generated into generated/cloudflare_builds/)."""

from pulumi_builds._extras import require_provider

require_provider()

from pulumi_builds.generated.cloudflare_builds import _inputs as _generated_inputs
from pulumi_builds.generated.cloudflare_builds import resources as _generated
from pulumi_builds.generated.cloudflare_builds._inputs import *  # XArgs / XArgsDict input types, input enums
from pulumi_builds.generated.cloudflare_builds.resources import *  # the generated __all__ is the interface

__all__ = list(_generated.__all__) + list(_generated_inputs.__all__)
