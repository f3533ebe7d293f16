"""`python -m pulumi_builds.native ENGINE_ADDRESS`: the native provider plugin's process
(started by the CLI through engine/launchers/pulumi-resource-pulumi-builds)."""

from pulumi_builds.native.server import main

main()
