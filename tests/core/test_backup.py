"""Backup (one checksummed JSON of every table) and restore (validated, all or nothing).
Restores on each engine are in test_restore_engines.py."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table
from sqlmodel import SQLModel

from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import InvalidValue, PermissionDenied, RefusedFile, StorageError
from iqcadence.core.io import backup, backup_check, db_upkeep, restore
from iqcadence.core.store import migrations
from iqcadence.core.store.db import Database, open_database, resolve_location
from tests.factories import dump

TOP_LEVEL = {
    "format",
    "format_version",
    "app_version",
    "schema_revision",
    "created_at",
    "excluded_columns",
    "tables",
    "sha256",
}


# --- helpers -----------------------------------------------------------------------


def populate(database: Database) -> None:
    """Customers with history, a profile, configuration and audit entries."""
    from iqcadence.core.accounts import customers
    from iqcadence.core.store import settings
    from iqcadence.core.store.users import resolve_actor

    with database.session() as session:
        actor = resolve_actor(session)
        settings.save_profile(
            session, actor, "Enterprise", {"logins": 40, "adoption": 30, "nps": 30}
        )
        config = settings.load_scoring_config(session, actor.client_id)
        config = dataclasses.replace(
            config, csat_enabled=True, weights=settings.rebalance_for_csat(config.weights, 10)
        )
        settings.save_scoring_config(session, actor, config)
        customers.apply_changes(
            session,
            actor,
            "Acme Corp",
            {
                "logins": 22,
                "adoption": "75%",
                "nps": 9,
                "mrr": "5000",
                "tier": "mid",
                "renewal_date": "2027-03-15",
                "tags": "beta|emea",
                "manager": "Dana",
                "days": 10,
            },
        )
        customers.apply_changes(session, actor, "Acme Corp", {"tickets": 4, "csat": 4.5})
        customers.apply_changes(
            session,
            actor,
            "Zoë Café Ünïcode",
            {"logins": 3, "growth": "none", "scoring_profile": "Enterprise", "tier": "enterprise"},
        )
        customers.apply_changes(session, actor, "Manual Ltd", {"score": 42})


def read_doc(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def resign(doc: dict[str, Any]) -> dict[str, Any]:
    """Recompute the checksum, as someone editing the file by hand could."""
    body = {key: value for key, value in doc.items() if key != "sha256"}
    doc["sha256"] = hashlib.sha256(backup.canonical_json(body).encode()).hexdigest()
    return doc


def write_doc(path: Path, doc: dict[str, Any]) -> Path:
    path.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    return path


def rows_of(doc: dict[str, Any], table: str) -> list[dict[str, Any]]:
    entry = doc["tables"][table]
    return [dict(zip(entry["columns"], row, strict=True)) for row in entry["rows"]]


def admin(database: Database) -> Actor:
    from iqcadence.core.store.users import resolve_actor

    with database.session() as session:
        return resolve_actor(session)


@pytest.fixture(scope="module")
def filled_template(template_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A populated database and its backup, made once for this module."""
    folder = tmp_path_factory.mktemp("filled")
    path = folder / "filled.db"
    shutil.copyfile(template_db, path)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("IQCADENCE_USER", "admin@example.com")
        patch.setenv("IQCADENCE_TODAY", "2026-11-27")
        patch.setenv("IQCADENCE_DATA_DIR", str(folder / "data"))
        database = open_database(resolve_location(path))
        try:
            populate(database)
            backup.create_backup(database, folder / "saved.json")
        finally:
            database.dispose()
    return path


@pytest.fixture
def filled(filled_template: Path, tmp_path: Path) -> Iterator[Database]:
    target = tmp_path / "filled.db"
    shutil.copyfile(filled_template, target)
    database = open_database(resolve_location(target))
    yield database
    database.dispose()


@pytest.fixture
def saved(filled_template: Path) -> Path:
    return filled_template.parent / "saved.json"


# --- writing --------------------------------------------------------------------------


def test_backup_holds_every_table_and_verifies(filled: Database, tmp_path: Path) -> None:
    summary = backup.create_backup(filled, tmp_path / "b.json")
    doc = read_doc(tmp_path / "b.json")

    assert set(doc) == TOP_LEVEL
    assert doc["format"] == "iqcadence-backup"
    assert doc["format_version"] == 1
    assert doc["schema_revision"] == migrations.HEAD == summary.schema_revision
    assert set(doc["tables"]) == {table.name for table in SQLModel.metadata.sorted_tables}
    claimed = doc.pop("sha256")
    assert claimed == summary.sha256
    assert hashlib.sha256(backup.canonical_json(doc).encode()).hexdigest() == claimed
    customers = {row["name"]: row for row in rows_of(doc, "customer")}
    assert set(customers) == {"Acme Corp", "Zoë Café Ünïcode", "Manual Ltd"}
    acme = customers["Acme Corp"]
    assert acme["renewal_date"] == "2027-03-15"
    assert acme["mrr"] == 5000.0 and acme["tickets"] == 4 and acme["tags"] == "beta|emea"
    assert customers["Manual Ltd"]["score_manual"] is True
    assert summary.counts["customer"] == 3
    assert summary.counts["score_snapshot"] == len(doc["tables"]["score_snapshot"]["rows"]) >= 4
    assert [row["name"] for row in rows_of(doc, "scoring_profile")] == ["Enterprise"]
    scoring = [row for row in rows_of(doc, "setting") if row["key"] == "scoring"]
    assert scoring[0]["value"]["csat_enabled"] is True
    assert {row["action"] for row in rows_of(doc, "audit_entry")} >= {
        "customer.create",
        "config.profile.set",
    }


def test_backup_is_deterministic(filled: Database, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("IQCADENCE_NOW", "2026-11-27T10:00:00")
    first = backup.create_backup(filled, tmp_path / "one.json")
    second = backup.create_backup(filled, tmp_path / "two.json")
    assert first.sha256 == second.sha256
    assert (tmp_path / "one.json").read_bytes() == (tmp_path / "two.json").read_bytes()


def test_default_path_is_timestamped_under_backups(filled: Database, monkeypatch: Any) -> None:
    monkeypatch.setenv("IQCADENCE_NOW", "2026-11-27T10:11:12")
    first = backup.create_backup(filled)
    second = backup.create_backup(filled)
    assert first.path == backup.data_dir() / "backups" / "iqcadence-backup-20261127T101112.json"
    assert second.path is not None and second.path != first.path and second.path.is_file()
    assert not list((backup.data_dir() / "backups").glob("*.partial"))


def test_secret_columns_are_left_out(database: Database, tmp_path: Path, monkeypatch: Any) -> None:
    vault = Table(
        "vault",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("label", String, nullable=False),
        Column("api_token", String),
        Column("smtp_password", String),
        Column("client_secret", String),
        Column("secret_name", String),
        Column("keyring_name", String),
    )
    vault.create(database.engine)
    with database.engine.begin() as conn:
        conn.execute(
            vault.insert().values(
                label="crm",
                api_token="tok-XYZZY",
                smtp_password="hunter2-XYZZY",
                client_secret="shh-XYZZY",
                secret_name="XYZZY-name",
                keyring_name="connection_crm",
            )
        )
    real = backup.all_tables
    monkeypatch.setattr(backup, "all_tables", lambda: [*real(), vault])
    summary = backup.create_backup(database, tmp_path / "b.json")

    text = (tmp_path / "b.json").read_text(encoding="utf-8")
    assert "XYZZY" not in text
    doc = read_doc(tmp_path / "b.json")
    assert doc["tables"]["vault"]["columns"] == ["id", "label", "keyring_name"]
    assert doc["tables"]["vault"]["rows"] == [[1, "crm", "connection_crm"]]
    assert {
        "vault.api_token",
        "vault.smtp_password",
        "vault.client_secret",
        "vault.secret_name",
    } <= set(summary.excluded_columns)
    assert summary.excluded_columns == doc["excluded_columns"]


@pytest.mark.parametrize(
    ("name", "left_out"),
    [
        ("smtp_password", True),
        ("API_TOKEN", True),
        ("client_secret", True),
        ("refresh_tokens", True),
        ("secret_name", True),
        ("keyring_name", False),
        ("name", False),
        ("tokenizer_namespace", True),
    ],
)
def test_secret_column_rule(name: str, left_out: bool) -> None:
    assert backup.is_secret_column(name) is left_out


def test_sqlite_copy_is_consistent(filled: Database, tmp_path: Path) -> None:
    target = db_upkeep.copy_sqlite_database(filled.location, tmp_path / "copy.db")
    conn = sqlite3.connect(target)
    try:
        names = sorted(row[0] for row in conn.execute("SELECT name FROM customer"))
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    assert names == ["Acme Corp", "Manual Ltd", "Zoë Café Ünïcode"]


def test_sqlite_copy_refuses_other_engines_and_missing_files(tmp_path: Path) -> None:
    url = resolve_location(None)
    pg = type(url)(url="postgresql://u:pw@h/db", path=None, source="IQCADENCE_DATABASE_URL")
    with pytest.raises(InvalidValue, match="not a SQLite file"):
        db_upkeep.copy_sqlite_database(pg, tmp_path / "x.db")
    missing = resolve_location(tmp_path / "missing.db")
    with pytest.raises(StorageError, match="no database file"):
        db_upkeep.copy_sqlite_database(missing, tmp_path / "x.db")
    assert not (tmp_path / "missing.db").exists()


# --- refusals: the database is left exactly as it was ------------------------------------------


def _tamper(doc: dict[str, Any]) -> dict[str, Any]:
    doc["tables"]["customer"]["rows"][0][doc["tables"]["customer"]["columns"].index("mrr")] = 1.0
    return doc


def _set(table: str, column: str, value: Any, row: int = 0) -> Any:
    def change(doc: dict[str, Any]) -> dict[str, Any]:
        entry = doc["tables"][table]
        entry["rows"][row][entry["columns"].index(column)] = value
        return resign(doc)

    return change


def _top(key: str, value: Any, sign: bool = True) -> Any:
    def change(doc: dict[str, Any]) -> dict[str, Any]:
        doc[key] = value
        return resign(doc) if sign else doc

    return change


def _unknown_table(doc: dict[str, Any]) -> dict[str, Any]:
    doc["tables"]["spaceship"] = {"columns": ["id"], "rows": [[1]]}
    return resign(doc)


def _unknown_column(doc: dict[str, Any]) -> dict[str, Any]:
    entry = doc["tables"]["customer"]
    entry["columns"].append("warp_factor")
    for row in entry["rows"]:
        row.append(9)
    return resign(doc)


def _missing_required(doc: dict[str, Any]) -> dict[str, Any]:
    entry = doc["tables"]["customer"]
    drop = entry["columns"].index("name")
    entry["columns"].pop(drop)
    for row in entry["rows"]:
        row.pop(drop)
    return resign(doc)


def _duplicate_id(doc: dict[str, Any]) -> dict[str, Any]:
    rows = doc["tables"]["score_snapshot"]["rows"]
    rows.append(list(rows[0]))
    return resign(doc)


def _short_row(doc: dict[str, Any]) -> dict[str, Any]:
    doc["tables"]["customer"]["rows"][0].pop()
    return resign(doc)


def _duplicate_name(doc: dict[str, Any]) -> dict[str, Any]:
    entry = doc["tables"]["customer"]
    key = entry["columns"].index("name_key")
    entry["rows"][1][key] = entry["rows"][0][key]
    return resign(doc)


def _no_clients(doc: dict[str, Any]) -> dict[str, Any]:
    doc["tables"]["client"]["rows"] = []
    return resign(doc)


REFUSALS = [
    ("tampered", _tamper, "does not match its sha256 checksum"),
    ("wrong version", _top("format_version", 2), "format version 2"),
    ("version re-signed", _top("format_version", 2, sign=False), "format version 2"),
    ("not a backup", _top("format", "something-else"), "is not an iqcadence backup"),
    ("newer schema", _top("schema_revision", "9999_future"), 'revision "9999_future"'),
    ("no checksum", _top("sha256", None, sign=False), 'no "sha256" checksum'),
    ("unknown table", _unknown_table, "table 'spaceship'"),
    ("unknown column", _unknown_column, "column 'warp_factor'"),
    ("missing column", _missing_required, "lacks the required column 'name'"),
    ("bad date", _set("customer", "renewal_date", "2027-02-30"), "is not a date YYYY-MM-DD"),
    ("text date", _set("customer", "renewal_date", "next March"), "renewal_date"),
    ("number as text", _set("customer", "mrr", "5000"), '(id 1): mrr: "5000" is not a number'),
    ("float id", _set("customer", "logins", 2.5), "is not a whole number"),
    ("huge number", _set("customer", "logins", 2**70), "is not a whole number"),
    ("bool as number", _set("customer", "score_manual", 1), "is not true or false"),
    ("bad timestamp", _set("audit_entry", "at", "yesterday"), "is not a date-time"),
    ("required null", _set("customer", "name", None), "row 1 (id 1): name: a value is required"),
    ("dangling key", _set("score_snapshot", "customer_id", 999), "refers to a customer"),
    ("dangling client", _set("customer", "client_id", 7), "refers to a client"),
    ("duplicate id", _duplicate_id, "appears twice"),
    ("duplicate name", _duplicate_name, "appears twice"),
    ("short row", _short_row, "expected a list of"),
    ("no clients", _no_clients, "has no client record"),
]


@pytest.mark.parametrize(
    ("change", "reason"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS]
)
def test_broken_files_are_refused_and_nothing_changes(
    saved: Path, filled: Database, tmp_path: Path, change: Any, reason: str | None
) -> None:
    path = write_doc(tmp_path / "broken.json", change(read_doc(saved)))
    before = dump(filled.location.path)  # type: ignore[arg-type]
    with pytest.raises(RefusedFile) as caught:
        restore.restore_backup(filled, admin(filled), path, safety_dir=tmp_path / "safety")
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and message.endswith("; nothing was restored.")
    assert "\n" not in message
    if reason is not None:
        assert reason in message
    assert dump(filled.location.path) == before  # type: ignore[arg-type]
    assert not (tmp_path / "safety").exists()


@pytest.mark.parametrize("cut", [0.1, 0.5, 0.99])
def test_truncated_files_are_refused(
    saved: Path, filled: Database, tmp_path: Path, cut: float
) -> None:
    raw = saved.read_bytes()
    path = tmp_path / "cut.json"
    path.write_bytes(raw[: int(len(raw) * cut)])
    before = dump(filled.location.path)  # type: ignore[arg-type]
    with pytest.raises(RefusedFile, match="truncated"):
        restore.restore_backup(filled, admin(filled), path)
    assert dump(filled.location.path) == before  # type: ignore[arg-type]


def test_not_json_and_missing_files_are_refused(filled: Database, tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.json"
    garbage.write_text("customers: lots\n", encoding="utf-8")
    with pytest.raises(RefusedFile, match="is not valid JSON"):
        backup_check.read_backup(garbage)
    with pytest.raises(RefusedFile, match="cannot be read"):
        backup_check.read_backup(tmp_path / "nope.json")
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00junk")
    with pytest.raises(RefusedFile, match="not UTF-8"):
        backup_check.read_backup(binary)


def test_restore_is_admin_only(saved: Path, filled: Database, tmp_path: Path) -> None:
    before = dump(filled.location.path)  # type: ignore[arg-type]
    csm = Actor(email="csm@example.com", role="csm", client_id=1)
    with pytest.raises(PermissionDenied, match="only an admin can restore a backup"):
        restore.restore_backup(filled, csm, saved, safety_dir=tmp_path / "safety")
    assert dump(filled.location.path) == before  # type: ignore[arg-type]
