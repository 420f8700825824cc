"""Backup and restore carry the CRM records (custom fields, owners,
opportunities, leads) like every other table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from iqcadence.core.accounts import custom_fields, customers, leads, opportunities, owners
from iqcadence.core.base.actor import Actor
from iqcadence.core.io import backup, restore
from iqcadence.core.store.db import open_database, resolve_location
from iqcadence.core.store.users import resolve_actor


def test_crm_records_survive_backup_and_restore(
    session: Any, actor: Actor, database: Any, tmp_path: Path
) -> None:
    customers.apply_changes(session, actor, "Acme", {"logins": 10})
    custom_fields.define_field(session, actor, "plan", type="dropdown", options=["Gold"])
    custom_fields.set_value(
        session, actor, customers.get_customer(session, actor, "Acme"), "plan", "gold"
    )
    owners.set_owners(session, actor, "Acme", primary="admin@example.com")
    opportunities.add_opportunity(session, actor, "Acme", "Seats", amount=900)
    leads.add_lead(session, actor, "Hooli", status="contacted")
    saved = backup.create_backup(database, tmp_path / "crm.json")
    for table in (
        "custom_field_definition",
        "custom_field_value",
        "customer_owner",
        "opportunity",
        "lead",
    ):
        assert saved.counts[table] == 1, table

    fresh = open_database(resolve_location(tmp_path / "fresh.db"), acting_user="admin@example.com")
    try:
        with fresh.session() as s:
            admin = resolve_actor(s, "admin@example.com")
        restore.restore_backup(fresh, admin, tmp_path / "crm.json", safety_dir=tmp_path / "safety")
        with fresh.session() as s:
            admin = resolve_actor(s, "admin@example.com")
            acme = customers.get_customer(s, admin, "Acme")
            assert custom_fields.values_json(s, acme) == {"plan": "Gold"}
            assert [o.email for o in owners.owners_of(s, acme)] == ["admin@example.com"]
            assert opportunities.open_pipeline(s, acme.id or 0).amount == 900.0
            assert [lead.name for lead in leads.list_leads(s, admin)] == ["Hooli"]
    finally:
        fresh.dispose()
