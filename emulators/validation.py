"""Check requests and responses against the service documents in `schemas/<service>.json`.

The documents land while the code-generator pages are being read, so an operation (or a whole
service) that is not there yet is simply not checked. Documents are re-read when their file
changes, so a long-running emulator picks up new operations.

- Requests that break the schema get the service's own validation error (the caller renders it).
- Responses are checked in strict mode (tests, `--strict`): each violation is recorded in
  `violations` (also served at GET /_emulator/violations) and the test fixture fails the test.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

# The service documents ship as package data (`pulumi_builds.schemas`); in a checkout that package
# is the repository's `schemas/` folder itself.
SCHEMAS_DIR = Path(str(resources.files("pulumi_builds.schemas")))


class ServiceDocumentError(RuntimeError):
    """A service document the emulators validate against is missing or unreadable."""


@dataclass(frozen=True)
class Problem:
    """One broken rule: where (a dotted member path), the offending value, and the rule."""

    path: str
    value: Any
    rule: str

    def aws_text(self) -> str:
        # The wording of AWS's Coral validation messages:
        # "Value '[...]' at 'ids' failed to satisfy constraint: Member must ..."
        value = "null" if self.value is None else f"'{_short(self.value)}'"
        return f"Value {value} at '{self.path}' failed to satisfy constraint: {self.rule}"


def aws_message(problems: list[Problem]) -> str:
    n = len(problems)
    head = f"{n} validation error{'s' if n != 1 else ''} detected: "
    return head + "; ".join(p.aws_text() for p in problems)


def _short(value: Any) -> str:
    text = json.dumps(value) if isinstance(value, (list, dict)) else str(value)
    return text if len(text) <= 200 else text[:197] + "..."


def _rule(error: ValidationError) -> str:
    """The rule in AWS's words (the other services word their messages from `Problem` fields)."""
    kind, limit = error.validator, error.validator_value
    values = limit if isinstance(limit, list) else [limit]  # the value set of an "enum" rule
    if kind in ("maxLength", "maxItems", "maxProperties"):
        return f"Member must have length less than or equal to {limit}"
    if kind in ("minLength", "minItems", "minProperties"):
        return f"Member must have length greater than or equal to {limit}"
    if kind == "maximum":
        return f"Member must have value less than or equal to {limit}"
    if kind == "minimum":
        return f"Member must have value greater than or equal to {limit}"
    if kind == "pattern":
        return f"Member must satisfy regular expression pattern: {limit}"
    if kind == "enum":
        return f"Member must satisfy enum value set: [{', '.join(map(str, values))}]"
    if kind == "required":
        return "Member must not be null"
    if kind == "type":
        return f"Member must be of type {limit}"
    if kind == "additionalProperties":
        return f"Member is not allowed ({error.message})"
    return str(error.message)


def _problem(error: ValidationError) -> Problem:
    parts = ["member" if isinstance(p, int) else str(p) for p in error.absolute_path]
    if error.validator == "required":
        # jsonschema reports a missing member at its parent; AWS names the member itself.
        missing = re.match(r"'([^']+)' is a required property", error.message)
        if missing:
            parts.append(missing.group(1))
        return Problem(".".join(parts) or "(body)", None, _rule(error))
    return Problem(".".join(parts) or "(body)", error.instance, _rule(error))


@dataclass
class _Document:
    mtime: float
    doc: dict[str, Any]
    validators: dict[tuple[str, str], Draft202012Validator]


class SchemaValidator:
    """Validators per (service, operation, request|response), built lazily from `schemas/`."""

    def __init__(self, schemas_dir: Path = SCHEMAS_DIR, strict: bool = False) -> None:
        self.schemas_dir = schemas_dir
        self.strict = strict
        self.violations: list[str] = []
        # service -> operations whose responses were checked against a schema (contract tests
        # use it to prove every operation of schemas/ was exercised).
        self.checked: dict[str, set[str]] = {}
        self._docs: dict[str, _Document | None] = {}
        self._lock = threading.Lock()

    def document(self, service: str) -> dict[str, Any]:
        """The service document, reloaded when its file changes. A missing or unreadable one is
        an error: validating nothing would let every malformed request through, silently."""
        path = self.schemas_dir / f"{service}.json"
        with self._lock:
            try:
                mtime = path.stat().st_mtime
            except OSError as exc:
                self._docs.pop(service, None)
                raise ServiceDocumentError(
                    f"{path}: the service document of {service} is missing ({exc.strerror}); "
                    "it ships in the package (pulumi_builds.schemas): reinstall pulumi-builds, "
                    "or run `builds-codegen generate` in a checkout"
                ) from None
            cached = self._docs.get(service)
            if cached is None or cached.mtime != mtime:
                try:
                    doc = json.loads(path.read_text(encoding="utf-8"))
                except (OSError, ValueError) as exc:
                    raise ServiceDocumentError(
                        f"{path}: the service document of {service} is unreadable: {exc}"
                    ) from None
                if not isinstance(doc, dict) or not isinstance(doc.get("operations"), dict):
                    raise ServiceDocumentError(
                        f"{path}: not a service document (no `operations` object)"
                    )
                cached = _Document(mtime, doc, {})
                self._docs[service] = cached
            return cached.doc

    def _validator(self, service: str, operation: str, part: str) -> Draft202012Validator | None:
        doc = self.document(service)
        op = doc.get("operations", {}).get(operation)
        if not op or part not in op:
            return None
        with self._lock:
            cached = self._docs.get(service)
            if cached is None:
                return None
            key = (operation, part)
            if key not in cached.validators:
                schema = {"$defs": doc.get("$defs", {}), **op[part]}
                cached.validators[key] = Draft202012Validator(schema)
            return cached.validators[key]

    def has_operation(self, service: str, operation: str) -> bool:
        return operation in self.document(service).get("operations", {})

    def request_problems(self, service: str, operation: str, body: Any) -> list[Problem]:
        validator = self._validator(service, operation, "request")
        return _problems(validator.iter_errors(body)) if validator else []

    def check_response(self, service: str, operation: str, body: Any) -> list[Problem]:
        """Problems of a success response, recorded in `violations` (the test fixture fails the
        test on them). Only in strict mode: a served emulator skips the work."""
        if not self.strict:
            return []
        validator = self._validator(service, operation, "response")
        if validator is None:
            return []
        with self._lock:
            self.checked.setdefault(service, set()).add(operation)
        problems = _problems(validator.iter_errors(body))
        for p in problems:
            self.violations.append(
                f"{service}.{operation} response: at '{p.path}' value {_short(p.value)!r}: {p.rule}"
            )
        return problems

    def find_rest_operation(self, service: str, method: str, path: str) -> str | None:
        """The operation whose `http` method and path template match a REST request."""
        doc = self.document(service)
        base = str(doc.get("service", {}).get("basePath", "") or "").rstrip("/")
        for name, op in sorted(doc.get("operations", {}).items()):
            http = op.get("http") or {}
            if http.get("method", "").upper() != method.upper() or "path" not in http:
                continue
            for template in {http["path"], base + http["path"]}:
                if _template_regex(template).fullmatch(path):
                    return str(name)
        return None


def _template_regex(template: str) -> re.Pattern[str]:
    pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
    return re.compile(pattern)


def _problems(errors: Iterable[ValidationError]) -> list[Problem]:
    found = sorted(errors, key=lambda e: [str(p) for p in e.absolute_path])
    return [_problem(e) for e in found]
