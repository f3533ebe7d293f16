"""The prose facts under each listed member: "Type: ...", "Required: Yes", "Length Constraints: ...".

A member's entry is free prose (its description) followed by labelled facts. Pages print the facts
one per line, all on one line, or glued to the end of the description ("credentials.Type: JobDetails
object"), so labels are found by pattern, not by line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pulumi_builds.codegen.readers.aws_text import Page, fold

# Longest labels first so "Key Length Constraints" is not read as "Length Constraints".
LABELS = (
    "Key Length Constraints",
    "Value Length Constraints",
    "Key Pattern",
    "Value Pattern",
    "Length Constraints",
    "Array Members",
    "Map Entries",
    "Valid Values",
    "Valid Range",
    "Pattern",
    "Required",
    "Type",
)
# A label follows whitespace or punctuation; pages also glue "Required:" straight onto the last
# value of an enum ("ASCENDING | DESCENDINGRequired: No"), so after an upper-case letter it counts.
LABEL = re.compile(
    r"(?:(?<=\s)|(?<=^)|(?<=[.)\]\"])|(?<=[A-Z])(?=Required:))(" + "|".join(LABELS) + r"):"
)
# A list bullet the page left empty ("- " on its own line) after an entry's last fact.
_DANGLING_BULLET = re.compile(r"(?:\s+-)+$")
_NOTE_LINE = re.compile(r"(?m)^[ \t]*(Note|Important|Tip|Warning)[ \t]*$\n?")


@dataclass(frozen=True)
class Fact:
    label: str
    value: str  # whitespace folded
    offset: int  # page offset of the label


@dataclass
class Entry:
    """One listed member (or error): its description and its facts."""

    name: str | None  # None in the flattened layout, where the page dropped the names
    description: str
    facts: list[Fact] = field(default_factory=list)
    offset: int = 0  # page offset where the entry starts

    def fact(self, label: str) -> Fact | None:
        return next((fact for fact in self.facts if fact.label == label), None)


def split_entry(page: Page, start: int, end: int, name: str | None) -> Entry:
    """Splits text[start:end] into the description and the facts that follow the last "Type:"."""
    body = page.text[start:end]
    labels = list(LABEL.finditer(body))
    type_labels = [m for m in labels if m.group(1) == "Type"]
    if not type_labels:
        raise page.error(
            start, f"a 'Type:' line for member {name or '(unnamed)'}", fold(body)[:60] or "nothing"
        )
    first = type_labels[-1]
    facts: list[Fact] = []
    following = [m for m in labels if m.start() >= first.start()]
    for index, match in enumerate(following):
        stop = following[index + 1].start() if index + 1 < len(following) else len(body)
        value = _DANGLING_BULLET.sub("", fold(body[match.end() : stop]))
        facts.append(Fact(match.group(1), value, start + match.start()))
    return Entry(name, describe(body[: first.start()]), facts, start)


def describe(prose: str) -> str:
    """Description text: whitespace folded, a lone "Note"/"Important" line turned into "Note:"."""
    return fold(_NOTE_LINE.sub(lambda m: f" {m.group(1)}: ", prose))


_MIN_LEN = re.compile(r"Minimum length of (\d+)")
_MAX_LEN = re.compile(r"Maximum length of (\d+)")
_FIXED_LEN = re.compile(r"Fixed length of (\d+)")
_MIN_ITEMS = re.compile(r"Minimum number of (\d+) items?")
_MAX_ITEMS = re.compile(r"Maximum number of (\d+) items?")
_FIXED_ITEMS = re.compile(r"Fixed number of (\d+) items?")
_MIN_VALUE = re.compile(r"Minimum value of (-?\d+(?:\.\d+)?)")
_MAX_VALUE = re.compile(r"Maximum value of (-?\d+(?:\.\d+)?)")


def _number(text: str) -> int | float:
    return float(text) if "." in text else int(text)


def _bounds(
    page: Page,
    fact: Fact,
    low: re.Pattern[str],
    high: re.Pattern[str],
    fixed: re.Pattern[str] | None,
    keys: tuple[str, str],
    what: str,
) -> dict[str, object]:
    out: dict[str, object] = {}
    if fixed and (m := fixed.search(fact.value)):
        out[keys[0]] = out[keys[1]] = _number(m.group(1))
    if m := low.search(fact.value):
        out[keys[0]] = _number(m.group(1))
    if m := high.search(fact.value):
        out[keys[1]] = _number(m.group(1))
    if not out:
        raise page.error(fact.offset, f"{fact.label}: {what}", fact.value[:60])
    return out


def length(page: Page, fact: Fact) -> dict[str, object]:
    return _bounds(
        page,
        fact,
        _MIN_LEN,
        _MAX_LEN,
        _FIXED_LEN,
        ("minLength", "maxLength"),
        "'Minimum length of N.' and/or 'Maximum length of N.'",
    )


def items(page: Page, fact: Fact, keys: tuple[str, str]) -> dict[str, object]:
    return _bounds(
        page,
        fact,
        _MIN_ITEMS,
        _MAX_ITEMS,
        _FIXED_ITEMS,
        keys,
        "'Minimum number of N items.' and/or 'Maximum number of N items.'",
    )


def value_range(page: Page, fact: Fact) -> dict[str, object]:
    return _bounds(
        page,
        fact,
        _MIN_VALUE,
        _MAX_VALUE,
        None,
        ("minimum", "maximum"),
        "'Minimum value of N.' and/or 'Maximum value of N.'",
    )


def enum(page: Page, fact: Fact) -> list[str]:
    values = [value.strip() for value in fact.value.split("|")]
    if not all(values):
        raise page.error(fact.offset, "Valid Values: values separated by ' | '", fact.value[:60])
    return values


def required(page: Page, fact: Fact) -> bool:
    if fact.value not in ("Yes", "No"):
        raise page.error(fact.offset, "Required: Yes or Required: No", fact.value[:60])
    return fact.value == "Yes"
