"""Schema migrations: fresh databases match the models, old ones upgrade with
their data and a backup copy, failures change nothing, newer ones are refused."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

from iqcadence.core.base.errors import StorageError
from iqcadence.core.store import migrations
from iqcadence.core.store.db import create_db_engine, open_database, resolve_location
from tests.factories import dump

FIRST = "0001_spine"


def make_old_database(path: Path, revision: str = FIRST) -> None:
    """A database at an older revision, with a customer, history, settings and audit."""
    engine = create_db_engine(resolve_location(path))
    try:
        migrations.upgrade(engine, revision)
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO client (id, name, created_at) "
                    "VALUES (1, 'Default', '2026-01-01 00:00:00')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO user (id, email, name, role, created_at) "
                    "VALUES (1, 'admin@example.com', 'admin', 'admin', '2026-01-01 00:00:00')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO customer (id, client_id, name, name_key, lifecycle, status, "
                    "tags, score_manual, logins, nps, mrr, renewal_date, score, band, "
                    "created_at, updated_at) VALUES (1, 1, 'Old Timer', 'old timer', 'active', "
                    "'active', 'legacy', 0, 12, 8, 900.5, '2027-01-31', 61.5, 'healthy', "
                    "'2026-01-01 00:00:00', '2026-01-02 00:00:00')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO score_snapshot (customer_id, taken_at, score, band, weights, "
                    "source) VALUES (1, '2026-01-02 00:00:00', 61.5, 'healthy', '{}', 'score')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO setting (client_id, key, value, updated_at) "
                    "VALUES (1, 'scoring', '{\"quiet_after\": 21}', '2026-01-02 00:00:00')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO audit_entry (client_id, at, user_email, action, details) "
                    "VALUES (1, '2026-01-02 00:00:00', 'admin@example.com', "
                    "'customer.create', '{}')"
                )
            )
    finally:
        engine.dispose()


def scripts_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra: dict[str, str]) -> None:
    """Point the migrations at a copy of the scripts plus `extra` files."""
    target = tmp_path / "migrations"
    shutil.copytree(
        migrations.SCRIPT_DIR, target, ignore=shutil.ignore_patterns("__pycache__", "__init__.py")
    )
    for name, source in extra.items():
        (target / "versions" / name).write_text(source, encoding="utf-8")
    monkeypatch.setattr(migrations, "SCRIPT_DIR", target)
    chain = migrations._read_chain()
    monkeypatch.setattr(migrations, "KNOWN_REVISIONS", chain)
    monkeypatch.setattr(migrations, "HEAD", chain[-1])


def script(revision: str, body: str) -> str:
    return (
        '"""test step"""\n'
        "import sqlalchemy as sa\n"
        "from alembic import op\n\n"
        f'revision = "{revision}"\n'
        f'down_revision = "{migrations.HEAD}"\n'
        "branch_labels = None\ndepends_on = None\n\n\n"
        f"def upgrade() -> None:\n{body}\n\n\n"
        "def downgrade() -> None:\n    pass\n"
    )


def test_head_and_known_revisions_match_alembic() -> None:
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(migrations.alembic_config())  # type: ignore[arg-type]
    assert scripts.get_current_head() == migrations.HEAD
    oldest_first = [rev.revision for rev in scripts.walk_revisions()][::-1]
    assert tuple(oldest_first) == migrations.KNOWN_REVISIONS
    assert migrations.KNOWN_REVISIONS[0] == FIRST
    assert len(scripts.get_heads()) == 1  # the chain is linear


def test_revision_lines_with_type_annotations_are_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "a.py").write_text('revision: str = "a1"\ndown_revision: str | None = None\n')
    (versions / "b.py").write_text("revision = 'b2'\ndown_revision: Union[str, None] = 'a1'\n")
    monkeypatch.setattr(migrations, "SCRIPT_DIR", tmp_path)
    assert migrations._read_chain() == ("a1", "b2")


def test_fresh_database_schema_equals_the_models(tmp_path: Path) -> None:
    database = open_database(resolve_location(tmp_path / "new.db"))
    try:
        with database.engine.connect() as conn:
            inspector = inspect(conn)
            tables = set(inspector.get_table_names())
            assert migrations.current_revision(conn) == migrations.HEAD
            columns = {
                name: {c["name"]: c["nullable"] for c in inspector.get_columns(name)}
                for name in tables
            }
    finally:
        database.dispose()
    model_tables = {table.name for table in SQLModel.metadata.sorted_tables}
    extra = {name for name in tables - model_tables if not name.startswith("customer_fts")}
    assert extra == {"alembic_version"}
    assert model_tables <= tables
    for table in SQLModel.metadata.sorted_tables:
        expected = {column.name: bool(column.nullable) for column in table.columns}
        assert columns[table.name] == expected, table.name


def test_first_revision_with_data_upgrades_to_head(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    make_old_database(path)
    before = dump(path)

    database = open_database(resolve_location(path))
    try:
        assert database.upgraded_from == FIRST
        with database.engine.connect() as conn:
            assert migrations.current_revision(conn) == migrations.HEAD
            customer = conn.execute(
                text("SELECT name, logins, nps, mrr, renewal_date, score FROM customer")
            ).one()
            snapshots = conn.execute(text("SELECT COUNT(*) FROM score_snapshot")).scalar()
            setting = conn.execute(text("SELECT value FROM setting")).scalar()
            audit = conn.execute(text("SELECT action FROM audit_entry")).scalars().all()
            clients = conn.execute(text("SELECT name FROM client")).scalars().all()
            found = (
                conn.execute(
                    text("SELECT rowid FROM customer_fts WHERE customer_fts MATCH '\"old\"*'")
                )
                .scalars()
                .all()
            )
    finally:
        database.dispose()
    assert tuple(customer) == ("Old Timer", 12, 8, 900.5, "2027-01-31", 61.5)
    assert snapshots == 1 and '"quiet_after": 21' in str(setting)
    assert audit == ["customer.create"] and clients == ["Default"]
    assert found == [1]
    # the copy taken before upgrading holds the old revision and the same data
    assert database.backup_path is not None and database.backup_path.parent == tmp_path
    assert f"pre-{FIRST}" in database.backup_path.name
    assert dump(database.backup_path) == before


def test_current_database_is_not_copied(db_path: Path) -> None:
    database = open_database(resolve_location(db_path))
    database.dispose()
    assert database.backup_path is None and database.upgraded_from is None
    assert sorted(p.name for p in db_path.parent.glob("*.db")) == [db_path.name]


def test_failed_migration_leaves_the_database_as_it_was(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with sqlite3.connect(db_path) as conn:
        conn.execute(
            "INSERT INTO customer (client_id, name, name_key, lifecycle, status, tags, "
            "score_manual, created_at, updated_at) VALUES (1, 'Keep Me', 'keep me', 'active', "
            "'active', '', 0, '2026-01-01', '2026-01-01')"
        )
    conn.close()
    before_rows = dump(db_path)
    before_bytes = db_path.read_bytes()
    body = (
        '    op.create_table("half_done", sa.Column("id", sa.Integer, primary_key=True))\n'
        '    op.add_column("customer", sa.Column("broken", sa.Integer(), nullable=True))\n'
        "    op.execute(\"UPDATE customer SET name = 'changed'\")\n"
        '    raise RuntimeError("simulated failure in step 9999")'
    )
    scripts_copy(tmp_path, monkeypatch, {"9999_broken.py": script("9999_broken", body)})

    with pytest.raises(StorageError) as caught:
        open_database(resolve_location(db_path))
    message = str(caught.value)
    assert "simulated failure in step 9999" in message
    assert "the database was left as it was" in message and "\n" not in message
    assert dump(db_path) == before_rows
    assert db_path.read_bytes() == before_bytes
    copies = list(tmp_path.glob(f"iqcadence.*.pre-{migrations.KNOWN_REVISIONS[-2]}.db"))
    assert len(copies) == 1 and dump(copies[0]) == before_rows


def test_table_rebuild_in_a_migration_keeps_child_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch migration recreating `customer` must not cascade-delete snapshots."""
    path = tmp_path / "old.db"
    make_old_database(path, migrations.HEAD)
    body = (
        '    with op.batch_alter_table("customer", recreate="always") as batch:\n'
        '        batch.add_column(sa.Column("extra", sa.Integer(), nullable=True))'
    )
    scripts_copy(tmp_path, monkeypatch, {"9999_rebuild.py": script("9999_rebuild", body)})

    database = open_database(resolve_location(path))
    try:
        with database.engine.connect() as conn:
            assert migrations.current_revision(conn) == "9999_rebuild"
            snapshots = conn.execute(text("SELECT COUNT(*) FROM score_snapshot")).scalar()
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        database.dispose()
    assert snapshots == 1


def test_newer_database_is_refused(db_path: Path) -> None:
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_future'")
    conn.close()
    before = dump(db_path)
    with pytest.raises(StorageError) as caught:
        open_database(resolve_location(db_path))
    message = str(caught.value)
    assert "'9999_future' is newer than this version of iqcadence knows" in message
    assert message.endswith("upgrade iqcadence to open it.")
    assert dump(db_path) == before


def test_tables_without_revision_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY)")
    conn.close()
    with pytest.raises(StorageError, match="not an iqcadence database"):
        open_database(resolve_location(path))


def test_two_processes_upgrading_at_once_both_succeed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second waits for the first's write lock, then finds nothing to do."""
    import threading

    path = tmp_path / "shared.db"
    make_old_database(path, migrations.HEAD)
    body = (
        "    import time\n"
        "    time.sleep(0.4)\n"
        '    op.create_table("slow", sa.Column("id", sa.Integer, primary_key=True))'
    )
    scripts_copy(tmp_path, monkeypatch, {"9999_slow.py": script("9999_slow", body)})
    errors: list[BaseException] = []

    def open_it() -> None:
        try:
            open_database(resolve_location(path)).dispose()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [
            ("9999_slow",)
        ]
    finally:
        conn.close()


def test_unique_names_become_an_index_keeping_rows_and_search_triggers(tmp_path: Path) -> None:
    """0007: the one-name-per-client rule moves from a table constraint to a
    unique index (which a bulk import can drop and rebuild); the rebuilt table
    keeps its rows, its snapshots and the triggers that feed the search index,
    and the downgrade puts the constraint back."""
    path = tmp_path / "old.db"
    make_old_database(path, "0005_reports")
    engine = create_db_engine(resolve_location(path))
    try:
        migrations.upgrade(engine, "0007_unique_names")
        with engine.begin() as conn:
            index_sql = conn.execute(
                text("SELECT sql FROM sqlite_master WHERE name = 'uq_customer_client_name'")
            ).scalar_one()
            table_sql = conn.execute(
                text("SELECT sql FROM sqlite_master WHERE name = 'customer'")
            ).scalar_one()
            triggers = conn.execute(
                text(
                    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' "
                    "AND tbl_name = 'customer'"
                )
            ).scalar_one()
            assert conn.execute(text("SELECT COUNT(*) FROM score_snapshot")).scalar() == 1
            conn.execute(
                text(
                    "INSERT INTO customer (client_id, name, name_key, lifecycle, status, tags, "
                    "score_manual, created_at, updated_at) VALUES (1, 'Newcomer', 'newcomer', "
                    "'active', 'active', '', 0, '2026-01-01', '2026-01-01')"
                )
            )
            found = conn.execute(
                text("SELECT COUNT(*) FROM customer_fts WHERE customer_fts MATCH 'newcomer'")
            ).scalar_one()
        with pytest.raises(IntegrityError, match="UNIQUE"), engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO customer (client_id, name, name_key, lifecycle, status, tags, "
                    "score_manual, created_at, updated_at) VALUES (1, 'OLD TIMER', 'old timer', "
                    "'active', 'active', '', 0, '2026-01-01', '2026-01-01')"
                )
            )
        from alembic import command

        from iqcadence.core.store import dialect

        with engine.connect() as conn, dialect.foreign_keys_suspended(conn), conn.begin():
            command.downgrade(migrations.alembic_config(conn), "0005_reports")  # type: ignore[arg-type]
        with engine.connect() as conn:
            restored = conn.execute(
                text("SELECT sql FROM sqlite_master WHERE name = 'customer'")
            ).scalar_one()
            kept = conn.execute(text("SELECT COUNT(*) FROM customer")).scalar_one()
            triggers_after = conn.execute(
                text(
                    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' "
                    "AND tbl_name = 'customer'"
                )
            ).scalar_one()
    finally:
        engine.dispose()
    assert index_sql.startswith("CREATE UNIQUE INDEX") and "UNIQUE" not in table_sql
    assert triggers == 3 and found == 1
    assert "CONSTRAINT uq_customer_client_name UNIQUE" in restored
    assert kept == 2 and triggers_after == 3
