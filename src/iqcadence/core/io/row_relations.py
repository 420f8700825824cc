"""Restore rules over more than one value: a row's columns together (a name
and its key, a playbook's definition), or other rows (at least one admin, a
customer's scoring profile, a custom field's definition, a rule's channels).

A row rule raises InvalidValue with a sentence that starts with the column
at fault; a table rule raises `Refusal`, which may name a row.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from iqcadence.core.accounts import custom_fields
from iqcadence.core.accounts.customers import name_key as customer_name_key_of
from iqcadence.core.accounts.playbooks import spec_from_dict
from iqcadence.core.accounts.tasks import TITLE_MAX
from iqcadence.core.accounts.timeline import MAX_STATUS
from iqcadence.core.alerts.config import ALERTS_KEY, parse_alert_block
from iqcadence.core.alerts.connections import name_key as notify_name_key_of
from iqcadence.core.alerts.connections import parse_addresses
from iqcadence.core.alerts.events import EventSpec, parse_event
from iqcadence.core.alerts.rules import check_rule_name
from iqcadence.core.base.errors import InvalidValue
from iqcadence.core.io import value_checks as v
from iqcadence.core.scoring.formula import SIGNALS, ScoringConfig, validate_weights
from iqcadence.core.store.api_keys import (
    DEFAULT_BURST,
    DEFAULT_RATE,
    LIMITS_KEY,
    check_limits,
    clean_key_name,
)
from iqcadence.core.store.api_replay import check_key as check_idempotency_key
from iqcadence.core.store.clients import clean_client_name
from iqcadence.core.store.display import DISPLAY_KEY, DisplaySettings
from iqcadence.core.store.mail import SMTP_KEY, SmtpSettings
from iqcadence.core.store.models.crm import CustomFieldDefinition
from iqcadence.core.store.models.customer360 import TICKET_STATUSES
from iqcadence.core.store.settings import SCORING_KEY

T = TypeVar("T")
_SHA256 = re.compile(r"[0-9a-f]{64}")
Row = Mapping[str, Any]
Rows = Mapping[str, tuple[list[str], list[tuple[Any, ...]]]]


class Refusal(Exception):
    """A table rule's reason, about the table or one of its rows (0-based)."""

    def __init__(self, message: str, index: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.index = index


class BackupRows:
    """The decoded rows of a backup, as dictionaries, for rules that look at
    other rows; what a rule derives from them is built once."""

    def __init__(self, tables: Rows) -> None:
        self._tables = tables
        self._rows: dict[str, list[dict[str, Any]]] = {}
        self._derived: dict[str, Any] = {}

    def rows(self, table: str) -> list[dict[str, Any]]:
        if table not in self._rows:
            names, rows = self._tables.get(table, ([], []))
            self._rows[table] = [dict(zip(names, row, strict=True)) for row in rows]
        return self._rows[table]

    def derived(self, key: str, build: Callable[[BackupRows], T]) -> T:
        if key not in self._derived:
            self._derived[key] = build(self)
        found: T = self._derived[key]
        return found


@dataclass(frozen=True)
class RowRule:
    columns: tuple[str, ...]
    check: Callable[[Row, BackupRows], None]


TableRule = Callable[[BackupRows], None]


# --- one row --------------------------------------------------------------------------


def _name_key(key_of: Callable[[str], str]) -> RowRule:
    """`name_key` is the name trimmed and case-folded: names are unique in any case."""

    def check(row: Row, _backup: BackupRows) -> None:
        name, key = row.get("name"), row.get("name_key")
        if name is not None and key is not None and key != key_of(name):
            raise InvalidValue(
                f"name_key: {v.shown(key)} is not the key of the name {v.shown(name)} "
                f"({v.shown(key_of(name))}), which keeps names unique in any case."
            )

    return RowRule(("name_key",), check)


customer_name_key = _name_key(customer_name_key_of)
notify_name_key = _name_key(notify_name_key_of)


def full_weights(field: str, value: Any) -> None:
    v.weights(field, value)
    validate_weights({name: value.get(name, 0) for name in SIGNALS}, what=field)


def field_key(field: str, value: Any) -> None:
    custom_fields.check_definition(value, "text", [])


def field_options(row: Row, _backup: BackupRows) -> None:
    custom_fields.check_definition(row["key"], row["type"], row.get("options") or [])


def _event_status(row: Row, _backup: BackupRows) -> None:
    status = row.get("status")
    if status is None:
        return
    if row.get("kind") == "ticket":
        v.one_of(TICKET_STATUSES)("status", status)
    else:
        v.line_up_to(MAX_STATUS)("status", status)


event_status = RowRule(("status",), _event_status)


def _signal_value(row: Row, _backup: BackupRows) -> None:
    if row.get("value") is not None:
        v.signal(row["signal"])("value", row["value"])


signal_value = RowRule(("value",), _signal_value)


def _api_limits(block: Mapping[str, Any]) -> object:
    rate = block.get("rate_per_second", DEFAULT_RATE)
    burst = block.get("burst", DEFAULT_BURST)
    if isinstance(rate, bool) or not isinstance(rate, int | float):
        raise InvalidValue(f"rate_per_second: expected a number, got {v.shown(rate)}.")
    if isinstance(burst, bool) or not isinstance(burst, int):
        raise InvalidValue(f"burst: expected a whole number, got {v.shown(burst)}.")
    return check_limits(float(rate), burst)


_SETTING_PARSERS: Mapping[str, Callable[[Mapping[str, Any]], object]] = {
    SCORING_KEY: ScoringConfig.from_dict,
    ALERTS_KEY: parse_alert_block,
    SMTP_KEY: SmtpSettings.from_dict,
    DISPLAY_KEY: DisplaySettings.from_dict,
    LIMITS_KEY: _api_limits,
}


def _setting_block(row: Row, _backup: BackupRows) -> None:
    """The blocks lower layers read are read as they would be; the others
    (`decay`, `reports`, `demo`) are plain objects, read with defaults by
    layers `io` cannot reach."""
    parse = _SETTING_PARSERS.get(row["key"])
    if parse is not None:
        try:
            parse(row["value"])
        except InvalidValue as exc:
            raise InvalidValue(f"value: {exc.message}") from None


setting_block = RowRule(("value",), _setting_block)


def _playbook_spec(row: Row, _backup: BackupRows) -> None:
    data = {key: row[key] for key in ("name", "description", "enabled", "steps") if key in row}
    try:
        spec = spec_from_dict(data, source="playbook")
    except InvalidValue as exc:
        raise InvalidValue(exc.message.removeprefix("playbook: ")) from None
    for number, step in enumerate(spec.steps, start=1):
        if len(step.title) > TITLE_MAX:  # a task's title, once the step is started
            raise InvalidValue(f"steps[{number}].title: must be at most {TITLE_MAX} characters.")


playbook_spec = RowRule(("name", "description", "enabled", "steps"), _playbook_spec)


def run_trigger(field: str, value: Any) -> None:
    if value != "manual":
        v.condition(field, value)


def rule_name(field: str, value: Any) -> None:
    v.line(field, value)
    check_rule_name(value)


def _rule_parts(row: Row, _backup: BackupRows) -> None:
    kind = row.get("kind", "events")
    if kind == "events" and not row.get("events"):
        raise InvalidValue("events: a rule of kind events needs at least one event.")
    if kind == "custom" and not row.get("conditions"):
        raise InvalidValue("conditions: a custom rule needs at least one condition.")
    if not row.get("channels"):
        raise InvalidValue("channels: a rule needs at least one saved connection.")


rule_parts = RowRule(("kind",), _rule_parts)


def _email_targets(row: Row, _backup: BackupRows) -> None:
    if row.get("kind") == "email":
        v.parsed_as_stored(lambda text: ", ".join(parse_addresses(text)))("target", row["target"])


email_targets = RowRule(("target",), _email_targets)


def _webhook_param(row: Row, _backup: BackupRows) -> None:
    label = EventSpec(row["event"], row.get("param")).label()
    v.parsed_as_stored(lambda text: parse_event(text).label())("param", label)


webhook_param = RowRule(("param",), _webhook_param)


def client_name(field: str, value: Any) -> None:
    v.line(field, value)
    clean_client_name(value)


def api_key_name(field: str, value: Any) -> None:
    v.line(field, value)
    clean_key_name(value)


def idempotency_key(field: str, value: Any) -> None:
    check_idempotency_key(value)


def sha256_hex(field: str, value: Any) -> None:
    if not _SHA256.fullmatch(value):
        raise InvalidValue(f"{field}: {v.shown(value)} is not a SHA-256 (64 hexadecimal digits).")


# --- other rows -----------------------------------------------------------------------


def unique_in_any_case(table: str, column: str, *, within: str | None = None) -> TableRule:
    """Names a command finds in any case (clients, API keys) are unique so."""

    def check(backup: BackupRows) -> None:
        seen: dict[tuple[Any, str], Any] = {}
        for index, row in enumerate(backup.rows(table)):
            key = (row.get(within) if within else None, customer_name_key_of(str(row[column])))
            if key in seen:
                raise Refusal(
                    f"{column}: {v.shown(row[column])} is {v.shown(seen[key])} in another case",
                    index,
                )
            seen[key] = row[column]

    return check


def _by_client(table: str, column: str) -> Callable[[BackupRows], dict[Any, set[Any]]]:
    def build(backup: BackupRows) -> dict[Any, set[Any]]:
        found: dict[Any, set[Any]] = {}
        for other in backup.rows(table):
            found.setdefault(other["client_id"], set()).add(other[column])
        return found

    return build


def _profile_exists(row: Row, backup: BackupRows) -> None:
    profile = row.get("scoring_profile")
    if profile is None:
        return
    names = backup.derived("profiles", _by_client("scoring_profile", "name"))
    known = names.get(row["client_id"], set())
    if profile not in known:
        raise InvalidValue(
            f"scoring_profile: {v.shown(profile)} is not a scoring profile of its client "
            f"(profiles: {', '.join(sorted(known)) or 'none'})."
        )


profile_exists = RowRule(("scoring_profile",), _profile_exists)


def _channels_exist(row: Row, backup: BackupRows) -> None:
    names = backup.derived("connections", _by_client("notify_connection", "name"))
    known = names.get(row["client_id"], set())
    for channel in row.get("channels") or []:
        if channel not in known:
            raise InvalidValue(
                f"channels: {v.shown(channel)} is not a saved connection of its client "
                f"(connections: {', '.join(sorted(known)) or 'none'})."
            )


channels_exist = RowRule(("channels",), _channels_exist)


def _definitions(backup: BackupRows) -> dict[Any, CustomFieldDefinition]:
    return {
        row["id"]: CustomFieldDefinition(**row) for row in backup.rows("custom_field_definition")
    }


def _custom_value(row: Row, backup: BackupRows) -> None:
    value = row.get("value")
    if value is None:
        return
    v.line("value", value)  # as long as a text field may be
    definition = backup.derived("definitions", _definitions)[row["field_id"]]
    try:
        stored = custom_fields.parse_value(definition, value)
    except InvalidValue as exc:
        raise InvalidValue(f"value: {exc.message}") from None
    if stored != value:
        raise InvalidValue(
            f"value: {v.shown(value)} is not in the form iqcadence stores a {definition.type} "
            f"of field {definition.key!r} ({v.shown(stored)})."
        )


custom_value = RowRule(("value",), _custom_value)


def an_admin(backup: BackupRows) -> None:
    users = backup.rows("user")
    if not any(user.get("role") == "admin" for user in users):
        raise Refusal(
            f"role: none of the {len(users)} users is an admin, and only an admin can "
            "manage users or restore a backup"
        )


def labels_unique(backup: BackupRows) -> None:
    """A custom field is named by its key or its label in any case, so no label
    may repeat another field's label or key (as `fields add` refuses)."""
    seen: dict[tuple[Any, str], str] = {}
    rows = backup.rows("custom_field_definition")
    for row in rows:
        seen[(row["client_id"], row["key"])] = row["key"]
    for index, row in enumerate(rows):
        name = (row["client_id"], " ".join(str(row.get("label", "")).split()).casefold())
        other = seen.get(name)
        if other is not None and other != row["key"]:
            raise Refusal(f"label: {v.shown(row.get('label'))} names field {other!r} too", index)
        seen[name] = row["key"]
