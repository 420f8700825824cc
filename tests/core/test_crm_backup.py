"""Backup and restore carry the CRM records (custom fields, owners,
opportunities, leads) like every other table."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from iqcadence.core.accounts import custom_fields, customers, leads, opportunities, owners
from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import RefusedFile
from iqcadence.core.io import backup, backup_check, restore
from iqcadence.core.store import users
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


def test_a_primary_owner_beside_a_co_owner_restores(
    session: Any, actor: Actor, database: Any, tmp_path: Path
) -> None:
    """The one-primary index holds primary rows only: a co-owner of the same
    customer is no duplicate, while a second primary still is."""
    customers.apply_changes(session, actor, "Acme", {"logins": 10})
    users.add_user(session, actor, "sam@example.com", role="csm")
    owners.set_owners(
        session, actor, "Acme", primary="admin@example.com", co_owners=["sam@example.com"]
    )
    path = tmp_path / "owners.json"
    backup.create_backup(database, path)
    assert backup_check.read_backup(path).counts["customer_owner"] == 2

    doc = json.loads(path.read_text(encoding="utf-8"))
    entry = doc["tables"]["customer_owner"]
    for row in entry["rows"]:
        row[entry["columns"].index("role")] = "primary"
    body = {key: value for key, value in doc.items() if key != "sha256"}
    doc["sha256"] = hashlib.sha256(backup.canonical_json(body).encode()).hexdigest()
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(RefusedFile, match="appears twice among rows with role 'primary'"):
        backup_check.read_backup(path)
