"""The `errors` list of an operation: the page's error responses named with CF error codes."""

from __future__ import annotations

from typing import Any

from pulumi_builds.codegen.readers.cloudfoundry_corrections import resource_of, table


def error_entries(
    responses: list[tuple[int, str, str | None, dict[str, Any] | None]],
    method: str,
    path: str,
    has_query: bool,
    has_body: bool,
) -> list[dict[str, Any]]:
    """One entry per CF error a listed status stands for, in page order, then the `always` ones.

    `responses` holds (status, reason phrase, shape name, body schema) for each non-2xx response.
    A status the table does not know keeps the page's shape name ("Conflict", "BadGateway") as code.
    """
    errors = table("errors")
    out: list[dict[str, Any]] = []
    for status, reason, name, schema in responses:
        known = _known(errors, status, method, path, has_query, has_body)
        if not known:
            known = [{"code": name or str(status)}]
        for fact in known:
            entry: dict[str, Any] = {"code": fact["code"], "status": status, "title": reason}
            entry["description"] = _describe(fact)
            if not entry["description"]:
                del entry["description"]
            if schema is not None:
                entry["schema"] = schema
            out.append(entry)
    listed = {entry["status"] for entry in out}
    for fact in errors.get("always", []):
        if fact["status"] not in listed:
            entry = {"code": fact["code"], "status": fact["status"], "title": fact["title"]}
            entry["description"] = _describe(fact)
            out.append(entry)
    return out


def _known(
    errors: dict[str, Any],
    status: int,
    method: str,
    path: str,
    has_query: bool,
    has_body: bool,
) -> list[dict[str, Any]]:
    applies = {"query": has_query, "body": has_body}
    found = [
        fact
        for fact in errors.get("byStatus", {}).get(str(status), [])
        if applies.get(fact.get("when", ""), True)
    ]
    for fact in errors.get("byResource", {}).get(resource_of(path), []):
        if (fact["status"], fact.get("method", method), fact.get("path", path)) != (
            status,
            method,
            path,
        ):
            continue
        codes = [f["code"] for f in found]
        if fact["code"] in codes:
            found[codes.index(fact["code"])] = fact
        else:
            found.append(fact)
    return found


def _describe(fact: dict[str, Any]) -> str:
    parts = []
    if "number" in fact:
        parts.append(f"CF error code {fact['number']}.")
    if "detail" in fact:
        parts.append(fact["detail"])
    return " ".join(parts)
