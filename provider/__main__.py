"""Entry point of the pulumi-builds provider plugin: the CLI's Python host runs
`venv/bin/python <plugin dir> ENGINE_ADDRESS` (README, "Install").

The same file serves a checkout (`pulumi package add ./provider`, requirements.txt installs the
checkout) and the release archives (engine/dist.py adds the wheel, exact pins and the released
schema.json, whose pluginDownloadURL the provider then serves).
"""

import os
import re
import sys

if sys.version_info < (3, 11):  # noqa: UP036 - the venv is made by whichever python3 is found
    sys.exit(f"pulumi-builds needs Python 3.11 or later; this plugin's venv runs {sys.version}")
try:
    from pulumi_builds.native.server import VERSION, main
except ImportError as error:
    sys.exit(f"pulumi-builds: {error}: the plugin's venv is incomplete, install it again")

here = os.path.dirname(os.path.abspath(__file__))
# Installed by the CLI as <PULUMI_HOME>/plugins/resource-pulumi-builds-v<version>: an archive of
# another version installed under this name (`--file` takes any archive) must not pass for it.
installed_as = re.fullmatch(r"resource-pulumi-builds-v(.+)", os.path.basename(here))
if installed_as and installed_as.group(1) != VERSION:
    sys.exit(
        f"pulumi-builds: this plugin is version {VERSION} but was installed as version "
        f"{installed_as.group(1)} ({here}): `pulumi plugin rm resource pulumi-builds "
        f"{installed_as.group(1)}` and install the archive of that version"
    )
released_schema = os.path.join(here, "schema.json")
if os.path.isfile(released_schema):
    os.environ.setdefault("PULUMI_BUILDS_SCHEMA", released_schema)
main()
