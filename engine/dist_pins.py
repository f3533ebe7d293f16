"""The exact pins of a plugin archive's requirements.txt: `pulumi-builds[provider]`'s whole
dependency closure at the versions installed where `make dist` runs (the pins the tests ran
with), walked from the installed distributions' metadata.

Environment markers are evaluated for the archive's platform (`sys_platform`,
`platform_system`, `platform_machine`) and this interpreter's Python version, so the darwin
archives leave out what only Linux needs and the reverse. A dependency a target needs but this
machine has not installed cannot be pinned here: it is an error, not a silent gap.
"""

from __future__ import annotations

from importlib import metadata

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

PROJECT = "pulumi-builds"
EXTRA = "provider"
_SYSTEMS = {"linux": ("linux", "Linux"), "darwin": ("darwin", "Darwin")}
_MACHINES = {
    ("linux", "amd64"): "x86_64",
    ("linux", "arm64"): "aarch64",
    ("darwin", "amd64"): "x86_64",
    ("darwin", "arm64"): "arm64",
}


class PinError(RuntimeError):
    """A dependency of the closure is not installed here, so it cannot be pinned."""


def target_environment(os_name: str, arch: str) -> dict[str, str]:
    environment: dict[str, str] = {k: str(v) for k, v in default_environment().items()}
    sys_platform, system = _SYSTEMS[os_name]
    environment.update(
        sys_platform=sys_platform,
        platform_system=system,
        platform_machine=_MACHINES[(os_name, arch)],
        os_name="posix",
    )
    return environment


def _applies(requirement: Requirement, environment: dict[str, str], extras: set[str]) -> bool:
    if requirement.marker is None:
        return True
    if not extras:
        return requirement.marker.evaluate({**environment, "extra": ""})
    return any(requirement.marker.evaluate({**environment, "extra": e}) for e in extras)


def provider_closure(os_name: str, arch: str) -> list[tuple[str, str]]:
    """Sorted (name, version) of every distribution `pulumi-builds[provider]` needs on the
    target, the project itself excluded."""
    environment = target_environment(os_name, arch)
    pins: dict[str, str] = {}
    pending: list[tuple[str, set[str]]] = [(PROJECT, {EXTRA})]
    seen: set[tuple[str, frozenset[str]]] = set()
    while pending:
        name, extras = pending.pop()
        key = (canonicalize_name(name), frozenset(extras))
        if key in seen:
            continue
        seen.add(key)
        try:
            distribution = metadata.distribution(name)
        except metadata.PackageNotFoundError as missing:
            raise PinError(
                f"{name} (needed on {os_name}/{arch}) is not installed here: "
                "run `make install`, or pin it by hand"
            ) from missing
        if canonicalize_name(name) != PROJECT:
            pins[canonicalize_name(name)] = distribution.version
        for text in distribution.requires or []:
            requirement = Requirement(text)
            if _applies(requirement, environment, extras):
                pending.append((requirement.name, set(requirement.extras)))
    return sorted(pins.items())
