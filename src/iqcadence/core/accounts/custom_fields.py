"""Custom fields: definitions per client, validated values per customer.

A definition has a key (lower-case, unique per client), a label, a type
(`text`, `number`, `date`, `boolean`, `dropdown`) and, for a dropdown, its
options. Values are validated against the type and stored as canonical text:
numbers as `12.5` / `3`, dates `YYYY-MM-DD`, booleans `true` / `false`,
dropdowns as the option exactly as defined. A blank value removes it.

A field is named by its key or its label (case-insensitive) everywhere:
`fields set`, `customers list --where`, and CSV import headers (`cf.<key>`
or the label). Removing a definition removes its values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from iqcadence.core.base import clock
from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import Conflict, InvalidValue, NotFound
from iqcadence.core.scoring.fields import (
    FIELDS,
    NAME_MAX_CHARS,
    NUMBER_MAX,
    check_line,
    is_blank,
    parse_date,
    parse_name,
    parse_number,
)
from iqcadence.core.store import audit
from iqcadence.core.store.models import Customer
from iqcadence.core.store.models.crm import (
    CUSTOM_FIELD_TYPES,
    CustomFieldDefinition,
    CustomFieldValue,
)

if TYPE_CHECKING:
    from iqcadence.core.accounts.customers import ChangeOutcome

IMPORT_PREFIX = "cf."
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
TRUE_WORDS = ("true", "yes", "y", "1", "on")
FALSE_WORDS = ("false", "no", "n", "0", "off")


# --- definitions -----------------------------------------------------------------


def list_fields(session: Session, client_id: int) -> list[CustomFieldDefinition]:
    """Every definition of a client, in display order."""
    return list(
        session.exec(
            select(CustomFieldDefinition)
            .where(CustomFieldDefinition.client_id == client_id)
            .order_by(col(CustomFieldDefinition.position), col(CustomFieldDefinition.id))
        ).all()
    )


def custom_field_columns(session: Session, client_id: int) -> list[CustomFieldDefinition]:
    """The definitions an export writes as columns (header `cf.<key>`), in order."""
    return list_fields(session, client_id)


def define_field(
    session: Session,
    actor: Actor,
    key: str,
    *,
    type: str = "text",
    label: str | None = None,
    options: Sequence[str] | None = None,
) -> CustomFieldDefinition:
    """Add a definition (admin only: it changes every customer's record)."""
    actor.require_admin("define custom fields")
    key = key.strip().lower()
    cleaned = check_definition(key, type, options or [])
    label = parse_name("--label", label or key.replace("_", " ").capitalize())
    existing = list_fields(session, actor.client_id)
    for other in existing:
        if other.key == key:
            raise Conflict(f"custom field {key!r} already exists.")
        if other.label.casefold() == label.casefold() or other.key == label.casefold():
            raise Conflict(f"label {label!r} is already used by custom field {other.key!r}.")
    definition = CustomFieldDefinition(
        client_id=actor.client_id,
        key=key,
        label=label,
        type=type,
        options=cleaned,
        position=max((f.position for f in existing), default=-1) + 1,
    )
    session.add(definition)
    audit.record(
        session,
        actor,
        "field.add",
        details={"key": key, "label": label, "type": type, "options": cleaned},
    )
    session.commit()
    return definition


def remove_field(session: Session, actor: Actor, name: str) -> int:
    """Remove a definition and every value of it; returns how many values went."""
    actor.require_admin("remove custom fields")
    definition = get_field(session, actor.client_id, name)
    count = int(
        session.exec(
            select(func.count())
            .select_from(CustomFieldValue)
            .where(CustomFieldValue.field_id == definition.id)
        ).one()
    )
    session.exec(delete(CustomFieldValue).where(col(CustomFieldValue.field_id) == definition.id))
    session.delete(definition)
    audit.record(
        session, actor, "field.remove", details={"key": definition.key, "values_removed": count}
    )
    session.commit()
    return count


def check_definition(key: str, type: str, options: Iterable[str]) -> list[str]:
    """Check a definition's key, type and options (as `fields add` and restore
    do); returns the options cleaned."""
    if not _KEY.match(key):
        raise InvalidValue(
            f"field key {key!r}: use lower-case letters, digits and underscores, "
            "starting with a letter (at most 40)."
        )
    if key in FIELDS:
        raise Conflict(f"field key {key!r}: that is a standard customer field.")
    if type not in CUSTOM_FIELD_TYPES:
        raise InvalidValue(f"--type: {type!r} is not one of {', '.join(CUSTOM_FIELD_TYPES)}.")
    cleaned = _clean_options(options)
    if type == "dropdown" and not cleaned:
        raise InvalidValue(
            f"field {key!r}: a dropdown needs --options (e.g. --options gold,silver)."
        )
    if type != "dropdown" and cleaned:
        raise InvalidValue(f"field {key!r}: only a dropdown takes --options (type is {type}).")
    return cleaned


def get_field(session: Session, client_id: int, name: str) -> CustomFieldDefinition:
    """A definition by key or label (case-insensitive, `cf.` prefix allowed)."""
    found = resolve_field(list_fields(session, client_id), name)
    if found is None:
        raise NotFound(_unknown(name, list_fields(session, client_id)))
    return found


def resolve_field(
    definitions: Iterable[CustomFieldDefinition], name: str
) -> CustomFieldDefinition | None:
    wanted = " ".join(name.strip().split()).casefold()
    if wanted.startswith(IMPORT_PREFIX):
        wanted = wanted[len(IMPORT_PREFIX) :]
    for definition in definitions:
        if definition.key == wanted or definition.label.casefold() == wanted:
            return definition
    return None


def _unknown(name: str, definitions: Sequence[CustomFieldDefinition]) -> str:
    known = ", ".join(d.key for d in definitions) or "none"
    return f"no custom field named {name.strip()!r} (custom fields: {known})."


def _clean_options(options: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for option in options:
        text = " ".join(check_line("--options", str(option), limit=NAME_MAX_CHARS).split())
        if text and text.casefold() not in seen:
            seen[text.casefold()] = text
    return list(seen.values())


def definition_to_dict(definition: CustomFieldDefinition) -> dict[str, Any]:
    return {
        "key": definition.key,
        "label": definition.label,
        "type": definition.type,
        "options": list(definition.options),
        "position": definition.position,
    }


# --- values --------------------------------------------------------------------


def parse_value(definition: CustomFieldDefinition, raw: Any) -> str | None:
    """Validate a raw value (text or typed) and return its stored text, or
    None for a blank value. Errors name the field and what it accepts."""
    if is_blank(raw):
        return None
    name = definition.key
    if definition.type == "text":
        text = check_line(name, str(raw).strip(), limit=None)
        if len(text) > 2000:
            raise InvalidValue(f"{name}: must be at most 2000 characters.")
        return text
    if definition.type == "number":
        number = parse_number(name, raw, minimum=-NUMBER_MAX, maximum=NUMBER_MAX)
        assert number is not None
        as_float = float(number)
        return str(int(as_float)) if as_float.is_integer() else repr(as_float)
    if definition.type == "date":
        day = parse_date(name, raw)
        assert day is not None
        return day.isoformat()
    if definition.type == "boolean":
        if isinstance(raw, bool):
            return "true" if raw else "false"
        word = str(raw).strip().casefold()
        if word in TRUE_WORDS:
            return "true"
        if word in FALSE_WORDS:
            return "false"
        raise InvalidValue(f"{name}: {str(raw)!r} is not a yes/no value; use true or false.")
    # dropdown
    text = " ".join(str(raw).split())
    for option in definition.options:
        if option.casefold() == text.casefold():
            return option
    raise InvalidValue(
        f"{name}: {text!r} is not one of the options ({', '.join(definition.options)})."
    )


def typed(definition: CustomFieldDefinition, stored: str | None) -> Any:
    """A stored value as its Python type (float, date, bool or str)."""
    if stored is None:
        return None
    if definition.type == "number":
        number = float(stored)
        return int(number) if number.is_integer() else number
    if definition.type == "date":
        return date.fromisoformat(stored)
    if definition.type == "boolean":
        return stored == "true"
    return stored


def set_custom_values(
    session: Session,
    actor: Actor,
    customer: Customer,
    values: Mapping[str, Any],
    *,
    commit: bool = True,
    definitions: Sequence[CustomFieldDefinition] | None = None,
) -> dict[str, tuple[str | None, str | None]]:
    """Set several custom values on one customer, named by key, label or
    `cf.<key>`. All are validated before any is written; one audit entry
    lists what changed. Returns {key: (before, after)} of real changes.

    Bulk callers (imports) pass `definitions` once (from
    `custom_field_columns`) and `commit=False`, committing themselves."""
    from iqcadence.core.accounts import owners

    owners.require_edit(session, actor, customer)
    assert customer.id is not None
    if definitions is None:
        definitions = list_fields(session, actor.client_id)
    parsed: dict[int, tuple[CustomFieldDefinition, str | None]] = {}
    for name, raw in values.items():
        definition = resolve_field(definitions, name)
        if definition is None:
            raise InvalidValue(_unknown(name, definitions))
        assert definition.id is not None
        parsed[definition.id] = (definition, parse_value(definition, raw))
    current = {
        row.field_id: row
        for row in session.exec(
            select(CustomFieldValue).where(CustomFieldValue.customer_id == customer.id)
        ).all()
    }
    changed: dict[str, tuple[str | None, str | None]] = {}
    for field_id, (definition, new) in parsed.items():
        row = current.get(field_id)
        old = row.value if row is not None else None
        if old == new:
            continue
        changed[definition.key] = (old, new)
        if new is None and row is not None:
            session.delete(row)
        elif row is None:
            session.add(CustomFieldValue(customer_id=customer.id, field_id=field_id, value=new))
        else:
            row.value, row.updated_at = new, clock.now()
            session.add(row)
    if changed:
        audit.record(
            session,
            actor,
            "customer.custom_fields",
            customer=customer,
            details={"changes": {k: {"from": v[0], "to": v[1]} for k, v in changed.items()}},
        )
    if commit:
        session.commit()
    return changed


def set_value(
    session: Session, actor: Actor, customer: Customer, name: str, raw: Any
) -> str | None:
    """Set one value; returns the stored text (None when cleared)."""
    set_custom_values(session, actor, customer, {name: raw})
    definition = get_field(session, actor.client_id, name)
    return get_values(session, customer, actor.client_id).get(definition.key)


def get_values(session: Session, customer: Customer, client_id: int) -> dict[str, str | None]:
    """Stored text of every defined field for one customer (None when unset),
    in definition order."""
    values = values_for_many(session, client_id, [customer.id] if customer.id else [])
    mine = values.get(customer.id or -1, {})
    return {d.key: mine.get(d.key) for d in list_fields(session, client_id)}


def values_for_many(
    session: Session, client_id: int, customer_ids: Sequence[int]
) -> dict[int, dict[str, str]]:
    """{customer_id: {key: stored text}} for set values only (exports, lists)."""
    out: dict[int, dict[str, str]] = {}
    if not customer_ids:
        return out
    definitions = {d.id: d.key for d in list_fields(session, client_id)}
    for start in range(0, len(customer_ids), 500):
        chunk = list(customer_ids[start : start + 500])
        rows = session.exec(
            select(CustomFieldValue).where(col(CustomFieldValue.customer_id).in_(chunk))
        ).all()
        for row in rows:
            key = definitions.get(row.field_id)
            if key is not None and row.value is not None:
                out.setdefault(row.customer_id, {})[key] = row.value
    return out


def display_values(session: Session, customer: Customer) -> list[dict[str, Any]]:
    """Every field with its value for a record view: key, label, type,
    options, value (typed) and text (stored, '' when unset)."""
    stored = get_values(session, customer, customer.client_id)
    return [
        {
            **definition_to_dict(definition),
            "value": typed(definition, stored.get(definition.key)),
            "text": stored.get(definition.key) or "",
        }
        for definition in list_fields(session, customer.client_id)
    ]


def values_json(session: Session, customer: Customer) -> dict[str, Any]:
    """{key: typed value} of every defined field, for a customer's JSON."""
    return {item["key"]: item["value"] for item in display_values(session, customer)}


# --- filtering (customers list --where) ---------------------------------------------


def where_sql(
    session: Session, client_id: int, where: Sequence[tuple[str, str]]
) -> tuple[list[str], dict[str, Any]]:
    """SQL clauses over `customer` for `--where field=value` pairs.

    The value is validated as the field's type, so `--where renewal=2027-1-5`
    matches a stored `2027-01-05`; text and dropdowns compare
    case-insensitively; an empty value matches customers without a value.
    """
    if not where:
        return [], {}
    definitions = list_fields(session, client_id)
    clauses: list[str] = []
    params: dict[str, Any] = {}
    for index, (name, raw) in enumerate(where):
        definition = resolve_field(definitions, name)
        if definition is None:
            raise InvalidValue(f"--where {name}: {_unknown(name, definitions)}")
        fid, val = f"cf_field_{index}", f"cf_value_{index}"
        params[fid] = definition.id
        value = parse_value(definition, raw)
        if value is None:
            clauses.append(
                "NOT EXISTS (SELECT 1 FROM custom_field_value cfv "
                f"WHERE cfv.customer_id = customer.id AND cfv.field_id = :{fid})"
            )
            continue
        compare = (
            f"LOWER(cfv.value) = :{val}"
            if definition.type in ("text", "dropdown")
            else f"cfv.value = :{val}"
        )
        params[val] = value.lower() if definition.type in ("text", "dropdown") else value
        clauses.append(
            "EXISTS (SELECT 1 FROM custom_field_value cfv WHERE cfv.customer_id = customer.id "
            f"AND cfv.field_id = :{fid} AND {compare})"
        )
    return clauses, params


# --- editing a customer's standard and custom fields together ---------------------


@dataclass
class CustomerEdit:
    """What `edit_customer` changed: `outcome` of the standard fields (None
    when only custom ones were given) and the custom values {key: (before,
    after)}."""

    customer: Customer
    outcome: ChangeOutcome | None
    custom_changed: dict[str, tuple[str | None, str | None]]


def edit_customer(
    session: Session, actor: Actor, name: str, values: Mapping[str, str]
) -> CustomerEdit:
    """Change standard fields (`fields.FIELDS`) and custom ones (by key or
    label) of a customer in one transaction: custom values are validated and
    staged first, then `customers.apply_changes` writes both, so a bad value
    anywhere leaves the customer as it was."""
    from iqcadence.core.accounts import customers

    definitions = list_fields(session, actor.client_id)
    standard = dict(values)
    custom: dict[str, str] = {}
    for key in [k for k in values if k not in FIELDS]:
        if resolve_field(definitions, key) is None:
            extra = ", ".join(d.key for d in definitions)
            raise InvalidValue(
                f"unknown field {key!r}; fields are {', '.join(FIELDS)}"
                + (f", and the custom fields {extra}." if extra else ".")
            )
        custom[key] = standard.pop(key)
    customer = customers.get_customer(session, actor, name)
    try:
        custom_changed = (
            set_custom_values(
                session, actor, customer, custom, commit=False, definitions=definitions
            )
            if custom
            else {}
        )
        outcome = None
        if standard:
            outcome = customers.apply_changes(
                session, actor, customer.name, standard, create=False, cause="edit"
            )
            customer = outcome.customer
        else:
            session.commit()
    except BaseException:
        session.rollback()  # the staged custom values too
        raise
    return CustomerEdit(customer, outcome, custom_changed)
