"""`python -m pulumi_builds.engine install --venv DIR` (see `install`)."""

import sys

from pulumi_builds.engine.install import main

sys.exit(main())
