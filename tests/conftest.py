"""Shared fixtures live in tests/fixtures/, one module per concern."""

import pytest

pytest_plugins = [
    "tests.fixtures.pulumi_engine",
    "tests.fixtures.emulator",
    "tests.fixtures.codebuild_transport",
    "tests.fixtures.dist",
]


# The modules whose tests (or xdist groups) run longest, a minute or more each, much of it
# waiting on simulated builds, package installs and kills: they start before the other engine
# tests, so the last minute of a run is not one of them running alone while the cores idle.
LONGEST_FIRST = (
    "test_rerun_elsewhere.py",
    "test_dist_install.py",
    "test_dist_sdks.py",
    "test_engine_languages.py",
    "test_chaos.py",
    "test_install.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow tests (engine, install) first, the longest of them before the others: under -n,
    workers start on them and the quick ones fill the gaps, instead of a long test starting
    last and running alone."""
    slow = ("engine", "install")

    def order(item: pytest.Item) -> int:
        if item.path.name in LONGEST_FIRST:
            return LONGEST_FIRST.index(item.path.name)
        return len(LONGEST_FIRST) + (0 if any(item.get_closest_marker(m) for m in slow) else 1)

    items.sort(key=order)
