"""Migration 0003_crm: upgrading a 0002_customer360 database with data in it
keeps the data and adds working CRM tables; downgrading removes only them."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, text

from iqcadence.core.accounts import custom_fields, customers, opportunities, owners
from iqcadence.core.store import migrations
from iqcadence.core.store.db import create_db_engine, open_database, resolve_location
from iqcadence.core.store.users import resolve_actor

PREVIOUS = "0002_customer360"
CRM_TABLES = {
    "custom_field_definition",
    "custom_field_value",
    "customer_owner",
    "opportunity",
    "lead",
}


def _old_database(path: Path) -> None:
    engine = create_db_engine(resolve_location(path))
    try:
        migrations.upgrade(engine, PREVIOUS)
        with engine.begin() as conn:
            for sql in (
                "INSERT INTO client (id, name, created_at) VALUES (1, 'Default', '2026-01-01')",
                "INSERT INTO user (id, email, name, role, created_at) "
                "VALUES (1, 'admin@example.com', 'Admin', 'admin', '2026-01-01')",
                "INSERT INTO customer (id, client_id, name, name_key, lifecycle, status, tags, "
                "score_manual, logins, mrr, created_at, updated_at) VALUES (1, 1, 'Old Timer', "
                "'old timer', 'active', 'active', '', 0, 12, 900, '2026-01-01', '2026-01-01')",
                "INSERT INTO contact (id, customer_id, name, name_key, email, created_at, "
                "updated_at) VALUES (1, 1, 'Jane', 'jane', 'jane@old.com', '2026-01-01', "
                "'2026-01-01')",
                "INSERT INTO timeline_event (customer_id, kind, at, title, properties, "
                "created_at) VALUES (1, 'note', '2026-01-02', 'Kept', '{}', '2026-01-02')",
            ):
                conn.execute(text(sql))
    finally:
        engine.dispose()


def test_upgrade_from_previous_revision_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _old_database(path)
    database = open_database(resolve_location(path))
    try:
        assert database.upgraded_from == PREVIOUS
        with database.engine.connect() as conn:
            assert CRM_TABLES <= set(inspect(conn).get_table_names())
            assert conn.execute(text("SELECT name, mrr FROM customer")).all() == [
                ("Old Timer", 900.0)
            ]
            assert conn.execute(text("SELECT title FROM timeline_event")).scalar_one() == "Kept"
            assert conn.execute(text("SELECT email FROM contact")).scalar_one() == "jane@old.com"
        with database.session() as session:
            actor = resolve_actor(session, "admin@example.com")
            custom_fields.define_field(session, actor, "plan", type="dropdown", options=["A"])
            customer = customers.get_customer(session, actor, "old timer")
            custom_fields.set_value(session, actor, customer, "plan", "a")
            owners.set_owners(session, actor, "Old Timer", primary="admin@example.com")
            opportunities.add_opportunity(session, actor, "Old Timer", "Renewal", amount=100)
            assert custom_fields.values_json(session, customer) == {"plan": "A"}
            assert opportunities.open_pipeline(session, 1).amount == 100.0
    finally:
        database.dispose()


def test_downgrade_removes_only_crm_tables(tmp_path: Path) -> None:
    from alembic import command

    path = tmp_path / "old.db"
    _old_database(path)
    engine = create_db_engine(resolve_location(path))
    try:
        migrations.upgrade(engine, "0003_crm")
        with engine.begin() as conn:
            command.downgrade(migrations.alembic_config(conn), PREVIOUS)  # type: ignore[arg-type]
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            assert not (CRM_TABLES & tables)
            assert {"customer", "contact", "timeline_event"} <= tables
            assert conn.execute(text("SELECT COUNT(*) FROM customer")).scalar_one() == 1
            assert migrations.current_revision(conn) == PREVIOUS
    finally:
        engine.dispose()
