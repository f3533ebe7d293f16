"""The Python surface of generated code: classes and their public members, with types.

Read with `ast` from source text (the working tree or `git show REV:path`), never by importing
the generated modules: the code generator must not import `generated/`, and an old revision's
code may not even import against today's runtime.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from pulumi_builds.codegen.emit.model_index import field_facts
from pulumi_builds.codegen.errors import CodegenError

MemberKind = Literal["field", "member", "method"]
_ENUM_BASES = {"Enum", "StrEnum", "IntEnum", "Flag", "IntFlag"}
# Class-level names that configure a model rather than belong to its surface.
_CONFIG_NAMES = {"model_config", "__slots__", "__all__"}


@dataclass(frozen=True)
class Member:
    """A public member of a generated class.

    field: an annotated attribute (`annotation` is its type as written, `alias` its wire name);
    member: a class-level value such as an enum member (`annotation` and `alias` are the value);
    method: a public function (`annotation` is its signature).
    """

    name: str
    kind: MemberKind
    annotation: str
    alias: str | None = None
    required: bool = False


@dataclass(frozen=True)
class ClassSurface:
    name: str
    path: str
    bases: tuple[str, ...]
    members: dict[str, Member] = field(default_factory=dict)


def read_module(path: str, source: str) -> dict[str, ClassSurface]:
    """Classes (nested ones as `Outer.Inner`) defined in one module's source text."""
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError as exc:
        raise CodegenError(
            f"{path}:{exc.lineno}:{exc.offset}: expected Python source, found a syntax error "
            f"({exc.msg})"
        ) from exc
    classes: dict[str, ClassSurface] = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            _read_class(path, node, "", classes)
    return {name: _with_inherited(cls, classes) for name, cls in classes.items()}


def _with_inherited(cls: ClassSurface, classes: Mapping[str, ClassSurface]) -> ClassSurface:
    """The class with the members it inherits from classes of the same module, type variables
    replaced by the arguments given (`class GetBuildResponse(ResultEnvelope[Build])` has
    `result: Build`): a field moved into a base class is not a field removed."""
    members: dict[str, Member] = {}
    for base in cls.bases:
        name, _, args = base.partition("[")
        parent = classes.get(name)
        if parent is None or parent is cls:
            continue
        parent = _with_inherited(parent, classes)
        values = _split_args(args[:-1]) if args else []
        params = next(
            (
                _split_args(b[len("Generic[") : -1])
                for b in parent.bases
                if b.startswith("Generic[")
            ),
            [],
        )
        substitutions = dict(zip(params, values, strict=False))
        for member in parent.members.values():
            annotation = _substitute(member.annotation, substitutions)
            members[member.name] = replace(member, annotation=annotation)
    if not members:
        return cls
    return replace(cls, members={**members, **cls.members})


def _substitute(annotation: str, substitutions: Mapping[str, str]) -> str:
    return re.sub(r"\b\w+\b", lambda m: substitutions.get(m[0], m[0]), annotation)


def _split_args(text: str) -> list[str]:
    """`Build, list[X]` -> ['Build', 'list[X]']: top-level commas only."""
    parts, depth, current = [], 0, ""
    for char in text:
        depth += char == "["
        depth -= char == "]"
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    return [*parts, current.strip()] if current.strip() else parts


def read_surfaces(files: Mapping[str, str]) -> dict[str, dict[str, ClassSurface]]:
    """`{path: {class name: surface}}` for every `.py` file in `files` (`{path: source}`)."""
    return {path: read_module(path, files[path]) for path in sorted(files) if path.endswith(".py")}


def python_sources(root: Path, subdir: str = "generated") -> dict[str, str]:
    """`{posix path relative to root: text}` of every `.py` file under `root/subdir`."""
    base = root / subdir
    if not base.is_dir():
        return {}
    return {
        p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(base.rglob("*.py"))
        if "__pycache__" not in p.parts
    }


def _read_class(path: str, node: ast.ClassDef, prefix: str, out: dict[str, ClassSurface]) -> None:
    name = prefix + node.name
    bases = tuple(ast.unparse(b) for b in node.bases)
    is_enum = any(b.split(".")[-1] in _ENUM_BASES for b in bases)
    members: dict[str, Member] = {}
    for item in node.body:
        if isinstance(item, ast.ClassDef):
            _read_class(path, item, name + ".", out)
        elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            attr = item.target.id
            if _public(attr) and not _is_classvar(item.annotation):
                members[attr] = _field(attr, item)
        elif isinstance(item, ast.Assign):
            for target in item.targets:
                if isinstance(target, ast.Name) and _public(target.id):
                    value = ast.unparse(item.value)
                    # An enum member is identified by its value: same value, new name = renamed.
                    members[target.id] = Member(
                        target.id, "member", value, value if is_enum else None
                    )
        elif isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and _public(item.name):
            signature = f"({ast.unparse(item.args)})"
            if item.returns is not None:
                signature += f" -> {ast.unparse(item.returns)}"
            members[item.name] = Member(item.name, "method", signature)
    out[name] = ClassSurface(name, path, bases, members)


def _public(name: str) -> bool:
    return not name.startswith("_") and name not in _CONFIG_NAMES


def _is_classvar(annotation: ast.expr) -> bool:
    return ast.unparse(annotation).split("[")[0].split(".")[-1] == "ClassVar"


def _field(name: str, node: ast.AnnAssign) -> Member:
    # The same reading of a field as the generator's (emit/model_index.py): type, alias, required.
    facts = field_facts(node)
    return Member(name, "field", ast.unparse(facts.annotation), facts.alias, facts.required)
