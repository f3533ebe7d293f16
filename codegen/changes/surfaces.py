"""Classify changes to the Python surface of `generated/`: what user code imports and touches.

A class whose members are unchanged but whose name changed is reported as renamed (not removed
+ added), and other classes' annotations are compared with the new names substituted, so one
rename is reported once rather than once per field that refers to it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import PurePosixPath

from pulumi_builds.codegen.changes.model import Change, Level, sorted_changes
from pulumi_builds.codegen.surface import ClassSurface, read_surfaces


def diff_surfaces(old: Mapping[str, str], new: Mapping[str, str]) -> list[Change]:
    """Changes between two versions of the generated sources (`{path: source text}`)."""
    old_mods, new_mods = read_surfaces(_posix(old)), read_surfaces(_posix(new))
    changes: list[Change] = []

    def add(level: Level, path: str, subject: str, where: str, kind: str, detail: str) -> None:
        changes.append(
            Change(
                level,
                _service(path),
                "python",
                subject,
                f"{path}::{where}",
                kind,
                f"python {where}: {detail}",
            )
        )

    for path in sorted(old_mods.keys() - new_mods.keys()):
        add(
            "breaking",
            path,
            _module(path),
            _module(path),
            "module-removed",
            f"module {_module(path)} removed (imports of it break)",
        )
    for path in sorted(new_mods.keys() - old_mods.keys()):
        add(
            "info",
            path,
            _module(path),
            _module(path),
            "module-added",
            f"module {_module(path)} added",
        )
    for path in sorted(old_mods.keys() & new_mods.keys()):
        old_classes, new_classes = old_mods[path], new_mods[path]
        renames = _match_renamed(old_classes, new_classes)
        for old_name, new_name in sorted(renames.items()):
            add(
                "breaking",
                path,
                new_name,
                old_name,
                "class-renamed",
                f"class {old_name} renamed to {new_name}",
            )
        for name in sorted(old_classes.keys() - new_classes.keys() - renames.keys()):
            add("breaking", path, name, name, "class-removed", f"class {name} removed")
        for name in sorted(new_classes.keys() - old_classes.keys() - set(renames.values())):
            add("info", path, name, name, "class-added", f"class {name} added")
        for old_name in sorted(old_classes):
            new_name = renames.get(old_name, old_name)
            if new_name in new_classes:
                for level, where, kind, detail in _diff_class(
                    old_classes[old_name], new_classes[new_name], renames
                ):
                    add(level, path, new_name, where, kind, detail)
    return sorted_changes(changes)


def _posix(files: Mapping[str, str]) -> dict[str, str]:
    return {PurePosixPath(str(p).replace("\\", "/")).as_posix(): text for p, text in files.items()}


def _service(path: str) -> str:
    """`generated/aws_codebuild/models.py` -> `aws_codebuild`; shared files -> `generated`."""
    parts = PurePosixPath(path).parts
    if "generated" in parts:
        rest = parts[parts.index("generated") + 1 :]
        if len(rest) > 1:
            return rest[0]
    return "generated"


def _module(path: str) -> str:
    """`generated/x/models.py` -> `pulumi_builds.generated.x.models`: the folder's import name."""
    return "pulumi_builds." + str(PurePosixPath(path).with_suffix("")).replace("/", ".")


def _shape(cls: ClassSurface) -> tuple[tuple[str, ...], tuple[tuple[str, str, str | None], ...]]:
    return cls.bases, tuple(sorted((m.name, m.kind, m.alias) for m in cls.members.values()))


def _match_renamed(old: dict[str, ClassSurface], new: dict[str, ClassSurface]) -> dict[str, str]:
    """Removed classes paired with added classes of exactly the same members (names, kinds and
    wire aliases), when the pairing is unambiguous."""
    removed = [old[n] for n in sorted(old.keys() - new.keys())]
    added = [new[n] for n in sorted(new.keys() - old.keys())]
    renames: dict[str, str] = {}
    for cls in removed:
        candidates = [a for a in added if _shape(a) == _shape(cls)]
        twins = [r for r in removed if _shape(r) == _shape(cls)]
        if len(candidates) == 1 and len(twins) == 1 and cls.members:
            renames[cls.name] = candidates[0].name
    return renames


def _rename_in(annotation: str, renames: Mapping[str, str]) -> str:
    if not renames:
        return annotation
    pattern = re.compile(r"\b(" + "|".join(re.escape(n) for n in sorted(renames)) + r")\b")
    return pattern.sub(lambda m: renames[m.group(1)], annotation)


def _diff_class(
    old: ClassSurface, new: ClassSurface, renames: Mapping[str, str]
) -> list[tuple[Level, str, str, str]]:
    found: list[tuple[Level, str, str, str]] = []
    if tuple(_rename_in(b, renames) for b in old.bases) != new.bases:
        found.append(
            (
                "warning",
                new.name,
                "bases-changed",
                f"bases ({', '.join(old.bases)}) -> ({', '.join(new.bases)})",
            )
        )
    removed = {n: m for n, m in old.members.items() if n not in new.members}
    added = {n: m for n, m in new.members.items() if n not in old.members}
    for name, member in sorted(removed.items()):
        # Same wire alias (or enum value) under a new Python name: a rename.
        twin = [
            a
            for a in added.values()
            if member.alias and a.alias == member.alias and a.kind == member.kind
        ]
        if len(twin) == 1:
            found.append(
                (
                    "breaking",
                    f"{new.name}.{name}",
                    f"{member.kind}-renamed",
                    f"{member.kind} renamed to {twin[0].name}",
                )
            )
            del added[twin[0].name]
        else:
            found.append(
                (
                    "breaking",
                    f"{new.name}.{name}",
                    f"{member.kind}-removed",
                    f"{member.kind} removed",
                )
            )
    for name, member in sorted(added.items()):
        if member.kind == "field" and member.required:
            found.append(
                (
                    "warning",
                    f"{new.name}.{name}",
                    "field-added",
                    (
                        f"new required field ({member.annotation}); code constructing "
                        f"{new.name} must pass it"
                    ),
                )
            )
        else:
            found.append(
                (
                    "info",
                    f"{new.name}.{name}",
                    f"{member.kind}-added",
                    f"new {member.kind} ({member.annotation})",
                )
            )
    for name in sorted(old.members.keys() & new.members.keys()):
        before, after = old.members[name], new.members[name]
        if _rename_in(before.annotation, renames) != after.annotation or before.kind != after.kind:
            found.append(
                (
                    "warning",
                    f"{new.name}.{name}",
                    f"{after.kind}-type-changed",
                    f"{before.annotation} -> {after.annotation}",
                )
            )
        if after.kind == "field" and after.required and not before.required:
            found.append(
                (
                    "warning",
                    f"{new.name}.{name}",
                    "field-became-required",
                    f"now required; code constructing {new.name} must pass it",
                )
            )
    return found
