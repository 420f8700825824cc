"""Health-change events: the timeline entry written automatically when a
customer's health band moves, for one customer (`on_customer_changed`,
`record_health_change`) and for set-based changes (`bulk_moves`,
`record_bulk_health_changes`).

Each writes a `health_change` event with properties {from, to, score_from,
score_to, signals, cause}; `signals` lists {signal, from, to} for each signal
that moved. A customer's creation is not a move; in set-based paths neither
is a first score (from unscored). After a rescore the signals list is empty:
the model moved, not the inputs.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import DateTime, bindparam, text
from sqlmodel import Session

from iqcadence.core.accounts.changes import BulkChange
from iqcadence.core.base import clock
from iqcadence.core.base.actor import Actor
from iqcadence.core.scoring.formula import BAND_LABELS, SIGNALS, effective_days
from iqcadence.core.store import dialect
from iqcadence.core.store.models import Customer
from iqcadence.core.store.models.customer360 import TimelineEvent

if TYPE_CHECKING:
    from iqcadence.core.accounts.customers import ChangeOutcome


def band_label(band: str | None) -> str:
    return "Unscored" if band is None else BAND_LABELS.get(band, band)


def health_title(from_band: str | None, to_band: str | None) -> str:
    return f"Health moved from {band_label(from_band)} to {band_label(to_band)}"


def signal_values(row: Mapping[str, Any], today: date) -> dict[str, Any]:
    """The signal values of a customer state (column → value), days with decay."""
    values = {name: row.get(name) for name in SIGNALS if name != "days"}
    as_of = row.get("days_as_of")
    if isinstance(as_of, str):
        as_of = date.fromisoformat(as_of[:10])
    values["days"] = effective_days(row.get("days_baseline"), as_of, today)
    return values


def moved_signals(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {"signal": name, "from": before.get(name), "to": after.get(name)}
        for name in SIGNALS
        if before.get(name) != after.get(name)
    ]


def record_health_change(
    session: Session,
    actor: Actor,
    customer: Customer,
    *,
    from_band: str | None,
    to_band: str | None,
    score_from: float | None,
    score_to: float | None,
    signals: list[dict[str, Any]],
    cause: str,
) -> TimelineEvent:
    """Write the automatic `health_change` event for one band move."""
    assert customer.id is not None
    event = TimelineEvent(
        customer_id=customer.id,
        kind="health_change",
        at=clock.now(),
        author=actor.email,
        title=health_title(from_band, to_band),
        properties={
            "from": from_band,
            "to": to_band,
            "score_from": score_from,
            "score_to": score_to,
            "signals": signals,
            "cause": cause,
        },
    )
    session.add(event)
    return event


@dataclass(frozen=True)
class BulkMove:
    """One customer's score/band before and after a set-based change."""

    customer_id: int
    old_score: float | None
    new_score: float | None
    old_band: str | None
    new_band: str | None
    old_lifecycle: str | None
    signals: list[dict[str, Any]] = field(default_factory=list)

    @property
    def band_moved(self) -> bool:
        return self.old_band != self.new_band


CHUNK = 500


def _marks(ids: Sequence[int]) -> tuple[str, dict[str, Any]]:
    return ", ".join(f":i{n}" for n in range(len(ids))), {f"i{n}": v for n, v in enumerate(ids)}


def _last_snapshots(session: Session, ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """The two newest snapshots of each customer (newest first)."""
    marks, params = _marks(ids)
    signal_cols = ", ".join(f"s.{name}" for name in SIGNALS)
    out: dict[int, list[dict[str, Any]]] = {}
    for row in (
        session.connection()
        .execute(
            text(
                f"SELECT * FROM (SELECT s.customer_id, s.score, s.band, {signal_cols}, "
                "ROW_NUMBER() OVER (PARTITION BY s.customer_id "
                "ORDER BY s.taken_at DESC, s.id DESC) AS rn "
                f"FROM score_snapshot s WHERE s.customer_id IN ({marks})) ranked "
                "WHERE rn <= 2 ORDER BY customer_id, rn"
            ),
            params,
        )
        .mappings()
    ):
        out.setdefault(int(row["customer_id"]), []).append(dict(row))
    return out


def _signals_from(history: list[dict[str, Any]], score: Any) -> list[dict[str, Any]]:
    if len(history) > 1 and history[0]["score"] == score:
        return moved_signals(history[1], history[0])
    return []


def bulk_moves(
    session: Session,
    customer_ids: Sequence[int],
    *,
    with_signals: bool = False,
    changes_table: str | None = None,
) -> dict[int, BulkMove]:
    """Before/after of customers changed by a set-based path (keep `customer_ids`
    to a few hundred; callers page through larger sets).

    A rescore names a temporary table (`changes_table`) with the old and new
    score, band and lifecycle (a rescore changes the model, not the inputs,
    so no signal moved). Other paths are read from the last two score
    snapshots (the previous band is the latest snapshot's when it differs
    from the current band, else the one before); customers with a single
    snapshot were new and are left out; with `with_signals`, the signals
    that moved come from those two snapshots when the latest holds the
    current score.
    """
    ids = sorted({int(i) for i in customer_ids})
    if not ids:
        return {}
    conn = session.connection()
    marks, params = _marks(ids)
    moves: dict[int, BulkMove] = {}
    if changes_table is not None:
        for cid, old_score, new_score, old_band, new_band, old_lifecycle in conn.execute(
            text(
                "SELECT id, old_score, new_score, old_band, new_band, old_lifecycle "
                f"FROM {changes_table} WHERE id IN :ids"
            ).bindparams(bindparam("ids", expanding=True)),
            {"ids": ids},
        ):
            moves[int(cid)] = BulkMove(
                int(cid), old_score, new_score, old_band, new_band, old_lifecycle
            )
        return moves  # a rescore changes the model, not the signals: none moved
    current = {
        int(r[0]): (r[1], r[2], r[3])
        for r in conn.execute(
            text(f"SELECT id, score, band, lifecycle FROM customer WHERE id IN ({marks})"),
            params,
        )
    }
    history = _last_snapshots(session, ids)
    for cid, (score, band, lifecycle) in current.items():
        snaps = history.get(cid, [])
        if not snaps:
            continue
        latest = snaps[0]
        if latest["band"] != band:
            old_band, old_score, signals = latest["band"], latest["score"], []
        elif len(snaps) > 1:
            old_band, old_score = snaps[1]["band"], snaps[1]["score"]
            signals = _signals_from(snaps, score) if with_signals else []
        else:
            continue
        moves[cid] = BulkMove(cid, old_score, score, old_band, band, lifecycle, signals)
    return moves


def _health_rows(moves: Iterable[BulkMove], actor: Actor, cause: str) -> list[dict[str, Any]]:
    now = clock.now()
    return [
        {
            "customer_id": move.customer_id,
            "kind": "health_change",
            "at": now,
            "author": actor.email,
            "title": health_title(move.old_band, move.new_band),
            "body": None,
            "status": None,
            "priority": None,
            "contact_id": None,
            "properties": {
                "from": move.old_band,
                "to": move.new_band,
                "score_from": move.old_score,
                "score_to": move.new_score,
                "signals": move.signals,
                "cause": cause,
            },
            "source": None,
            "external_id": None,
            "created_at": now,
        }
        for move in moves
        if move.band_moved and move.old_band is not None
    ]


HEALTH_COLUMNS: tuple[str, ...] = (
    "customer_id",
    "kind",
    "at",
    "author",
    "title",
    "properties",
    "created_at",
)


def _insert_health_rows(session: Session, rows: list[dict[str, Any]]) -> int:
    """Multi-row insert through the driver (values converted as the column
    types store them): no per-row statement objects."""
    if not rows:
        return 0
    conn = session.connection()
    stamp = DateTime().bind_processor(conn.dialect)
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    values = [
        (
            row["customer_id"],
            row["kind"],
            stamp(row["at"]) if stamp else row["at"],
            row["author"],
            row["title"],
            json.dumps(row["properties"]),
            stamp(row["created_at"]) if stamp else row["created_at"],
        )
        for row in rows
    ]
    conn.exec_driver_sql(
        f"INSERT INTO timeline_event ({', '.join(HEALTH_COLUMNS)}) "
        f"VALUES ({', '.join([mark] * len(HEALTH_COLUMNS))})",
        values,
    )
    return len(values)


def _band_label_sql(column: str) -> str:
    cases = " ".join(f"WHEN '{band}' THEN '{label}'" for band, label in BAND_LABELS.items())
    return f"COALESCE(CASE {column} {cases} END, {column}, 'Unscored')"


def _health_changes_from_table(session: Session, actor: Actor, change: BulkChange) -> int:
    """After a rescore: one INSERT ... SELECT from its table of changes."""
    assert change.changes_table is not None
    cause = change.cause
    conn = session.connection()
    properties = dialect.json_object_sql(
        conn,
        [
            ("from", "d.old_band"),
            ("to", "d.new_band"),
            ("score_from", "d.old_score"),
            ("score_to", "d.new_score"),
            ("signals", dialect.json_array_sql(conn)),
            ("cause", "CAST(:cause AS VARCHAR)"),
        ],
    )
    title = (
        f"'Health moved from ' || {_band_label_sql('d.old_band')} || ' to ' || "
        f"{_band_label_sql('d.new_band')}"
    )
    now = clock.now()
    result = conn.execute(
        text(
            "INSERT INTO timeline_event (customer_id, kind, at, author, title, properties, "
            "created_at) SELECT d.id, 'health_change', :now, CAST(:author AS VARCHAR), "
            f"{title}, {properties}, "
            f":now FROM {change.changes_table} d "
            "WHERE d.band_moved = 1 AND d.old_band IS NOT NULL"
        ).bindparams(
            bindparam("now", now, type_=DateTime()),
            bindparam("author", actor.email),
            bindparam("cause", cause),
        )
    )
    return int(result.rowcount or 0)


def record_bulk_health_changes(session: Session, actor: Actor, change: BulkChange) -> int:
    """One health_change event per band move of a set-based change, inserted a
    page at a time. A first score (from unscored) is not a move here: bulk
    paths create customers, and a new customer has no health to move from."""
    written = 0
    if change.changes_table is not None:
        return _health_changes_from_table(session, actor, change)
    cause = change.cause
    moved = sorted({int(i) for i in change.customer_ids})
    for start in range(0, len(moved), CHUNK):
        moves_by_id = bulk_moves(session, moved[start : start + CHUNK], with_signals=True)
        written += _insert_health_rows(session, _health_rows(moves_by_id.values(), actor, cause))
    return written


def on_customer_changed(
    session: Session, actor: Actor, outcome: ChangeOutcome, *, cause: str
) -> TimelineEvent | None:
    """Write a health_change event when one customer's band moved (not on creation)."""
    from iqcadence.core.accounts.customers import state_of

    if outcome.created or not outcome.band_moved:
        return None
    today = clock.today()
    before = signal_values(outcome.before, today)
    after = signal_values(state_of(outcome.customer), today)
    return record_health_change(
        session,
        actor,
        outcome.customer,
        from_band=outcome.before.get("band"),
        to_band=outcome.customer.band,
        score_from=outcome.before.get("score"),
        score_to=outcome.customer.score,
        signals=moved_signals(before, after),
        cause=cause,
    )
