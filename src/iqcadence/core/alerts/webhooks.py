"""Per-event webhooks (the Zapier path): one URL per event type receiving a
JSON payload for every occurrence, whatever the rules say.

Payload: `{"idempotency_key", "event": {"type", "param", "reason", "at"},
"rule": null, "customer": {customer JSON}, "before": {...}, "after": {...}}`
where before/after are the event facts (score, band, lifecycle, nps, days,
renewal_date, renewal_days). The URL lives in the keyring.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from iqcadence.core.alerts.connections import check_url, keyring_name_for
from iqcadence.core.alerts.events import EventSpec, parse_event
from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import IQError, NotFound
from iqcadence.core.store import audit, secrets
from iqcadence.core.store.models.alerts import EventWebhook


def list_webhooks(session: Session, client_id: int) -> list[EventWebhook]:
    return list(
        session.exec(
            select(EventWebhook)
            .where(EventWebhook.client_id == client_id)
            .order_by(col(EventWebhook.event))
        ).all()
    )


def set_webhook(session: Session, actor: Actor, event: str, url: str) -> EventWebhook:
    """Point an event type (optionally with its parameter: `health_below:40`)
    at a URL, replacing any earlier one."""
    actor.require_write("set webhooks")
    spec = parse_event(event)
    value = check_url(url, "URL")
    secret = keyring_name_for(actor.client_id, "webhook", spec.type)
    secrets.set_secret(secret, value)
    hook = session.exec(
        select(EventWebhook).where(
            EventWebhook.client_id == actor.client_id, EventWebhook.event == spec.type
        )
    ).first()
    if hook is None:
        hook = EventWebhook(
            client_id=actor.client_id, event=spec.type, keyring_name=secret, created_by=actor.email
        )
    hook.param, hook.target, hook.keyring_name = spec.param, secrets.mask(value), secret
    session.add(hook)
    audit.record(
        session,
        actor,
        "webhook.set",
        details={"event": spec.type, "param": spec.param, "target": hook.target},
    )
    session.commit()
    return hook


def unset_webhook(session: Session, actor: Actor, event: str) -> None:
    actor.require_write("remove webhooks")
    spec = parse_event(event)
    hook = session.exec(
        select(EventWebhook).where(
            EventWebhook.client_id == actor.client_id, EventWebhook.event == spec.type
        )
    ).first()
    if hook is None:
        raise NotFound(f"no webhook is set for {spec.type}.")
    try:
        secrets.delete_secret(hook.keyring_name)
    except IQError:
        pass
    session.delete(hook)
    audit.record(session, actor, "webhook.unset", details={"event": spec.type})
    session.commit()


def webhook_spec(hook: EventWebhook) -> EventSpec:
    return EventSpec(hook.event, hook.param)


def webhook_to_dict(hook: EventWebhook) -> dict[str, Any]:
    return {
        "event": hook.event,
        "param": hook.param,
        "target": secrets.mask(hook.target),
        "keyring_entry": hook.keyring_name,
        "env_override": secrets.env_name(hook.keyring_name),
        "secret_source": secrets.secret_source(hook.keyring_name),
        "created_by": hook.created_by,
    }
