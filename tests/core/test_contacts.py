"""Contacts: add/list/edit/remove, uniqueness, validation, last contact and
contact health derived from the timeline."""

from __future__ import annotations

from typing import Any

import pytest

from iqcadence.core.accounts import contacts, customers, timeline
from iqcadence.core.base.errors import Conflict, InvalidValue, NotFound
from iqcadence.core.store.models.customer360 import Contact, TimelineEvent


@pytest.fixture
def acme(session: Any, actor: Any) -> Any:
    return customers.apply_changes(session, actor, "Acme", {"logins": 10}).customer


def test_add_and_list(session: Any, actor: Any, acme: Any) -> None:
    contacts.add_contact(
        session, actor, "acme", "  Ana   Ruiz ", role="Champion", email="Ana@Acme.test"
    )
    contacts.add_contact(session, actor, acme, "Bo", role="tech", phone=" +1 555 ")
    listed = contacts.list_contacts(session, actor, "Acme")
    assert [(c.name, c.role, c.email, c.phone) for c in listed] == [
        ("Ana Ruiz", "champion", "ana@acme.test", None),
        ("Bo", "technical", None, "+1 555"),
    ]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"name": " "}, InvalidValue, "contact name: must not be empty"),
        ({"name": "X", "role": "boss"}, InvalidValue, "role: 'boss' is not one of champion"),
        ({"name": "X", "email": "nope"}, InvalidValue, "email: 'nope' is not an e-mail"),
        ({"name": "ana ruiz"}, Conflict, "already has a contact named 'Ana Ruiz'"),
        ({"name": "X", "email": "ANA@acme.test"}, Conflict, "already belongs to 'Ana Ruiz'"),
    ],
)
def test_refusals(
    session: Any, actor: Any, acme: Any, kwargs: dict[str, Any], error: type, message: str
) -> None:
    contacts.add_contact(session, actor, "Acme", "Ana Ruiz", email="ana@acme.test")
    with pytest.raises(error) as caught:
        contacts.add_contact(session, actor, "Acme", **kwargs)
    assert message in str(caught.value)
    session.rollback()
    assert len(contacts.list_contacts(session, actor, "Acme")) == 1


def test_same_email_at_two_customers_is_fine(session: Any, actor: Any, acme: Any) -> None:
    customers.apply_changes(session, actor, "Globex", {"logins": 1})
    contacts.add_contact(session, actor, "Acme", "Ana", email="ana@x.test")
    contacts.add_contact(session, actor, "Globex", "Ana", email="ana@x.test")
    for name in ("Acme", "Globex"):
        listed = contacts.list_contacts(session, actor, name)
        assert [(c.name, c.email) for c in listed] == [("Ana", "ana@x.test")]


def test_edit_and_clear(session: Any, actor: Any, acme: Any) -> None:
    contacts.add_contact(session, actor, "Acme", "Ana", role="billing", email="a@acme.test")
    edited = contacts.edit_contact(
        session, actor, "Acme", "ana", new_name="Ana Ruiz", role="champion", phone="123"
    )
    assert (edited.name, edited.role, edited.phone, edited.email) == (
        "Ana Ruiz",
        "champion",
        "123",
        "a@acme.test",
    )
    cleared = contacts.edit_contact(session, actor, "Acme", "a@acme.test", email="", role="")
    assert cleared.email is None and cleared.role is None
    with pytest.raises(NotFound, match="contact 'Zed' does not exist at 'Acme'"):
        contacts.edit_contact(session, actor, "Acme", "Zed", role="billing")


def test_remove_keeps_events_unlinked(session: Any, actor: Any, acme: Any) -> None:
    contacts.add_contact(session, actor, "Acme", "Ana")
    logged = timeline.log_event(session, actor, "Acme", kind="call", title="x", contact="Ana")
    contacts.remove_contact(session, actor, "Acme", "ana")
    assert contacts.list_contacts(session, actor, "Acme") == []
    session.expire_all()
    event = session.get(TimelineEvent, logged.event.id)
    assert event is not None and event.contact_id is None


def test_viewer_cannot_add(session: Any, actor: Any, acme: Any) -> None:
    from dataclasses import replace

    from iqcadence.core.base.errors import PermissionDenied

    viewer = replace(actor, role="viewer", email="v@example.com")
    with pytest.raises(PermissionDenied):
        contacts.add_contact(session, viewer, "Acme", "Ana")


# --- derived engagement ---------------------------------------------------------------------


def test_health_formula() -> None:
    assert contacts.health_score(None, 0) is None
    assert contacts.health_score(7, 4) == 84.6
    assert contacts.health_score(30, 2) == 56.7
    assert contacts.health_score(60, 1) == 28.3
    assert contacts.health_score(0, 9) == 100.0
    assert contacts.health_score(200, 0) == 0.0


def test_last_contact_and_health_from_the_timeline(session: Any, actor: Any, acme: Any) -> None:
    contacts.add_contact(session, actor, "Acme", "Ana")
    contacts.add_contact(session, actor, "Acme", "Bo")
    contacts.add_contact(session, actor, "Acme", "Cy")
    for day in ("2026-08-20", "2026-11-01", "2026-11-15", "2026-11-20"):
        timeline.log_event(session, actor, "Acme", kind="email", title="x", at=day, contact="Ana")
    # notes and future meetings are not engagement
    timeline.log_event(session, actor, "Acme", kind="note", title="x", contact="Ana")
    timeline.log_event(
        session, actor, "Acme", kind="meeting", title="x", at="2026-12-10", contact="Ana"
    )
    timeline.log_event(
        session, actor, "Acme", kind="call", title="x", at="2026-09-28", contact="Bo"
    )
    rows = {r["name"]: r for r in contacts.contact_rows(session, actor, "Acme")}
    ana = rows["Ana"]
    assert ana["last_contact"] == "2026-11-20T00:00:00"
    assert ana["days_since_contact"] == 7
    assert ana["events_90d"] == 3  # 2026-08-20 is outside the 90 days
    assert ana["health_score"] == contacts.health_score(7, 3)
    assert ana["health"] == "healthy"  # 0.7*92.2 + 0.3*50 = 79.6
    bo = rows["Bo"]
    assert (bo["days_since_contact"], bo["events_90d"], bo["health"]) == (60, 1, "at_risk")
    cy = rows["Cy"]
    assert cy["last_contact"] is None and cy["health"] is None and cy["events_90d"] == 0


def test_contacts_go_with_the_customer(session: Any, actor: Any, acme: Any) -> None:
    contacts.add_contact(session, actor, "Acme", "Ana")
    customers.delete_customer(session, actor, "Acme")
    session.expire_all()
    from sqlmodel import select

    assert session.exec(select(Contact)).all() == []
