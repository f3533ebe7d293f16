"""Cloud Foundry list queries: parse and check the filters, order and page of a list request,
and build the `pagination` block with links.

Follows cloud_controller_ng's ListMessage/BuildsListMessage: comma lists split on `,\\s*`,
`created_ats`/`updated_ats` take equality lists or `[lt|lte|gt|gte]` operators with
`YYYY-MM-DDThh:mm:ssZ` timestamps, unknown parameters are refused naming the valid ones, and every
problem is reported at once in one 400 CF-BadQueryParameter
("The query parameter is invalid: <messages joined by ', '>").
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import unquote, urlencode

from pulumi_builds.emulators.cloudfoundry_labels import (
    LabelSelectorError,
    Requirement,
    parse_label_selector,
)
from pulumi_builds.emulators.cloudfoundry_state import CfError

PAGINATION_KEYS = ("page", "per_page", "order_by")
COMMON_KEYS = (*PAGINATION_KEYS, "created_ats", "updated_ats", "guids")
BUILDS_KEYS = (*COMMON_KEYS, "app_guids", "package_guids", "states", "label_selector")
APP_BUILDS_KEYS = (*COMMON_KEYS, "states", "label_selector")
APPS_KEYS = (*COMMON_KEYS, "names", "space_guids", "label_selector")
PACKAGES_KEYS = (*COMMON_KEYS, "states", "types", "app_guids", "label_selector")
# Every other allowed parameter is a comma list (states, guids, app_guids, names, ...).
NOT_LISTS = (*PAGINATION_KEYS, "created_ats", "updated_ats", "label_selector")
TIMESTAMP_FILTERS = ("created_ats", "updated_ats")
RELATIONAL_OPERATORS = ("lt", "lte", "gt", "gte")
ORDER_COLUMNS = ("created_at", "updated_at")
DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 5000
_TIMESTAMP = re.compile(r"\A\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\Z")
_BRACKETED = re.compile(r"\A(?P<key>[^\[\]]+)\[(?P<op>[^\[\]]*)\]\Z")


def bad_query(messages: Sequence[str]) -> CfError:
    return CfError(
        400,
        "CF-BadQueryParameter",
        10005,
        "The query parameter is invalid: " + ", ".join(messages),
    )


@dataclass
class TimeFilter:
    """Either an equality list or relational bounds, on second-precision epoch values."""

    equal: list[int] = field(default_factory=list)
    bounds: dict[str, int] = field(default_factory=dict)

    def matches(self, epoch: float) -> bool:
        second = int(epoch)
        if self.equal and second not in self.equal:
            return False
        checks: dict[str, Callable[[int, int], bool]] = {
            "lt": lambda a, b: a < b,
            "lte": lambda a, b: a <= b,
            "gt": lambda a, b: a > b,
            "gte": lambda a, b: a >= b,
        }
        return all(checks[op](second, bound) for op, bound in self.bounds.items())


@dataclass
class ListQuery:
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    order_by: str | None = None
    lists: dict[str, list[str]] = field(default_factory=dict)
    times: dict[str, TimeFilter] = field(default_factory=dict)
    selector: list[Requirement] | None = None
    # Every parameter except page/per_page, as received, to carry into the pagination links.
    carried: dict[str, str] = field(default_factory=dict)

    def sort_key(self) -> tuple[str, bool]:
        """(column, descending) for the requested order; created_at ascending by default."""
        order = self.order_by or "created_at"
        return order.lstrip("+-"), order.startswith("-")


def _human(key: str) -> str:
    """ActiveModel's attribute name: `per_page` -> `Per page`."""
    return key.replace("_", " ").capitalize()


def _split(value: str) -> list[str]:
    return [""] if value == "" else [unquote(v) for v in re.split(r",\s*", value)]


def _timestamp(value: str) -> int | None:
    if not _TIMESTAMP.match(value):
        return None
    try:
        return int(datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp())
    except ValueError:  # matches the shape but is no date, e.g. month 13
        return None


_BAD_TIMESTAMP = (
    "has an invalid timestamp format. Timestamps should be formatted as 'YYYY-MM-DDThh:mm:ssZ'"
)


def parse_list_query(params: Sequence[tuple[str, str]], allowed: Sequence[str]) -> ListQuery:
    """Check every parameter of a list request; raise one CfError listing all problems."""
    errors: list[str] = []
    query = ListQuery()
    values: dict[str, str] = {}
    relational: dict[str, dict[str, str]] = {}
    unknown: list[str] = []
    for raw_key, value in params:
        match = _BRACKETED.match(raw_key)
        base = match.group("key") if match else raw_key
        if base not in allowed:
            if base not in unknown:
                unknown.append(base)
            continue
        query.carried[raw_key] = value
        if match:
            if base in TIMESTAMP_FILTERS:
                relational.setdefault(base, {})[match.group("op")] = value
            else:
                errors.append(f"{_human(base)} must be an array")
            continue
        values[base] = value  # like Rack, a repeated key keeps its last value
    if unknown:
        errors.append(
            "Unknown query parameter(s): '"
            + "', '".join(unknown)
            + "'. Valid parameters are: '"
            + "', '".join(allowed)
            + "'"
        )
    for key in ("page", "per_page"):
        if key in values:
            number = _to_int(values[key])
            if key == "page" and number <= 0:
                errors.append("Page must be a positive integer")
            elif key == "per_page" and number <= 0:
                errors.append("Per page must be a positive integer")
            elif key == "per_page" and number > MAX_PER_PAGE:
                errors.append(f"Per page must be between 1 and {MAX_PER_PAGE}")
            else:
                setattr(query, key, number)
    if "order_by" in values:
        order = values["order_by"]
        if not re.fullmatch(r"[+-]?(created_at|updated_at)", order):
            errors.append("Order by can only be: " + ", ".join(f"'{c}'" for c in ORDER_COLUMNS))
        else:
            query.order_by = order
    for key in allowed:
        if key in values and key not in NOT_LISTS:
            query.lists[key] = _split(values[key])
            # Links carry the list the way CF re-serialises it: joined by ',' without spaces.
            query.carried[key] = ",".join(query.lists[key])
    for key in TIMESTAMP_FILTERS:
        errors.extend(_parse_times(key, values.get(key), relational.get(key), query))
    if "label_selector" in values:
        try:
            query.selector = parse_label_selector(values["label_selector"])
        except LabelSelectorError as exc:
            errors.append(f"Invalid label_selector value: {exc}")
    if errors:
        raise bad_query(errors)
    return query


def _to_int(text: str) -> int:
    """Ruby's String#to_i: leading digits, else 0 (so `per_page=abc` is "not positive")."""
    match = re.match(r"\s*([+-]?\d+)", text)
    return int(match.group(1)) if match else 0


def _parse_times(
    key: str, equal: str | None, relational: dict[str, str] | None, query: ListQuery
) -> list[str]:
    name = _human(key)
    errors: list[str] = []
    time_filter = TimeFilter()
    if equal is not None and relational:
        errors.append(f"{name} cannot combine an equality filter with relational operators")
    if equal is not None:
        for value in _split(equal):
            stamp = _timestamp(value)
            if stamp is None:
                errors.append(f"{name} {_BAD_TIMESTAMP}")
                break
            time_filter.equal.append(stamp)
    for op, value in (relational or {}).items():
        if op not in RELATIONAL_OPERATORS:
            errors.append(f"{name} Invalid relational operator: '{op}'")
            continue
        if "," in value:
            errors.append(f"{name} only accepts one value when using a relational operator")
            continue
        stamp = _timestamp(value)
        if stamp is None:
            errors.append(f"{name} {_BAD_TIMESTAMP}")
            continue
        time_filter.bounds[op] = stamp
    if equal is not None or relational:
        query.times[key] = time_filter
    return errors


def pagination(base_url: str, path: str, query: ListQuery, total_results: int) -> dict[str, object]:
    """CF's pagination block; links carry every filter, keys sorted like Rails' to_query."""
    total_pages = max(1, math.ceil(total_results / query.per_page))

    def link(page: int) -> dict[str, str]:
        params = dict(query.carried)
        params["page"] = str(page)
        params["per_page"] = str(query.per_page)
        return {"href": f"{base_url}{path}?{urlencode(sorted(params.items()))}"}

    return {
        "total_results": total_results,
        "total_pages": total_pages,
        "first": link(1),
        "last": link(total_pages),
        "next": link(query.page + 1) if query.page < total_pages else None,
        "previous": link(query.page - 1) if query.page > 1 else None,
    }
