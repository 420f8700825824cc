"""What the Customer 360 record adds beside a customer's standard fields:
custom field values, owners and the open-opportunity pipeline.

`record_extras` is the one call `customers show`, the TUI record and the
record export use, so they agree on the JSON shape:

    "custom_fields": {key: typed value or null, ...}   (definition order)
    "owners": [{"email", "name", "role"}, ...]        (primary first)
    "open_pipeline": {"open_count": int, "open_amount": float}
    "alerts": [alert objects as in `alerts list --json`, snoozed/dismissed included]
    "next_action": {"rule", "action", "reason", "due", "data", "customer"}
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from iqcadence.core.accounts import custom_fields, opportunities, owners
from iqcadence.core.store.models import Customer


def record_extras(session: Session, customer: Customer) -> dict[str, Any]:
    assert customer.id is not None
    return {
        "custom_fields": custom_fields.values_json(session, customer),
        "owners": [o.to_dict() for o in owners.owners_of(session, customer)],
        "open_pipeline": opportunities.open_pipeline(session, customer.id).to_dict(),
        **_alert_extras(session, customer),
    }


def _alert_extras(session: Session, customer: Customer) -> dict[str, Any]:
    from iqcadence.core.alerts.derive import derive_alerts
    from iqcadence.core.alerts.next_action import suggest

    assert customer.id is not None
    alerts = derive_alerts(
        session,
        customer.client_id,
        customer_ids=[customer.id],
        include_snoozed=True,
        include_dismissed=True,
    )
    return {
        "alerts": [a.to_dict() for a in alerts],
        "next_action": suggest(session, customer, alerts=alerts).to_dict(),
    }
