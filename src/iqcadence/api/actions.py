"""The API's actions over the core services the CLI calls, shared by
`/api-inbound` and `/v1`. Each takes a session, the key's actor and the
validated request, and returns the response body and the customer it was
about. Writes are left uncommitted: the caller commits them together with
the response kept for an `Idempotency-Key`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC
from typing import TYPE_CHECKING, Any

from iqcadence.api import schemas
from iqcadence.core.accounts import customers, history, shape, timeline
from iqcadence.core.alerts import derive
from iqcadence.core.base import clock
from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import InvalidValue
from iqcadence.core.read import customer360, customer_counts, customer_pages, customer_row
from iqcadence.core.scoring.fields import FIELDS
from iqcadence.core.scoring.formula import SIGNALS

if TYPE_CHECKING:
    from sqlmodel import Session

    from iqcadence.core.store.models import Customer

# The reference protocol's field names that differ from the core's.
ALIASES = {"since": "customer_since"}
SORTS = {
    "updated_at": "updated",
    "name": "name",
    "score": "score",
    "mrr": "mrr",
    "arr": "arr",
    "created_at": "created",
}
SCORED = frozenset((*SIGNALS, "score"))
# Fields a PUT leaves out are cleared; these keep a value of their own.
NOT_CLEARED = ("name", "lifecycle")


@dataclass
class Outcome:
    body: dict[str, Any]
    customer_id: int | None = None
    customer_name: str | None = None
    status: int = 200


def _about(body: dict[str, Any], customer: Customer) -> Outcome:
    return Outcome(body, customer.id, customer.name)


def customer_object(session: Session, customer: Customer) -> dict[str, Any]:
    """The `customers list --json` object of one customer."""
    assert customer.id is not None
    moved = history.momentum_for(session, [{"id": customer.id, "score": customer.score}])
    return shape.customer_to_dict(customer, momentum=moved.get(customer.id))


def find(session: Session, actor: Actor, customer_id: int | None, name: str | None) -> Customer:
    """The customer with this id, else this name, in the key's client."""
    if customer_id is not None:
        return customers.customer_by_id(session, actor, customer_id)
    if name is None or not name.strip():
        raise InvalidValue("id: give the customer's id or name.")
    return customers.get_customer(session, actor, name)


def field_values(data: Mapping[str, Any]) -> dict[str, Any]:
    """Request fields as core field names; an unknown one is refused."""
    values: dict[str, Any] = {}
    for key, value in data.items():
        name = ALIASES.get(key, key)
        if name not in FIELDS:
            raise InvalidValue(
                f"{key}: not a customer field; fields are {', '.join(FIELDS)} (and since)."
            )
        if name in values:
            raise InvalidValue(f"{key}: given twice (as {name} and an alias).")
        values[name] = value
    return values


# --- reading -------------------------------------------------------------------------------


def list_customers(session: Session, actor: Actor, query: schemas.ListFilters) -> Outcome:
    since = query.updated_since
    if since is not None and since.tzinfo is not None:
        since = since.astimezone(UTC).replace(tzinfo=None)
    chosen = customer_pages.CustomerFilter(
        band=_value(query.status),
        lifecycle=_value(query.lifecycle),
        tier=_value(query.tier),
        manager=query.manager,
        tag=query.tag,
        search=query.search,
        updated_since=since,
    )
    rows = customer_pages.list_customers(
        session,
        actor.client_id,
        chosen,
        sort=SORTS[str(_value(query.sort))],
        desc=_value(query.order) == "desc",
        limit=query.limit,
        offset=query.offset,
    )
    moved = history.momentum_for(session, rows)
    today = clock.today()
    items = [
        shape.customer_to_dict(row, today=today, momentum=moved.get(int(row["id"]))) for row in rows
    ]
    if 0 < len(items) < query.limit or (not items and query.offset == 0 and query.limit):
        total = query.offset + len(items)  # the list ends on this page: no count needed
    else:
        total = customer_counts.count_customers(session, actor.client_id, chosen)
    return Outcome(
        {"customers": items, "total": total, "limit": query.limit, "offset": query.offset}
    )


def _value(choice: Any) -> Any:
    return None if choice is None else str(choice.value if hasattr(choice, "value") else choice)


def get_customer(
    session: Session, actor: Actor, customer_id: int | None, name: str | None
) -> Outcome:
    row = customer_row.customer_row(session, actor.client_id, customer_id=customer_id, name=name)
    if row is None:
        find(session, actor, customer_id, name)  # says what is missing, as the CLI does
        raise AssertionError("a customer read as missing was found")
    moved = history.momentum_for(session, [row])
    shown = shape.customer_to_dict(row, momentum=moved.get(int(row["id"])))
    return Outcome({"customer": shown}, int(row["id"]), str(row["name"]))


def customer_record(session: Session, actor: Actor, customer_id: int) -> Outcome:
    """The `customers show --json` object."""
    customer = customers.customer_by_id(session, actor, customer_id)
    return _about({"customer": customer360.detail(session, actor, customer)}, customer)


# --- writing ---------------------------------------------------------------------------------


def upsert_account(session: Session, actor: Actor, data: Mapping[str, Any]) -> Outcome:
    """Create the customer named `name`, or update it (or the one with `id`)."""
    given = dict(data)
    customer_id = given.pop("id", None)
    values = field_values(given)
    if customer_id is not None:
        current = customers.customer_by_id(session, actor, int(customer_id))
        target, create = current.name, False
    else:
        name = values.get("name")
        if name is None or not str(name).strip():
            raise InvalidValue("name: is required to create or find a customer.")
        target, create = str(name), True
        if customers.find_customer(session, actor.client_id, target) is not None:
            values.pop("name")  # the same name in another case or spacing: no rename
    outcome = customers.apply_changes(
        session, actor, target, values, create=create, cause="api", commit=False
    )
    body = {
        "customer": customer_object(session, outcome.customer),
        "created": outcome.created,
        "rescored": bool(SCORED & values.keys()) or outcome.created,
    }
    return _about(body, outcome.customer)


def update_fields(
    session: Session, actor: Actor, customer: Customer, values: Mapping[str, Any]
) -> Outcome:
    """Change fields of one customer (field names already the core's)."""
    outcome = customers.apply_changes(
        session, actor, customer.name, values, create=False, cause="api", commit=False
    )
    body = {
        "customer": customer_object(session, outcome.customer),
        "rescored": bool(SCORED & values.keys()),
    }
    return _about(body, outcome.customer)


def update_health(session: Session, actor: Actor, data: schemas.HealthData) -> Outcome:
    customer = find(session, actor, data.id, data.name)
    return update_fields(session, actor, customer, field_values({data.field: data.value}))


def replace_fields(
    session: Session, actor: Actor, customer: Customer, data: Mapping[str, Any]
) -> Outcome:
    """PUT: the given fields, and every other standard field cleared."""
    values = field_values(data)
    if values.get("name") is None:
        raise InvalidValue("name: is required (PUT replaces every field).")
    cleared = {name: None for name in FIELDS if name not in NOT_CLEARED}
    cleared["lifecycle"] = "active"
    return update_fields(session, actor, customer, {**cleared, **values})


def trash(session: Session, actor: Actor, customer: Customer) -> Outcome:
    """Soft delete: to the trash, recoverable with `customers restore`."""
    trashed = customers.set_status(session, actor, customer.name, "trash", commit=False)
    return _about({"customer": customer_object(session, trashed)}, trashed)


def rescore(session: Session, actor: Actor, customer: Customer, include_override: bool) -> Outcome:
    """A full rescore with the saved weights (a manual score stays unless
    `include_override`)."""
    values: dict[str, Any] = {"score": ""} if include_override else {}
    outcome = customers.apply_changes(
        session, actor, customer.name, values, create=False, cause="rescore", commit=False
    )
    return _about({"customer": customer_object(session, outcome.customer)}, outcome.customer)


# --- timeline events and alerts --------------------------------------------------------


def log_event(session: Session, actor: Actor, event: schemas.EventIn) -> Outcome:
    """One timeline event, as `import events` writes each row (a contact
    resets days since contact; a ticket moves the tickets signal; the same
    source + external_id updates instead of adding)."""
    customer = find(session, actor, event.customer_id, event.customer)
    result = timeline.log_event(
        session,
        actor,
        customer,
        kind=event.kind,
        title=event.title,
        body=event.body,
        contact=event.contact,
        at=event.at,
        status=event.status,
        priority=event.priority,
        properties=event.properties,
        source=event.source,
        external_id=event.external_id,
        author=event.author,
        commit=False,
    )
    shown = timeline.event_dicts(session, [result.event])[0]
    body = {"event": shown, "created": result.created, "updated": result.updated}
    return Outcome(body, customer.id, customer.name, 201 if result.created else 200)


def list_alerts(session: Session, actor: Actor, filters: schemas.AlertFilters) -> Outcome:
    """Current alerts, as `alerts list --json` gives them."""
    ids = None
    if filters.customer_id is not None:
        ids = [customers.customer_by_id(session, actor, filters.customer_id).id or 0]
    alerts = derive.derive_alerts(
        session,
        actor.client_id,
        customer_ids=ids,
        manager=filters.manager,
        category=_value(filters.category),
        severity=_value(filters.severity),
        include_snoozed=filters.include_snoozed,
        include_dismissed=filters.include_snoozed,
    )
    return Outcome({"alerts": [a.to_dict() for a in alerts]})
