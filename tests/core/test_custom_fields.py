"""Custom fields: definitions, typed validation, audit, and the --where filter."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlmodel import select

from iqcadence.core.accounts import custom_fields, customers
from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import Conflict, InvalidValue, NotFound, PermissionDenied
from iqcadence.core.read import customer_pages as queries
from iqcadence.core.store import audit
from iqcadence.core.store.models import AuditEntry, CustomFieldValue


def _setup(session: Any, actor: Actor) -> None:
    custom_fields.define_field(
        session, actor, "plan", type="dropdown", options=["Gold", "Silver"], label="Plan tier"
    )
    custom_fields.define_field(session, actor, "acv_target", type="number")
    custom_fields.define_field(session, actor, "kickoff", type="date")
    custom_fields.define_field(session, actor, "reference", type="boolean")
    custom_fields.define_field(session, actor, "region", type="text")
    for name in ("Acme", "Globex", "Initech"):
        customers.apply_changes(session, actor, name, {"logins": 10})


def test_definitions_are_listed_in_order(session: Any, actor: Actor) -> None:
    _setup(session, actor)
    fields = custom_fields.list_fields(session, actor.client_id)
    assert [f.key for f in fields] == ["plan", "acv_target", "kickoff", "reference", "region"]
    assert fields[0].label == "Plan tier" and fields[0].options == ["Gold", "Silver"]
    assert fields[1].label == "Acv target"
    assert custom_fields.custom_field_columns(session, actor.client_id) == fields


def test_definition_rules(session: Any, actor: Actor) -> None:
    _setup(session, actor)
    with pytest.raises(Conflict, match="already exists"):
        custom_fields.define_field(session, actor, "plan", type="text")
    with pytest.raises(Conflict, match="standard customer field"):
        custom_fields.define_field(session, actor, "tier", type="text")
    with pytest.raises(InvalidValue, match="needs --options"):
        custom_fields.define_field(session, actor, "size", type="dropdown")
    with pytest.raises(InvalidValue, match="text, number, date, boolean, dropdown"):
        custom_fields.define_field(session, actor, "size", type="color")
    with pytest.raises(InvalidValue, match="lower-case"):
        custom_fields.define_field(session, actor, "9lives", type="text")
    with pytest.raises(Conflict, match="label 'plan tier'"):
        custom_fields.define_field(session, actor, "other", label="plan tier")


def test_values_are_validated_and_canonical(session: Any, actor: Actor) -> None:
    _setup(session, actor)
    acme = customers.get_customer(session, actor, "acme")
    changed = custom_fields.set_custom_values(
        session,
        actor,
        acme,
        {
            "Plan tier": "gold",  # by label, any case → the option as defined
            "cf.acv_target": "12,000",
            "kickoff": "5 Jan 2027",
            "reference": "yes",
            "region": "  EMEA ",
        },
    )
    assert changed["plan"] == (None, "Gold")
    stored = custom_fields.get_values(session, acme, actor.client_id)
    assert stored == {
        "plan": "Gold",
        "acv_target": "12000",
        "kickoff": "2027-01-05",
        "reference": "true",
        "region": "EMEA",
    }
    typed = custom_fields.values_json(session, acme)
    assert typed["acv_target"] == 12000 and typed["kickoff"] == date(2027, 1, 5)
    assert typed["reference"] is True


def test_dropdown_refuses_other_values_and_nothing_is_written(session: Any, actor: Actor) -> None:
    _setup(session, actor)
    acme = customers.get_customer(session, actor, "Acme")
    with pytest.raises(InvalidValue) as err:
        custom_fields.set_custom_values(session, actor, acme, {"region": "EMEA", "plan": "Bronze"})
    assert str(err.value) == "plan: 'Bronze' is not one of the options (Gold, Silver)."
    session.rollback()
    assert session.exec(select(CustomFieldValue)).all() == []
    with pytest.raises(InvalidValue, match="acv_target: expected a number"):
        custom_fields.set_value(session, actor, acme, "acv_target", "lots")
    with pytest.raises(InvalidValue, match="yes/no"):
        custom_fields.set_value(session, actor, acme, "reference", "maybe")
    with pytest.raises(InvalidValue, match=r"no custom field named 'colour' \(custom fields: plan"):
        custom_fields.set_value(session, actor, acme, "colour", "red")


def test_set_is_audited_and_blank_clears(session: Any, actor: Actor) -> None:
    _setup(session, actor)
    acme = customers.get_customer(session, actor, "Acme")
    custom_fields.set_value(session, actor, acme, "plan", "Silver")
    assert custom_fields.set_value(session, actor, acme, "plan", "") is None
    entries = audit.list_entries(session, actor, action="customer.custom_fields")
    assert [e.details["changes"]["plan"] for e in entries] == [
        {"from": "Silver", "to": None},
        {"from": None, "to": "Silver"},
    ]
    assert session.exec(select(CustomFieldValue)).all() == []


def test_where_filter_in_customer_lists(session: Any, actor: Actor) -> None:
    _setup(session, actor)
    for name, plan, target in (("Acme", "Gold", 100), ("Globex", "Silver", 100.5)):
        customer = customers.get_customer(session, actor, name)
        custom_fields.set_custom_values(
            session, actor, customer, {"plan": plan, "acv_target": target}
        )

    def names(*where: tuple[str, str]) -> list[str]:
        filters = queries.CustomerFilter(where=list(where))
        return [r["name"] for r in queries.list_customers(session, actor.client_id, filters)]

    assert names(("plan", "gold")) == ["Acme"]
    assert names(("Plan tier", "SILVER")) == ["Globex"]
    assert names(("acv_target", "100.0")) == ["Acme"]
    assert names(("plan", "Gold"), ("acv_target", "100.5")) == []
    assert names(("plan", "")) == ["Initech"]
    with pytest.raises(InvalidValue, match=r"--where colour: no custom field named 'colour'"):
        names(("colour", "red"))
    with pytest.raises(InvalidValue, match="not one of the options"):
        names(("plan", "Bronze"))


def test_remove_field_drops_its_values(session: Any, actor: Actor) -> None:
    _setup(session, actor)
    acme = customers.get_customer(session, actor, "Acme")
    custom_fields.set_value(session, actor, acme, "region", "EMEA")
    assert custom_fields.remove_field(session, actor, "region") == 1
    assert session.exec(select(CustomFieldValue)).all() == []
    with pytest.raises(NotFound):
        custom_fields.get_field(session, actor.client_id, "region")
    assert session.exec(select(AuditEntry).where(AuditEntry.action == "field.remove")).one()


def test_values_go_with_a_deleted_customer(session: Any, actor: Actor) -> None:
    _setup(session, actor)
    acme = customers.get_customer(session, actor, "Acme")
    custom_fields.set_value(session, actor, acme, "region", "EMEA")
    customers.delete_customer(session, actor, "Acme")
    assert session.exec(select(CustomFieldValue)).all() == []


def test_only_admins_define_and_viewers_cannot_set(session: Any, actor: Actor) -> None:
    _setup(session, actor)
    csm = Actor(email="csm@example.com", role="csm", client_id=actor.client_id)
    viewer = Actor(email="v@example.com", role="viewer", client_id=actor.client_id)
    with pytest.raises(PermissionDenied):
        custom_fields.define_field(session, csm, "x", type="text")
    acme = customers.get_customer(session, actor, "Acme")
    with pytest.raises(PermissionDenied):
        custom_fields.set_value(session, viewer, acme, "region", "EMEA")
    custom_fields.set_value(session, csm, acme, "region", "EMEA")


def test_edit_customer_writes_standard_and_custom_fields_together(
    session: Any, actor: Actor
) -> None:
    _setup(session, actor)
    edit = custom_fields.edit_customer(session, actor, "acme", {"tier": "smb", "Plan tier": "gold"})
    assert edit.customer.tier == "smb" and edit.outcome is not None
    assert edit.custom_changed == {"plan": (None, "Gold")}
    only_custom = custom_fields.edit_customer(session, actor, "Acme", {"region": "EMEA"})
    assert only_custom.outcome is None and only_custom.custom_changed == {"region": (None, "EMEA")}
    # a bad value anywhere: nothing of the edit is written
    with pytest.raises(InvalidValue, match="plan"):
        custom_fields.edit_customer(session, actor, "Acme", {"tier": "mid", "plan": "Bronze"})
    with pytest.raises(InvalidValue, match="unknown field 'colour'.*custom fields plan"):
        custom_fields.edit_customer(session, actor, "Acme", {"tier": "mid", "colour": "red"})
    with pytest.raises(InvalidValue, match="tier"):  # after the custom value was staged
        custom_fields.edit_customer(session, actor, "Acme", {"tier": "gold", "plan": "Silver"})
    acme = customers.get_customer(session, actor, "Acme")
    assert acme.tier == "smb"
    values = custom_fields.get_values(session, acme, actor.client_id)
    assert values["plan"] == "Gold" and values["region"] == "EMEA"
