"""Cloud Foundry metadata rules: the `label_selector` grammar and label/annotation validation.

Follows cloud_controller_ng's LabelSelectorLexer/LabelSelectorParser (a token table and a small
state machine) and LabelValidatorHelper (key and value rules), so the emulator accepts and rejects
the same selectors the real Cloud Controller does and matches resources the same way:
`k!=v` and `k notin (...)` also match resources that have no label `k` at all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

MAX_REQUIREMENTS = 50  # api-facts: at most 50 requirements per selector
MAX_NAME_SIZE = 63
MAX_PREFIX_SIZE = 253
MAX_ANNOTATION_VALUE_SIZE = 5000
RESERVED_PREFIX = "cloudfoundry.org"

_TOKENS = [
    ("comma", r","),
    ("open_paren", r"\("),
    ("close_paren", r"\)"),
    ("space", r"\s+"),
    ("equal", r"==?"),
    ("not_equal", r"!="),
    ("not_op", r"!"),
    ("word", r"[-_.\w]+(?:/[-_.\w]+)?"),
    ("error", r"."),
]
_LEXER = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in _TOKENS), re.ASCII)
_INVALID_CHAR = re.compile(r"[^\w\-.]", re.ASCII)
_ALNUM_ENDS = re.compile(r"\A(?=[a-zA-Z\d]).*[a-zA-Z\d]\Z", re.DOTALL)
# A DNS name: labels of alphanumerics and inner hyphens, dot separated, at least two labels.
_DNS = re.compile(r"\A(?:[a-zA-Z\d](?:[a-zA-Z\d-]{0,61}[a-zA-Z\d])?\.)+[a-zA-Z\d]{2,63}\Z")


class LabelSelectorError(ValueError):
    """A selector that does not parse or breaks a key/value rule; str() is the CF message."""


@dataclass
class Requirement:
    key: str
    operator: str  # exists, not_exists, equal, not_equal, in, notin
    values: list[str] = field(default_factory=list)

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        value = labels.get(self.key)
        if self.operator == "exists":
            return present
        if self.operator == "not_exists":
            return not present
        if self.operator in ("equal", "in"):
            return present and value in self.values
        # not_equal / notin: CF excludes resources carrying one of the values, keeps the rest.
        return not (present and value in self.values)


@dataclass
class _Token:
    kind: str
    text: str
    pos: int


def _show(source: str, token: _Token) -> str:
    """Point at the offending token like CF does: `...before<<token>>after...`."""
    parts = []
    if token.pos > 0:
        before = source[: token.pos]
        parts.append("..." + before[-27:] if len(before) > 30 else before)
    parts.append(f"<<{token.text}>>")
    end = token.pos + len(token.text)
    if end < len(source):
        after = source[end:]
        parts.append(after[:28] + "..." if len(after) > 30 else after)
    return "".join(parts)


def _fail(expecting: str, source: str, token: _Token) -> LabelSelectorError:
    return LabelSelectorError(f'expecting {expecting}, got "{_show(source, token)}"')


def parse_label_selector(source: str) -> list[Requirement]:
    """Parse and validate a selector; raise LabelSelectorError with CF's wording on bad input."""
    if source == "":
        raise LabelSelectorError("empty label selector not allowed")
    tokens = [_Token(m.lastgroup or "error", m.group(), m.start()) for m in _LEXER.finditer(source)]
    for token in tokens:
        if token.kind == "error":
            raise LabelSelectorError(f'disallowed character(s), got "{_show(source, token)}"')
    tokens = [t for t in tokens if t.kind != "space"] + [_Token("eof", "", len(source))]
    requirements: list[Requirement] = []
    state = "at_start"
    current: Requirement | None = None
    for token in tokens:
        kind = token.kind
        if state == "at_start":
            if kind == "word":
                current, state = Requirement(token.text, ""), "has_key"
            elif kind == "not_op":
                state = "has_not_op"
            elif kind == "not_equal":
                raise _fail("a key or '!' not followed by '='", source, token)
            else:
                raise _fail("a key or '!'", source, token)
        elif state == "has_not_op":
            if kind != "word":
                raise _fail("a key", source, token)
            requirements.append(Requirement(token.text, "not_exists"))
            state = "expecting_comma_or_eof"
        elif state == "has_key":
            assert current is not None
            if kind in ("equal", "not_equal"):
                current.operator, state = kind, "expect_value"
            elif kind == "word" and token.text in ("in", "notin"):
                current.operator, state = token.text, "expecting_open_paren"
            elif kind == "word":
                raise _fail("a ',', operator, or end", source, token)
            elif kind in ("comma", "eof"):
                current.operator = "exists"
                requirements.append(current)
                if kind == "eof":
                    break
                state = "at_start"
            else:
                raise _fail("a ',', operator, or end", source, token)
        elif state == "expect_value":
            assert current is not None
            if kind != "word":
                raise _fail("a value", source, token)
            current.values.append(token.text)
            requirements.append(current)
            state = "expecting_comma_or_eof"
        elif state == "expecting_open_paren":
            if kind != "open_paren":
                raise _fail("a '('", source, token)
            state = "expecting_set_value"
        elif state == "expecting_set_value":
            assert current is not None
            if kind != "word":
                raise _fail("a value", source, token)
            current.values.append(token.text)
            state = "expecting_comma_or_close_paren"
        elif state == "expecting_comma_or_close_paren":
            assert current is not None
            if kind == "comma":
                state = "expecting_set_value"
            elif kind == "close_paren":
                requirements.append(current)
                state = "expecting_comma_or_eof"
            else:
                raise _fail("a ',' or ')'", source, token)
        elif state == "expecting_comma_or_eof":
            if kind == "comma":
                state = "at_start"
            elif kind == "eof":
                break
            else:
                raise _fail("a ',' or end", source, token)
    if len(requirements) > MAX_REQUIREMENTS:
        raise LabelSelectorError(
            f"label_selector has {len(requirements)} requirements; at most {MAX_REQUIREMENTS} "
            "are allowed"
        )
    for requirement in requirements:
        error = key_error(requirement.key, kind="label")
        if error is None:
            error = next(filter(None, (label_value_error(v) for v in requirement.values)), None)
        if error is not None:
            raise LabelSelectorError(error)
    return requirements


def matches_all(requirements: list[Requirement], labels: Mapping[str, str]) -> bool:
    return all(r.matches(labels) for r in requirements)


def _name_error(text: str, kind: str) -> str | None:
    if _INVALID_CHAR.search(text):
        return f"{kind} '{text}' contains invalid characters"
    if not _ALNUM_ENDS.match(text):
        return f"{kind} '{text}' starts or ends with invalid characters"
    if len(text) > MAX_NAME_SIZE:
        return f"{kind} '{text[:8]}...' is greater than {MAX_NAME_SIZE} characters"
    return None


def key_error(key: str, kind: str = "label") -> str | None:
    """CF's key rules: optional DNS prefix (<= 253, not cloudfoundry.org) + '/' + name (1..63)."""
    if not key:
        return f"{kind} key cannot be empty string"
    if key.count("/") > 1:
        return f"{kind} key has more than one '/'"
    prefix, _, name = key.rpartition("/")
    if "/" in key:
        if not _DNS.match(prefix):
            return f"{kind} prefix '{prefix}' must be in valid dns format"
        if len(prefix) > MAX_PREFIX_SIZE:
            return f"{kind} prefix '{prefix[:8]}...' is greater than {MAX_PREFIX_SIZE} characters"
        if prefix.lower() == RESERVED_PREFIX:
            return f"{RESERVED_PREFIX} is a reserved domain"
    if not name:
        return f"{kind} key cannot be empty string"
    return _name_error(name, kind)


def label_value_error(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    return _name_error(value, "label")


def metadata_error(metadata: object) -> str | None:
    """Validate a request's `metadata` ({labels, annotations}); None when it is acceptable.

    Values may be null (PATCH deletes the key). Messages follow CF's
    "Metadata label key error: ..." wording.
    """
    if not isinstance(metadata, dict):
        return "Metadata must be an object"
    unknown = sorted(set(metadata) - {"labels", "annotations"})
    if unknown:
        return "Metadata has unexpected field(s): " + ", ".join(f"'{k}'" for k in unknown)
    labels = metadata.get("labels", {})
    annotations = metadata.get("annotations", {})
    if labels is not None and not isinstance(labels, dict):
        return "Metadata labels must be an object"
    if annotations is not None and not isinstance(annotations, dict):
        return "Metadata annotations must be an object"
    for key, value in (labels or {}).items():
        error = key_error(key, "label")
        if error:
            return f"Metadata label key error: {error}"
        if value is not None and not isinstance(value, str):
            return f"Metadata label value error: label '{key}' value must be a string or null"
        error = label_value_error(value)
        if error:
            return f"Metadata label value error: {error}"
    for key, value in (annotations or {}).items():
        error = key_error(key, "annotation")
        if error:
            return f"Metadata annotations error: {error}"
        if value is not None and not isinstance(value, str):
            return f"Metadata annotations error: annotation '{key}' value must be a string or null"
        if value is not None and len(value) > MAX_ANNOTATION_VALUE_SIZE:
            return (
                f"Metadata annotations error: annotation '{key[:8]}...' value is greater than "
                f"{MAX_ANNOTATION_VALUE_SIZE} characters"
            )
    return None
