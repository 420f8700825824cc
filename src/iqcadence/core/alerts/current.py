"""The current alerts, kept in `alert_current` so that screens and commands
read them instead of deriving every alert of every customer (seconds at
100,000 customers).

The table always equals `derive.derive_alerts` for its day and settings
(snoozes and dismissals stay in `alert_state` and are joined when read):

* a change of one customer (`changes.customer_changed`) or customers
  written without a change event (`changes.customers_touched`: status,
  imported columns that moved no score, imported history) has those
  customers' alerts derived again in the writer's transaction;
* a bulk change (rescore, import) likewise, up to EAGER_LIMIT customers;
  above that the table is marked to be worked out whole on its next read,
  so a large rescore or import never waits on it;
* the daily refresh (`decay.refresh_decay`, its bulk change has cause
  `decay`) works it out whole for the new day, so what time alone moves
  (renewal windows, days without contact, the 7-day momentum) is in;
* whatever else makes it stale (a new day with no refresh yet, changed
  alert settings, an upgraded, restored or freshly built database) is found
  by `ensure_current`, which every reader calls first: the day or the
  settings signature in `alert_upkeep` no longer match, and the table is
  worked out whole before it is read.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import Index, delete, insert, inspect, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DatabaseError
from sqlmodel import Session

from iqcadence.core.alerts.config import AlertConfig, load_alert_config
from iqcadence.core.alerts.derive import CATEGORIES, SEVERITY_RANK, Alert, derive_alerts
from iqcadence.core.base import clock
from iqcadence.core.store import dialect, display
from iqcadence.core.store.busy import cannot_write_now
from iqcadence.core.store.models.alert_current import AlertUpkeep, CurrentAlert

if TYPE_CHECKING:
    from iqcadence.core.accounts.changes import BulkChange, Touched
    from iqcadence.core.accounts.customers import ChangeOutcome
    from iqcadence.core.base.actor import Actor

ALERTS = CurrentAlert.__table__  # type: ignore[attr-defined]
UPKEEP = AlertUpkeep.__table__  # type: ignore[attr-defined]
# Customers whose alerts a bulk change derives again at once; above this the
# table is worked out whole on its next read instead (a rescore of everyone
# must not pay for a derivation nobody may look at before the next one).
EAGER_LIMIT = 5000
CHUNK = 5000  # customers derived at a time while working the table out whole
# From this many customers a whole working out builds its indexes afterwards.
REBUILD_INDEXES_FROM = 20_000
# The bulk change of the daily refresh (`decay.refresh_decay`).
DAILY_REFRESH_CAUSE = "decay"
# Bump when the derivation's rules or wording change: tables worked out by an
# earlier version are then worked out again.
DERIVATION_VERSION = 1

Progress = Callable[[int, int], None]


def signature(config: AlertConfig, currency: str) -> str:
    """The settings the derivation reads (thresholds, windows, cadence, the
    currency its reasons show amounts in), as one comparable text."""
    return json.dumps(
        {
            "version": DERIVATION_VERSION,
            "currency": currency,
            "quiet_after": config.quiet_after,
            "momentum_points": config.momentum_points,
            "renewal_windows": config.renewal_windows,
            "cadence": {tier: list(pair) for tier, pair in config.cadence.items()},
            "expansion_pct": config.expansion_pct,
            "tickets_warning": config.tickets_warning,
            "tickets_critical": config.tickets_critical,
            "engagement_drop_pct": config.engagement_drop_pct,
            "adoption_low": config.adoption_low,
            "renewal_critical_below": config.renewal_critical_below,
        },
        sort_keys=True,
    )


def is_current(session: Session, client_id: int) -> bool:
    """Whether the table holds the client's alerts for today and its settings."""
    conn = session.connection()
    found = conn.execute(
        select(UPKEEP.c.alerts_on, UPKEEP.c.alerts_signature).where(UPKEEP.c.client_id == client_id)
    ).first()
    if found is None or found[0] != clock.today():
        return False
    return bool(found[1] == _settings_signature(session, client_id))


def _settings_signature(session: Session, client_id: int) -> str:
    return signature(load_alert_config(session, client_id), display.currency(session, client_id))


def ensure_current(session: Session, client_id: int, *, progress: Progress | None = None) -> bool:
    """Make the table current, working it out whole if it is stale; False
    when it is stale and cannot be worked out here and now (a read-only
    database or role, another program holding the write lock past the busy
    timeout): the caller then derives what it shows. Call it before anything
    else in the session: working the table out ends the session's
    transaction, takes the write lock (so two readers do it once) and
    commits."""
    if is_current(session, client_id):
        return True
    try:
        session.rollback()
        session.connection(execution_options=dialect.write_lock_options(session.get_bind()))
        if not is_current(session, client_id):  # else another process did it meanwhile
            rebuild(session, client_id, progress=progress)
        session.commit()
    except DatabaseError as exc:
        session.rollback()
        if not cannot_write_now(exc):
            raise
        return False
    return True


def rebuild(session: Session, client_id: int, *, progress: Progress | None = None) -> int:
    """Derive every alert of the client for today, in the caller's
    transaction; returns how many there are."""
    session.flush()
    conn = session.connection()
    _take_turn(conn, client_id)
    config = load_alert_config(session, client_id)
    today = clock.today()
    ids = [
        int(cid)
        for (cid,) in conn.execute(
            text(
                "SELECT id FROM customer WHERE client_id = :client_id AND status = 'active' "
                "AND lifecycle <> 'churned' ORDER BY id"
            ),
            {"client_id": client_id},
        )
    ]
    written = 0
    dropped = _drop_order_indexes(conn) if len(ids) >= REBUILD_INDEXES_FROM else []
    conn.execute(delete(ALERTS).where(ALERTS.c.client_id == client_id))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        written += _write(conn, client_id, _derive(session, client_id, chunk, today, config))
        if progress is not None:
            progress(min(start + CHUNK, len(ids)), len(ids))
    for index in dropped:
        index.create(conn)
    _mark(conn, client_id, today, _settings_signature(session, client_id))
    return written


def _drop_order_indexes(conn: Connection) -> list[Index]:
    """SQLite: drop the indexes the board reads by, to build each again in
    one sorted pass once every row is in (several times cheaper than
    inserting a quarter of a million rows into each). Readers keep their
    snapshot meanwhile; PostgreSQL would lock them out, so it keeps them."""
    if not dialect.is_sqlite(conn):
        return []
    present = {ix["name"] for ix in inspect(conn).get_indexes(ALERTS.name)}
    ordered = sorted(ALERTS.indexes, key=lambda ix: str(ix.name))
    dropped = [ix for ix in ordered if ix.name in present and not ix.unique]
    for index in dropped:
        index.drop(conn)
    return dropped


def refresh(session: Session, client_id: int, customer_ids: Iterable[int]) -> None:
    """Derive these customers' alerts again, in the caller's transaction
    (nothing to do while the table is stale: it is worked out whole first)."""
    ids = sorted({int(cid) for cid in customer_ids})
    if not ids:
        return
    session.flush()
    if not is_current(session, client_id):
        return
    conn = session.connection()
    _take_turn(conn, client_id)
    config = load_alert_config(session, client_id)
    today = clock.today()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        for part in _parts(chunk, 500):
            conn.execute(delete(ALERTS).where(ALERTS.c.customer_id.in_(part)))
        _write(conn, client_id, _derive(session, client_id, chunk, today, config))


def invalidate(session: Session, client_id: int) -> None:
    """Mark the table to be worked out whole before it is next read."""
    session.connection().execute(
        update(UPKEEP).where(UPKEEP.c.client_id == client_id).values(alerts_on=None)
    )


# --- the change hooks (subscribed by `runtime.wiring`) --------------------------------


def on_customer_changed(session: Session, actor: Actor, outcome: ChangeOutcome) -> None:
    customer_id = outcome.customer.id
    assert customer_id is not None
    refresh(session, actor.client_id, [customer_id])


def on_customers_changed(session: Session, actor: Actor, change: BulkChange) -> None:
    if change.cause == DAILY_REFRESH_CAUSE and not is_current(session, actor.client_id):
        rebuild(session, actor.client_id)
        return
    _follow(session, actor.client_id, change.customer_ids)


def on_customers_touched(session: Session, actor: Actor, touched: Touched) -> None:
    _follow(session, actor.client_id, touched.customer_ids)


def _follow(session: Session, client_id: int, customer_ids: Sequence[int]) -> None:
    if len(customer_ids) > EAGER_LIMIT:
        invalidate(session, client_id)
    else:
        refresh(session, client_id, customer_ids)


# --- writing ---------------------------------------------------------------------------


def _derive(
    session: Session, client_id: int, ids: list[int], today: date, config: AlertConfig
) -> list[Alert]:
    return derive_alerts(
        session,
        client_id,
        today=today,
        customer_ids=ids,
        include_snoozed=True,
        include_dismissed=True,
        config=config,
    )


_COLUMNS = (
    "client_id",
    "customer_id",
    "category",
    "severity",
    "severity_rank",
    "category_rank",
    "customer_name",
    "sort_name",
    "manager",
    "mrr",
    "mrr_order",
    "reason",
    "data",
)
_DATA = json.JSONEncoder(separators=(",", ":"))  # as the JSON column stores it, compactly


def _write(conn: Connection, client_id: int, alerts: Sequence[Alert]) -> int:
    """Insert the rows with the driver's executemany (a quarter of a million
    rows go through no per-row statement machinery)."""
    if alerts:
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        sql = (
            f"INSERT INTO alert_current ({', '.join(_COLUMNS)}) "
            f"VALUES ({', '.join([mark] * len(_COLUMNS))})"
        )
        conn.exec_driver_sql(sql, [_row(client_id, alert) for alert in alerts])
    return len(alerts)


def _row(client_id: int, alert: Alert) -> tuple[Any, ...]:
    return (
        client_id,
        alert.customer_id,
        alert.category,
        alert.severity,
        SEVERITY_RANK[alert.severity],
        CATEGORIES.index(alert.category),
        alert.customer,
        alert.customer.casefold(),
        alert.manager,
        alert.mrr,
        -(alert.mrr or 0.0),
        alert.reason,
        _DATA.encode(alert.data),
    )


def _take_turn(conn: Connection, client_id: int) -> None:
    """One writer of a client's alerts at a time (PostgreSQL; SQLite writers
    hold the database's write lock already)."""
    dialect.lock_name(conn, client_id, "alert_current")


def _mark(conn: Connection, client_id: int, day: date, settings: str) -> None:
    values = {"alerts_on": day, "alerts_signature": settings, "updated_at": clock.now()}
    done = conn.execute(update(UPKEEP).where(UPKEEP.c.client_id == client_id).values(**values))
    if not done.rowcount:
        conn.execute(insert(UPKEEP).values(client_id=client_id, **values))


def _parts(ids: list[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]
