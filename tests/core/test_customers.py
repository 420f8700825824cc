"""Customers through the core: create, update, validate, find, list, status, delete."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from iqcadence.core.accounts import breakdown, customers, history, shape
from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import Conflict, InvalidValue, NotFound, PermissionDenied
from iqcadence.core.read import customer_counts
from iqcadence.core.read import customer_pages as queries
from tests.factories import dump


def viewer(session: Any, admin: Actor, role: str = "viewer") -> Actor:
    from iqcadence.core.store.users import add_user

    add_user(session, admin, f"{role}@example.com", role=role)
    return Actor(email=f"{role}@example.com", role=role, client_id=admin.client_id)


# --- create and update ----------------------------------------------------------------------


def test_create_trims_name_and_matches_any_case(session: Any, actor: Actor) -> None:
    created = customers.apply_changes(session, actor, "  Acme   Corp ", {"adoption": 50})
    assert created.created and created.customer.name == "Acme Corp"
    again = customers.apply_changes(session, actor, "ACME corp", {"adoption": 60})
    assert not again.created and again.customer.id == created.customer.id
    assert customers.count_customers(session, actor.client_id) == 1


def test_update_only_when_create_is_false(session: Any, actor: Actor) -> None:
    with pytest.raises(NotFound, match="customer 'Nobody' does not exist"):
        customers.apply_changes(session, actor, "Nobody", {"adoption": 1}, create=False)
    assert customers.count_customers(session, actor.client_id) == 0


def test_not_found_suggests_close_names(session: Any, actor: Actor) -> None:
    customers.apply_changes(session, actor, "Globex Corporation", {})
    with pytest.raises(NotFound, match="did you mean 'Globex Corporation'"):
        customers.get_customer(session, actor, "Globe")


def test_rename_to_an_existing_name_is_a_conflict(session: Any, actor: Actor) -> None:
    customers.apply_changes(session, actor, "Alpha", {})
    customers.apply_changes(session, actor, "Beta", {})
    with pytest.raises(Conflict, match="'Alpha' already exists"):
        customers.apply_changes(session, actor, "Beta", {"name": "alpha"}, create=False)
    session.rollback()
    renamed = customers.apply_changes(session, actor, "Beta", {"name": "Gamma"}, create=False)
    assert renamed.customer.name == "Gamma" and renamed.customer.name_key == "gamma"


def test_mrr_and_arr_derive_each_other(session: Any, actor: Actor) -> None:
    by_mrr = customers.apply_changes(session, actor, "M", {"mrr": "5,000"}).customer
    assert (by_mrr.mrr, by_mrr.arr) == (5000.0, 60000.0)
    by_arr = customers.apply_changes(session, actor, "A", {"arr": 1200}).customer
    assert (by_arr.mrr, by_arr.arr) == (100.0, 1200.0)
    with pytest.raises(InvalidValue, match="ARR must be 12 × MRR"):
        customers.apply_changes(session, actor, "Both", {"mrr": 100, "arr": 1000})


def test_tags_are_split_deduplicated_and_joined(session: Any, actor: Actor) -> None:
    customer = customers.apply_changes(
        session, actor, "Tagged", {"tags": "vip, Beta|vip ,beta"}
    ).customer
    assert customer.tags == "vip|Beta"
    assert shape.customer_to_dict(customer)["tags"] == ["vip", "Beta"]


def test_days_is_a_dated_baseline(session: Any, actor: Actor) -> None:
    customer = customers.apply_changes(session, actor, "Days", {"days": 12}).customer
    assert (customer.days_baseline, customer.days_as_of) == (12, date(2026, 11, 27))


def test_last_contact_date_sets_the_baseline(session: Any, actor: Actor) -> None:
    customer = customers.apply_changes(
        session, actor, "Contact", {"last_contact_date": "2026-11-17"}
    ).customer
    assert (customer.days_baseline, customer.days_as_of) == (0, date(2026, 11, 17))
    assert customers.signals_of(customer, date(2026, 11, 27))["days"] == 10
    with pytest.raises(InvalidValue, match="last_contact_date: 2026-12-01 is in the future"):
        customers.apply_changes(session, actor, "Contact", {"last_contact_date": "2026-12-01"})


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"nps": 11}, "nps: must be between 0 and 10, got 11"),
        ({"adoption": "120%"}, "adoption: must be between 0 and 100"),
        ({"logins": -1}, "logins: must be at least 0"),
        ({"tickets": 1.5}, "tickets: expected a whole number"),
        ({"tier": "huge"}, "tier: 'huge' is not one of smb, mid, enterprise"),
        ({"growth": "fast"}, "growth: 'fast' is not one of strong, mild, none, na"),
        ({"renewal_date": "31/31/2026"}, "renewal_date: '31/31/2026' is not a date"),
        ({"score": 101}, "score: must be between 0 and 100"),
        ({"colour": "red"}, "unknown field 'colour'"),
    ],
)
def test_bad_values_change_nothing(
    session: Any, actor: Actor, db_path: Path, values: dict[str, Any], message: str
) -> None:
    customers.apply_changes(session, actor, "Steady", {"adoption": 50, "tier": "mid"})
    before = dump(db_path)
    for name in ("Steady", "Brand New"):
        with pytest.raises(InvalidValue, match=message):
            customers.apply_changes(session, actor, name, {"logins": 10, **values})
        session.rollback()
    assert dump(db_path) == before


def test_apply_changes_audits_each_change(session: Any, actor: Actor) -> None:
    from iqcadence.core.store.audit import list_entries

    customers.apply_changes(session, actor, "Audited", {"adoption": 50})
    customers.apply_changes(session, actor, "Audited", {"tier": "smb"}, cause="edit")
    entries = list_entries(session, actor, customer="audited")
    assert [e.action for e in entries] == ["customer.edit", "customer.create"]
    assert entries[0].details["changes"]["tier"] == {"from": None, "to": "smb"}
    assert entries[0].user_email == actor.email


def test_viewer_cannot_change_anything(session: Any, actor: Actor, db_path: Path) -> None:
    customers.apply_changes(session, actor, "Locked", {"adoption": 50})
    reader = viewer(session, actor)
    before = dump(db_path)
    with pytest.raises(PermissionDenied, match="viewer"):
        customers.apply_changes(session, reader, "Locked", {"adoption": 10})
    with pytest.raises(PermissionDenied):
        customers.set_status(session, reader, "Locked", "archive")
    assert dump(db_path) == before


# --- status and delete -------------------------------------------------------------------------


def test_status_moves_and_their_rules(session: Any, actor: Actor) -> None:
    customers.apply_changes(session, actor, "Mover", {})
    assert customers.set_status(session, actor, "mover", "archive").status == "archived"
    with pytest.raises(Conflict, match="'Mover' is already archived"):
        customers.set_status(session, actor, "Mover", "archive")
    with pytest.raises(
        Conflict, match="'Mover' is archived; only a trashed customer can be restored"
    ):
        customers.set_status(session, actor, "Mover", "restore")
    assert customers.set_status(session, actor, "Mover", "unarchive").status == "active"
    assert customers.set_status(session, actor, "Mover", "trash").status == "trashed"
    with pytest.raises(Conflict, match="already trashed"):
        customers.set_status(session, actor, "Mover", "trash")
    assert customers.set_status(session, actor, "Mover", "restore").status == "active"


def test_delete_is_admin_only_and_removes_history(session: Any, actor: Actor) -> None:
    from iqcadence.core.store.audit import list_entries

    customer = customers.apply_changes(session, actor, "Doomed", {"adoption": 20}).customer
    customers.apply_changes(session, actor, "Doomed", {"adoption": 30})
    csm = viewer(session, actor, "csm")
    with pytest.raises(PermissionDenied, match="only an admin can hard-delete"):
        customers.delete_customer(session, csm, "Doomed")
    customers.delete_customer(session, actor, "doomed")
    assert customers.find_customer(session, actor.client_id, "Doomed") is None
    assert customer.id is not None
    assert history.history(session, customer.id) == []
    entry = list_entries(session, actor, action="customer.delete")[0]
    assert entry.customer_name == "Doomed"


# --- lists ---------------------------------------------------------------------------------------


@pytest.fixture
def portfolio_accounts() -> dict[str, dict[str, Any]]:
    return {
        "Acme Corp": {
            "adoption": 90,
            "tier": "enterprise",
            "manager": "Sarah",
            "mrr": 9000,
            "tags": "vip|emea",
            "renewal_date": "2027-01-10",
        },
        "Globex": {"adoption": 30, "tier": "mid", "manager": "Miguel", "mrr": 2000, "tags": "beta"},
        "Initech": {
            "adoption": 55,
            "tier": "smb",
            "manager": "sarah",
            "mrr": 500,
            "tags": "vip",
            "renewal_date": "2026-12-15",
        },
        "Hooli": {
            "adoption": 10,
            "tier": "enterprise",
            "manager": "Aiko",
            "mrr": 12000,
            "lifecycle": "churned",
        },
        "Zeta Archive": {"adoption": 70, "tier": "mid"},
    }


@pytest.fixture
def portfolio_archived() -> tuple[str, ...]:
    return ("Zeta Archive",)


def names(session: Any, actor: Actor, **kwargs: Any) -> list[str]:
    sort = kwargs.pop("sort", "name")
    desc = kwargs.pop("desc", False)
    limit = kwargs.pop("limit", 50)
    offset = kwargs.pop("offset", 0)
    rows = queries.list_customers(
        session,
        actor.client_id,
        queries.CustomerFilter(**kwargs),
        sort=sort,
        desc=desc,
        limit=limit,
        offset=offset,
    )
    return [row["name"] for row in rows]


@pytest.mark.usefixtures("portfolio")
def test_list_filters(session: Any, actor: Actor) -> None:
    assert names(session, actor) == ["Acme Corp", "Globex", "Hooli", "Initech"]
    assert names(session, actor, band="expansion") == ["Acme Corp"]
    assert names(session, actor, manager="SARAH") == ["Acme Corp", "Initech"]
    assert names(session, actor, tier="enterprise") == ["Acme Corp", "Hooli"]
    assert names(session, actor, tag="VIP") == ["Acme Corp", "Initech"]
    assert names(session, actor, lifecycle="churned") == ["Hooli"]
    assert names(session, actor, status="archived") == ["Zeta Archive"]
    assert len(names(session, actor, status=None)) == 5
    assert names(session, actor, search="sar") == ["Acme Corp", "Initech"]
    assert names(session, actor, search="glo") == ["Globex"]
    assert names(session, actor, search="emea vip") == ["Acme Corp"]


@pytest.mark.usefixtures("portfolio")
def test_list_sorts_and_pages(session: Any, actor: Actor) -> None:
    assert names(session, actor, sort="score", desc=True) == [
        "Acme Corp",
        "Initech",
        "Globex",
        "Hooli",
    ]
    assert names(session, actor, sort="mrr") == ["Initech", "Globex", "Acme Corp", "Hooli"]
    assert names(session, actor, sort="score", desc=True, limit=2, offset=1) == [
        "Initech",
        "Globex",
    ]
    filters = queries.CustomerFilter(tier="enterprise")
    assert customer_counts.count_customers(session, actor.client_id, filters) == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"band": "green"}, "--band: 'green' is not one of critical"),
        ({"tier": "huge"}, "--tier: 'huge' is not one of smb, mid, enterprise"),
        ({"status": "gone"}, "--status: 'gone' is not one of"),
        ({"sort": "colour"}, "--sort: 'colour' is not one of name, score"),
        ({"limit": -1}, "--limit: must not be negative"),
    ],
)
def test_list_refuses_bad_filters(
    session: Any, actor: Actor, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidValue, match=message):
        names(session, actor, **kwargs)


def test_customer_json_shape(session: Any, actor: Actor) -> None:
    customer = customers.apply_changes(
        session,
        actor,
        "Shape",
        {
            "adoption": 75,
            "days": 3,
            "growth": "mild",
            "mrr": 100,
            "tier": "smb",
            "renewal_date": "2027-01-26",
            "tags": "a|b",
            "sentiment": "positive",
        },
    ).customer
    data = shape.customer_to_dict(customer, today=date(2026, 11, 30))
    assert data["name"] == "Shape"
    assert data["score_source"] == "computed"
    assert data["tags"] == ["a", "b"]
    assert data["renewal_date"] == "2027-01-26" and data["days_to_renewal"] == 57
    assert data["signals"] == {
        "logins": None,
        "adoption": 75.0,
        "tickets": None,
        "nps": None,
        "csat": None,
        "days": 6,
        "growth": "mild",
    }
    for key in (
        "score",
        "band",
        "mrr",
        "arr",
        "tier",
        "lifecycle",
        "status",
        "manager",
        "sentiment",
    ):
        assert key in data


def test_breakdown_compares_with_the_tier_average(session: Any, actor: Actor) -> None:
    from iqcadence.core.store.settings import load_scoring_config

    customers.apply_changes(session, actor, "One", {"adoption": 40, "logins": 30, "tier": "mid"})
    two = customers.apply_changes(session, actor, "Two", {"adoption": 80, "tier": "mid"}).customer
    customers.apply_changes(session, actor, "Other", {"adoption": 0, "tier": "smb"})
    detail = breakdown.breakdown(session, two, load_scoring_config(session, actor.client_id))
    lines = {line["signal"]: line for line in detail["signals"]}
    assert lines["adoption"]["tier_average"] == 60.0
    assert lines["logins"]["tier_average"] == 100.0  # only One has logins
    assert lines["adoption"]["contribution"] == 80.0 and lines["adoption"]["present"]
    assert lines["logins"]["present"] is False and lines["logins"]["value"] is None
    assert detail["computed_score"] == 80.0 and detail["weights_from"] == "global"
