"""Names: splitting wire names into words, PascalCase class names, snake_case attributes.

Derived class names (docs/schema-format.md, "Naming rules") depend only on the path of a shape
(its parent's name and its property), never on what else the service contains, so adding an
unrelated field or shape never renames an existing class.
"""

from __future__ import annotations

import keyword
import re

# Split points: lower->Upper ("buildGroups"), acronym->Word ("AWSSession"), letters<->digits,
# and any run of separators ("build_token_uuid", "x-amz-target", "__type").
_WORD = re.compile(r"[A-Z0-9]+(?=[A-Z][a-z])|[A-Z]?[a-z0-9]+|[A-Z0-9]+")


def words(name: str) -> list[str]:
    """The words of a wire name, case kept: 'secretAccessKey' -> ['secret', 'Access', 'Key']."""
    return _WORD.findall(name)


def lower_words(name: str) -> list[str]:
    return [word.lower() for word in words(name)]


def pascal(name: str) -> str:
    """'build_trigger_metadata' -> 'BuildTriggerMetadata'; 'jobDetails' -> 'JobDetails'."""
    return "".join(word[:1].upper() + word[1:] for word in words(name))


def snake(name: str) -> str:
    """'secretAccessKey' -> 'secret_access_key'; a Python keyword gets a trailing underscore."""
    result = "_".join(lower_words(name)) or "field"
    if result[0].isdigit():
        result = "field_" + result
    return result + "_" if keyword.iskeyword(result) else result


def singular(word: str) -> str:
    """English singular of a plural word; unchanged when it does not look plural."""
    lower = word.lower()
    if lower.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    for plural_suffix in ("sses", "shes", "ches", "xes", "uses"):
        if lower.endswith(plural_suffix):
            return word[:-2]
    if lower.endswith("s") and not lower.endswith(("ss", "us", "is")) and len(word) > 1:
        return word[:-1]
    return word


def singular_pascal(name: str) -> str:
    """'buildGroups' -> 'BuildGroup': only the last word is made singular."""
    parts = [part[:1].upper() + part[1:] for part in words(name)]
    if not parts:
        return ""
    parts[-1] = singular(parts[-1])
    return "".join(parts)


def join(parent: str, child: str) -> str:
    """Parent name + child name, without repeating words the child already starts with.

    'Build' + 'BuildStatus' -> 'BuildStatus'; 'Build' + 'Phase' -> 'BuildPhase';
    'JobDetails' + 'Data' -> 'JobDetailsData'.
    """
    parent_words, child_words = words(parent), words(child)
    for overlap in range(min(len(parent_words), len(child_words)), 0, -1):
        if parent_words[-overlap:] == child_words[:overlap]:
            return "".join(parent_words[:-overlap]) + child
    return parent + child


def is_class_name(name: str) -> bool:
    return bool(re.fullmatch(r"[A-Z][A-Za-z0-9]*", name)) and not keyword.iskeyword(name)
