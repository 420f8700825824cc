"""Every error the API returns: `{"error": "one sentence"}`, plus `"field"`
when one field is at fault, with the status its kind of failure calls for.

Core errors keep the sentence the CLI prints (an NPS of 11 is refused with
the same words); request-shape errors found by FastAPI are put in the same
form ("limit: must be at most 500, got 501.").
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from iqcadence.core.base import errors as core

# Core error kind → HTTP status (the first match in this order wins).
STATUS_OF: tuple[tuple[type[core.IQError], int], ...] = (
    (core.PermissionDenied, 403),
    (core.NotFound, 404),
    (core.Conflict, 409),
    (core.InvalidValue, 422),
    (core.RowsRejected, 422),
    (core.RefusedFile, 400),
    (core.StorageError, 503),
)
# A sentence naming a field starts with it: "nps: must be between 0 and 10".
_FIELD = re.compile(r"^(?:--)?([A-Za-z_][A-Za-z0-9_.-]*): ")
BUSY_RETRY_SECONDS = 1


class ApiError(Exception):
    """An error response: status, one sentence, the field at fault."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        field: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        return error_body(self.message, self.field)


def error_body(message: str, field: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"error": message}
    if field:
        body["field"] = field
    return body


def field_of(message: str) -> str | None:
    found = _FIELD.match(message)
    return found.group(1) if found else None


def from_core(exc: core.IQError) -> ApiError:
    status = next((code for kind, code in STATUS_OF if isinstance(exc, kind)), 400)
    message = exc.message[:1].upper() + exc.message[1:] if status == 503 else exc.message
    headers = {"Retry-After": str(BUSY_RETRY_SECONDS)} if status == 503 else None
    return ApiError(status, message, field=field_of(exc.message), headers=headers)


# --- FastAPI's request validation errors, in the core's words ------------------------

_WHERE = ("query", "body", "path", "header")


def _field(loc: Sequence[Any]) -> str:
    names = [str(part) for part in loc if part not in _WHERE and not isinstance(part, int)]
    # a discriminated union names the chosen model in the path: keep the data's names
    names = [n for n in names if not n[:1].isupper() and n not in _ACTIONS]
    if names[:1] == ["data"] and len(names) > 1:  # an action's fields, named as the CLI does
        names = names[1:]
    return ".".join(names) or "body"


_ACTIONS = {
    "list_customers",
    "get_customer",
    "upsert_account",
    "update_health",
    "delete_customer",
    "score_customer",
}


def from_validation(problems: Sequence[Mapping[str, Any]]) -> ApiError:
    """One sentence for the first problem FastAPI (pydantic) found."""
    if not problems:
        return ApiError(422, "The request is not valid.")
    problem = problems[0]
    kind = str(problem.get("type", ""))
    field = _field(problem.get("loc", ()))
    ctx = problem.get("ctx") or {}
    given = problem.get("input")
    if kind == "json_invalid":
        reason = ctx.get("error", "not valid JSON")
        return ApiError(400, f"body: not valid JSON ({reason}).", field="body")
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        expected = ", ".join(sorted(_ACTIONS))
        if kind == "union_tag_not_found":
            return ApiError(400, f"action: is required; one of {expected}.", field="action")
        tag = ctx.get("tag")
        return ApiError(400, f"action: {tag!r} is not one of {expected}.", field="action")
    message = _sentence(kind, field, given, ctx, str(problem.get("msg", "")))
    return ApiError(422, message, field=field)


def _sentence(kind: str, field: str, given: Any, ctx: Mapping[str, Any], msg: str) -> str:
    shown = repr(given) if isinstance(given, str) else str(given)
    if kind == "missing":
        return f"{field}: is required."
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"{field}: expected a whole number, got {shown}."
    if kind in ("float_parsing", "float_type"):
        return f"{field}: expected a number, got {shown}."
    if kind in ("bool_parsing", "bool_type"):
        return f"{field}: expected true or false, got {shown}."
    if kind == "less_than_equal":
        return f"{field}: must be at most {ctx.get('le')}, got {given}."
    if kind == "greater_than_equal":
        return f"{field}: must be at least {ctx.get('ge')}, got {given}."
    if kind in ("literal_error", "enum"):
        expected = str(ctx.get("expected", "")).replace("' or '", "', '")
        return f"{field}: {shown} is not one of {expected}."
    if kind.startswith("datetime") or kind.startswith("date_"):
        return f"{field}: {shown} is not a date and time; use ISO 8601, like 2026-03-01T00:00:00Z."
    if kind in ("model_attributes_type", "dict_type", "model_type"):
        return f"{field}: must be a JSON object."
    if kind in ("string_type", "string_sub_type"):
        return f"{field}: expected text, got {shown}."
    if kind == "string_too_long":
        return f"{field}: must be at most {ctx.get('max_length')} characters."
    if kind == "string_too_short":
        return f"{field}: must not be empty."
    if kind == "extra_forbidden":
        return f"{field}: is not a field this request takes."
    return f"{field}: {msg[:1].lower() + msg[1:]}."
