"""Timeline: logging, validation, filters, decay reset, tickets rule, dedupe,
health changes (single and bulk) and cascade on hard delete."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import select

from iqcadence.core.accounts import contacts, customers, event_parsing, timeline
from iqcadence.core.base.errors import InvalidValue, NotFound
from iqcadence.core.store.models import AuditEntry
from iqcadence.core.store.models.customer360 import EventSignal, TimelineEvent


def make(session: Any, actor: Any, name: str = "Acme", **values: Any) -> Any:
    base = {"logins": 20, "adoption": 60, "nps": 8, "days": 40, "tier": "mid"}
    base.update(values)
    return customers.apply_changes(session, actor, name, base).customer


def events(session: Any, customer_id: int, kind: str | None = None) -> list[TimelineEvent]:
    query = select(TimelineEvent).where(TimelineEvent.customer_id == customer_id)
    if kind:
        query = query.where(TimelineEvent.kind == kind)
    return list(session.exec(query).all())


# --- logging and validation ----------------------------------------------------------------


def test_log_note_is_stored_with_author_and_audited(session: Any, actor: Any) -> None:
    customer = make(session, actor)
    result = timeline.log_event(
        session, actor, "acme", kind="note", title="Kick-off notes", body="Went well"
    )
    assert result.created and not result.contact_reset
    stored = session.get(TimelineEvent, result.event.id)
    assert stored.customer_id == customer.id
    assert stored.author == "admin@example.com"
    assert stored.body == "Went well"
    assert stored.at.date() == date(2026, 11, 27)
    assert session.exec(select(AuditEntry).where(AuditEntry.action == "timeline.log")).one()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "fax", "title": "x"}, "kind: 'fax' is not one of"),
        ({"kind": "health_change", "title": "x"}, "written automatically"),
        ({"kind": "note", "title": "  "}, "title: must not be empty"),
        ({"kind": "ticket", "title": "x", "status": "lost"}, "status: 'lost' is not one of"),
        ({"kind": "ticket", "title": "x", "priority": "meh"}, "priority: 'meh' is not one of"),
        ({"kind": "note", "title": "x", "at": "yesterday"}, "at: 'yesterday' is not a date"),
        ({"kind": "note", "title": "x", "external_id": "1"}, "external_id: needs a source"),
    ],
)
def test_bad_events_are_refused_and_nothing_is_written(
    session: Any, actor: Any, kwargs: dict[str, Any], message: str
) -> None:
    customer = make(session, actor)
    with pytest.raises(InvalidValue) as caught:
        timeline.log_event(session, actor, "Acme", **kwargs)
    assert message in str(caught.value)
    session.rollback()
    assert events(session, customer.id) == []


def test_unknown_contact_and_customer_are_not_found(session: Any, actor: Any) -> None:
    make(session, actor)
    with pytest.raises(NotFound, match="contact 'Bob' does not exist at 'Acme'"):
        timeline.log_event(session, actor, "Acme", kind="call", title="x", contact="Bob")
    with pytest.raises(NotFound, match="customer 'Nope' does not exist"):
        timeline.log_event(session, actor, "Nope", kind="call", title="x")


def test_ticket_defaults_and_aliases(session: Any, actor: Any) -> None:
    make(session, actor)
    first = timeline.log_event(session, actor, "Acme", kind="ticket", title="Login broken")
    assert (first.event.status, first.event.priority) == ("open", "normal")
    second = timeline.log_event(
        session, actor, "Acme", kind="ticket", title="x", status="closed", priority="critical"
    )
    assert (second.event.status, second.event.priority) == ("solved", "urgent")


def test_at_accepts_dates_times_and_offsets(session: Any, actor: Any) -> None:
    make(session, actor)
    got = timeline.log_event(
        session, actor, "Acme", kind="note", title="x", at="2026-11-20T10:00:00+02:00"
    )
    assert got.event.at == datetime(2026, 11, 20, 8, 0)


# --- decay reset ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["email", "meeting", "call", "message"])
def test_contact_events_reset_days_since_contact_and_rescore(
    session: Any, actor: Any, kind: str
) -> None:
    customer = make(session, actor)
    before_score = customer.score
    result = timeline.log_event(
        session, actor, "Acme", kind=kind, title="Touch base", at="2026-11-25"
    )
    assert result.contact_reset
    session.refresh(customer)
    assert customer.days_baseline == 0
    assert customer.days_as_of == date(2026, 11, 25)
    assert customer.last_contact_date == date(2026, 11, 25)
    assert customers.signals_of(customer, date(2026, 11, 27))["days"] == 2
    assert customer.score > before_score
    audit = session.exec(select(AuditEntry).where(AuditEntry.action == "customer.timeline")).first()
    assert audit is not None and "days_baseline" in audit.details["changes"]


def test_note_future_and_older_events_do_not_reset(session: Any, actor: Any) -> None:
    customer = make(session, actor, days=10)  # last contact 2026-11-17
    timeline.log_event(session, actor, "Acme", kind="note", title="x")
    timeline.log_event(session, actor, "Acme", kind="meeting", title="QBR", at="2026-12-03")
    old = timeline.log_event(session, actor, "Acme", kind="email", title="x", at="2026-11-01")
    assert not old.contact_reset
    session.refresh(customer)
    assert customer.days_baseline == 10 and customer.days_as_of == date(2026, 11, 27)


# --- tickets rule --------------------------------------------------------------------------


def test_open_tickets_drive_the_signal_while_events_own_it(session: Any, actor: Any) -> None:
    customer = make(session, actor)  # tickets never set
    assert customer.tickets is None
    timeline.log_event(
        session, actor, "Acme", kind="ticket", title="A", source="zendesk", external_id="1"
    )
    timeline.log_event(
        session,
        actor,
        "Acme",
        kind="ticket",
        title="B",
        status="pending",
        source="zendesk",
        external_id="2",
    )
    session.refresh(customer)
    assert customer.tickets == 2
    assert session.get(EventSignal, (customer.id, "tickets")).value == 2
    # the re-imported ticket is solved: the count follows
    again = timeline.log_event(
        session,
        actor,
        "Acme",
        kind="ticket",
        title="A",
        status="solved",
        source="zendesk",
        external_id="1",
    )
    assert not again.created and again.updated and again.tickets == 1
    session.refresh(customer)
    assert customer.tickets == 1
    assert len(events(session, customer.id, "ticket")) == 2


def test_tickets_set_by_another_source_are_left_alone(session: Any, actor: Any) -> None:
    customer = make(session, actor, tickets=4)  # set by score/CSV
    result = timeline.log_event(session, actor, "Acme", kind="ticket", title="A")
    assert result.tickets is None
    session.refresh(customer)
    assert customer.tickets == 4
    # events took it over, then a CSV import set another value: events step back
    customers.apply_changes(session, actor, "Acme", {"tickets": ""})
    timeline.log_event(session, actor, "Acme", kind="ticket", title="B")
    session.refresh(customer)
    assert customer.tickets == 2
    customers.apply_changes(session, actor, "Acme", {"tickets": 7}, cause="import")
    timeline.log_event(session, actor, "Acme", kind="ticket", title="C")
    session.refresh(customer)
    assert customer.tickets == 7


# --- dedupe -------------------------------------------------------------------------------


def test_reimporting_the_same_event_never_duplicates(session: Any, actor: Any) -> None:
    customer = make(session, actor)
    kwargs: dict[str, Any] = {
        "kind": "email",
        "title": "Renewal",
        "at": "2026-11-20T09:00",
        "source": "gmail",
        "external_id": "msg-1",
    }
    first = timeline.log_event(session, actor, "Acme", **kwargs)
    second = timeline.log_event(session, actor, "Acme", **kwargs)
    assert first.created and not second.created and not second.updated
    assert second.event.id == first.event.id
    assert len(events(session, customer.id, "email")) == 1
    # without a source, two events are two events
    timeline.log_event(session, actor, "Acme", kind="email", title="Renewal")
    timeline.log_event(session, actor, "Acme", kind="email", title="Renewal")
    assert len(events(session, customer.id, "email")) == 3


# --- reading ---------------------------------------------------------------------------------


def test_list_events_newest_first_with_filters(session: Any, actor: Any) -> None:
    make(session, actor)
    contacts.add_contact(session, actor, "Acme", "Ana Ruiz", email="ana@acme.test")
    timeline.log_event(session, actor, "Acme", kind="email", title="old", at="2026-08-01")
    timeline.log_event(
        session, actor, "Acme", kind="call", title="mid", at="2026-11-10", contact="ana ruiz"
    )
    timeline.log_event(
        session, actor, "Acme", kind="note", title="new", at="2026-11-26", author="bo@x.test"
    )
    titles = [e.title for e in timeline.list_events(session, actor, "Acme")]
    assert titles == ["new", "mid", "old"]
    assert [e.title for e in timeline.list_events(session, actor, "Acme", since="30d")] == [
        "new",
        "mid",
    ]
    assert [e.title for e in timeline.list_events(session, actor, "Acme", until="2026-11-10")] == [
        "mid",
        "old",
    ]
    assert [e.title for e in timeline.list_events(session, actor, "Acme", kinds=["call"])] == [
        "mid"
    ]
    assert [
        e.title for e in timeline.list_events(session, actor, "Acme", contact="ana@acme.test")
    ] == ["mid"]
    assert [e.title for e in timeline.list_events(session, actor, "Acme", author="BO@x.test")] == [
        "new"
    ]
    rows = timeline.event_dicts(session, timeline.list_events(session, actor, "Acme"))
    assert rows[1]["contact"] == "Ana Ruiz" and rows[1]["kind"] == "call"
    with pytest.raises(InvalidValue, match="--since"):
        timeline.list_events(session, actor, "Acme", since="lately")


def test_parse_since_periods() -> None:
    assert event_parsing.parse_since("7d", date(2026, 11, 27)) == datetime(2026, 11, 20)
    assert event_parsing.parse_since("90d", date(2026, 11, 27)) == datetime(2026, 8, 29)
    assert event_parsing.parse_since("2026-01-05") == datetime(2026, 1, 5)


# --- health changes ----------------------------------------------------------------------------


def test_band_move_writes_a_health_change_event(session: Any, actor: Any) -> None:
    customer = make(session, actor, logins=30, adoption=90, nps=10, days=1)
    assert customer.band == "expansion"
    assert events(session, customer.id, "health_change") == []  # creation is not a move
    customers.apply_changes(session, actor, "Acme", {"logins": 0, "adoption": 5, "nps": 2})
    (event,) = events(session, customer.id, "health_change")
    assert event.properties["from"] == "expansion"
    assert event.properties["to"] == customer.band
    assert event.properties["cause"] == "score"
    moved = {s["signal"]: (s["from"], s["to"]) for s in event.properties["signals"]}
    assert moved == {"logins": (30, 0), "adoption": (90.0, 5.0), "nps": (10, 2)}
    assert event.title.startswith("Health moved from Expansion to ")
    # a change that keeps the band writes nothing
    customers.apply_changes(session, actor, "Acme", {"logins": 1})
    assert len(events(session, customer.id, "health_change")) == 1


def test_bulk_rescore_writes_health_changes(session: Any, actor: Any) -> None:
    from iqcadence.core.accounts import rescore
    from iqcadence.core.store import settings

    a = make(session, actor, "A", logins=30, adoption=48, nps=None, days=None, tier=None)
    b = make(session, actor, "B", logins=30, adoption=90, nps=None, days=None, tier=None)
    assert a.band == "healthy" and b.band == "expansion"  # 74.0 and 95.0
    config = settings.load_scoring_config(session, actor.client_id)
    from dataclasses import replace

    settings.save_scoring_config(
        session,
        actor,
        replace(config, thresholds={"at_risk": 25, "watch": 50, "healthy": 75, "expansion": 96}),
    )
    rescore.rescore_all(session, actor)
    got = {e.customer_id: e for e in events(session, a.id, "health_change")}
    got.update({e.customer_id: e for e in events(session, b.id, "health_change")})
    assert got[a.id].properties["from"] == "healthy"
    assert got[a.id].properties["to"] == "watch"
    assert got[b.id].properties["to"] == "healthy"
    assert got[b.id].properties["cause"] == "rescore"
    assert got[a.id].properties["signals"] == []
    assert got[a.id].title == "Health moved from Healthy to Watch"
    assert got[a.id].at.date() == date(2026, 11, 27)
    assert got[a.id].author == "admin@example.com"


# --- cascade ----------------------------------------------------------------------------------


def test_hard_delete_removes_events_contacts_and_signal_marks(session: Any, actor: Any) -> None:
    customer = make(session, actor)
    contacts.add_contact(session, actor, "Acme", "Ana")
    timeline.log_event(session, actor, "Acme", kind="ticket", title="x", contact="Ana")
    customer_id = customer.id
    customers.delete_customer(session, actor, "Acme")
    conn = session.connection()
    for table in ("timeline_event", "contact", "event_signal"):
        count = conn.execute(
            text(f"SELECT COUNT(*) FROM {table} WHERE customer_id = :c"), {"c": customer_id}
        ).scalar_one()
        assert count == 0, table


def test_observers_cannot_log_but_co_owners_can(session: Any, actor: Any) -> None:
    from dataclasses import replace

    from iqcadence.core.base.errors import PermissionDenied
    from iqcadence.core.store import users

    owners = pytest.importorskip("iqcadence.core.accounts.owners")
    make(session, actor)
    users.add_user(session, actor, "obs@example.com", role="csm")
    users.add_user(session, actor, "co@example.com", role="csm")
    owners.set_owners(
        session,
        actor,
        "Acme",
        primary="admin@example.com",
        co_owners=["co@example.com"],
        observers=["obs@example.com"],
    )
    observer = replace(actor, email="obs@example.com", role="csm")
    with pytest.raises(PermissionDenied, match="observes 'Acme'"):
        timeline.log_event(session, observer, "Acme", kind="note", title="x")
    with pytest.raises(PermissionDenied):
        contacts.add_contact(session, observer, "Acme", "Ana")
    co_owner = replace(actor, email="co@example.com", role="csm")
    assert timeline.log_event(session, co_owner, "Acme", kind="note", title="ok").created
