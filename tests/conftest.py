"""Shared fixtures live in tests/fixtures/, one module per concern."""

import pytest

pytest_plugins = [
    "tests.fixtures.pulumi_engine",
    "tests.fixtures.emulator",
    "tests.fixtures.codebuild_transport",
    "tests.fixtures.dist",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow tests (engine, install) first: under -n, workers start on them and the quick
    ones fill the gaps, instead of a long test starting last and running alone."""
    slow = ("engine", "install")
    items.sort(key=lambda item: 0 if any(item.get_closest_marker(m) for m in slow) else 1)
