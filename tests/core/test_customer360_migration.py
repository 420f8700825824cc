"""Migration 0002_customer360: an 0001_spine database with data upgrades, the
data survives, and the new tables work against the old customers."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, text

from iqcadence.core.store import migrations
from iqcadence.core.store.db import create_db_engine, open_database, resolve_location

NEW_TABLES = {"contact", "timeline_event", "event_signal", "playbook", "playbook_run", "task"}


def test_upgrade_from_spine_keeps_data_and_adds_tables(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    engine = create_db_engine(resolve_location(path))
    try:
        migrations.upgrade(engine, "0001_spine")
        with engine.begin() as conn:
            assert not NEW_TABLES & set(inspect(conn).get_table_names())
            conn.execute(
                text(
                    "INSERT INTO client (id, name, created_at) VALUES (1, 'Default', "
                    "'2026-01-01 00:00:00')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO customer (id, client_id, name, name_key, lifecycle, status, "
                    "tags, score_manual, logins, tickets, score, band, created_at, updated_at) "
                    "VALUES (7, 1, 'Old Timer', 'old timer', 'active', 'active', 'legacy', 0, "
                    "12, 2, 61.5, 'healthy', '2026-01-01 00:00:00', '2026-01-02 00:00:00')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO score_snapshot (customer_id, taken_at, score, band, weights, "
                    "source) VALUES (7, '2026-01-02 00:00:00', 61.5, 'healthy', '{}', 'score')"
                )
            )
        migrations.upgrade(engine, "0002_customer360")
        with engine.begin() as conn:
            assert migrations.current_revision(conn) == "0002_customer360"
            assert NEW_TABLES <= set(inspect(conn).get_table_names())
            row = conn.execute(
                text("SELECT name, logins, tickets, score, band, tags FROM customer WHERE id = 7")
            ).one()
            assert tuple(row) == ("Old Timer", 12, 2, 61.5, "healthy", "legacy")
            assert conn.execute(text("SELECT COUNT(*) FROM score_snapshot")).scalar_one() == 1
            conn.execute(
                text(
                    "INSERT INTO contact (customer_id, name, name_key, created_at, updated_at) "
                    "VALUES (7, 'Ana', 'ana', '2026-01-03 00:00:00', '2026-01-03 00:00:00')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO timeline_event (customer_id, kind, at, title, properties, "
                    "created_at) VALUES (7, 'note', '2026-01-03 00:00:00', 'hello', '{}', "
                    "'2026-01-03 00:00:00')"
                )
            )
            names = {ix["name"] for ix in inspect(conn).get_indexes("timeline_event")}
            assert {"ix_timeline_customer_at", "ix_timeline_customer_kind_at"} <= names
            task_ix = {ix["name"] for ix in inspect(conn).get_indexes("task")}
            assert "ix_task_owner_due_status" in task_ix
    finally:
        engine.dispose()

    # opening it runs the rest of the chain; everything is still there
    database = open_database(resolve_location(path))
    try:
        with database.session() as session:
            conn = session.connection()
            assert migrations.current_revision(conn) == migrations.HEAD
            assert conn.execute(text("SELECT title FROM timeline_event")).scalar_one() == "hello"
            assert conn.execute(text("SELECT name FROM contact")).scalar_one() == "Ana"
    finally:
        database.dispose()


def test_downgrade_removes_only_the_new_tables(tmp_path: Path) -> None:
    from alembic import command

    path = tmp_path / "down.db"
    engine = create_db_engine(resolve_location(path))
    try:
        migrations.upgrade(engine, "0002_customer360")
        with engine.begin() as conn:
            command.downgrade(migrations.alembic_config(conn), "0001_spine")  # type: ignore[arg-type]
            tables = set(inspect(conn).get_table_names())
        assert not NEW_TABLES & tables
        assert {"customer", "score_snapshot", "client"} <= tables
    finally:
        engine.dispose()
