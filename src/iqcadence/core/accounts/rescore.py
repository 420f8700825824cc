"""Bulk rescoring: every customer (or a chosen set) scored in a few SQL statements.

One SQL expression per weight set (the global weights and each scoring
profile) is built from the same pieces as `scoring.compute_score`, so the
database computes exactly the score the Python path would, to the last bit.
Nothing is loaded as an ORM object: new scores go into a temporary table,
only the rows whose score, band or override flag moved are written back, and
snapshots, lifecycle transitions and their audit entries are written with
INSERT ... SELECT from that table.

While `changes.customers_changed_in_bulk` runs, the temporary table
`rescore_dirty` holds one row per changed customer: id, old_score, new_score,
old_band, new_band, old_lifecycle, new_lifecycle, score_moved, band_moved — so
reactions can stay set-based too.

New customers can instead be inserted already scored (a fresh import does,
with `scoring.score_columns` and `lifecycle_sql`); `record_inserted` then does
the rest of what a rescore does for them (snapshots, lifecycle audit, counts,
the hook) from the same `rescore_dirty` table.
"""

from __future__ import annotations

from array import array
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import JSON, DateTime, Index, bindparam, inspect, text
from sqlalchemy.engine import Connection
from sqlmodel import Session

from iqcadence.core.accounts import changes
from iqcadence.core.accounts.customers import RECOVERED_BANDS, RISK_BANDS
from iqcadence.core.base import clock
from iqcadence.core.base.actor import Actor
from iqcadence.core.scoring.formula import ROUNDING_EPSILON, ScoringConfig, band_sql, raw_score_sql
from iqcadence.core.store import audit, dialect, settings
from iqcadence.core.store.models import Customer

CALC_TABLE = "rescore_calc"
DIRTY_TABLE = "rescore_dirty"
# Columns whose indexes a rescore rewrites; with many changed rows it is cheaper
# to drop those indexes and build them again in one sorted pass.
SCORED_COLUMNS = frozenset(
    {"score", "band", "lifecycle", "score_manual", "scored_at", "updated_at"}
)
REBUILD_MIN_ROWS = 20_000
REBUILD_MIN_SHARE = 0.10


@dataclass
class RescoreSummary:
    """What a rescore did.

    `scored` counts every customer considered (kept overrides included) and
    equals `changed + unchanged`; `changed` counts customers whose score or band
    moved; `skipped_overrides` the manual scores kept as they were; `band_moves`
    maps "old->new" (a missing band is "unscored") to a count.
    """

    scored: int = 0
    changed: int = 0
    unchanged: int = 0
    skipped_overrides: int = 0
    band_moves: dict[str, int] = field(default_factory=dict)
    lifecycle_changes: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "scored": self.scored,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "skipped_overrides": self.skipped_overrides,
            "band_moves": dict(self.band_moves),
            "lifecycle_changes": self.lifecycle_changes,
        }


def rescore_all(
    session: Session,
    actor: Actor,
    *,
    include_overrides: bool = False,
    cause: str = "rescore",
    commit: bool = True,
) -> RescoreSummary:
    """Rescore every customer of the actor's client with the current model."""
    return rescore_where(
        session,
        actor,
        "1 = 1",
        {},
        include_overrides=include_overrides,
        cause=cause,
        commit=commit,
    )


def rescore_where(
    session: Session,
    actor: Actor,
    where_sql: str,
    params: Mapping[str, Any],
    *,
    include_overrides: bool = False,
    cause: str,
    commit: bool = True,
    record_unchanged: bool = True,
) -> RescoreSummary:
    """Rescore the customers of the actor's client matching `where_sql`.

    `where_sql` is a condition over the table `customer` (e.g.
    `customer.id IN (SELECT id FROM temp_import_ids)`) with its bound `params`.
    Manual overrides keep their score (their band follows the thresholds)
    unless `include_overrides`. Snapshots are written only where the score
    changed (source = `cause`); lifecycle auto-transitions are audited one by
    one, and one `rescore` entry records the counts (unless nothing changed
    and not `record_unchanged`: upkeep that found nothing to do).
    """
    actor.require_write("rescore customers")
    session.flush()
    conn = session.connection()
    today = clock.today()
    now = clock.now()
    config = settings.load_scoring_config(session, actor.client_id)
    profiles = settings.profile_weights(session, actor.client_id)
    sets = weight_sets(config, profiles)
    days_sql = dialect.effective_days_sql(conn, today)

    _drop_temp_tables(conn)
    # DOUBLE PRECISION: the full 8-byte float on every engine (REAL is 4 bytes
    # on PostgreSQL); SQLite reads it as REAL.
    conn.execute(
        text(
            f"CREATE TEMP TABLE {CALC_TABLE} ("
            "id INTEGER PRIMARY KEY, ws INTEGER NOT NULL, old_score DOUBLE PRECISION, "
            "old_band TEXT, "
            "old_lifecycle TEXT, kept INTEGER NOT NULL, cleared INTEGER NOT NULL, "
            "new_score DOUBLE PRECISION)"
        )
    )
    keep = (
        "customer.score_manual = :manual AND customer.score IS NOT NULL"
        if not include_overrides
        else "1 = 0"
    )
    base_params: dict[str, Any] = dict(params)
    base_params.update(client_id=actor.client_id, manual=True)
    for index, (clause, clause_params, weights) in enumerate(sets):
        score_expr = score_sql(conn, weights, days_sql=days_sql)
        conn.execute(
            text(
                f"INSERT INTO {CALC_TABLE} "
                "(id, ws, old_score, old_band, old_lifecycle, kept, cleared, new_score) "
                f"SELECT customer.id, {index}, customer.score, customer.band, "
                f"customer.lifecycle, CASE WHEN {keep} THEN 1 ELSE 0 END, "
                "CASE WHEN customer.score_manual = :manual "
                f"AND NOT ({keep}) THEN 1 ELSE 0 END, "
                f"CASE WHEN {keep} THEN customer.score ELSE {score_expr} END "
                f"FROM customer WHERE customer.client_id = :client_id AND {clause} "
                f"AND ({where_sql})"
            ),
            {**base_params, **clause_params},
        )

    new_band = band_sql("t.new_score", config.thresholds)
    score_moved = _differs("t.new_score", "t.old_score")
    band_moved = _differs(new_band, "t.old_band")
    new_lifecycle = lifecycle_sql(new_band, "t.old_lifecycle", old_band="t.old_band")
    _create_dirty_table(conn)
    conn.execute(
        text(
            f"INSERT INTO {DIRTY_TABLE} (id, ws, old_score, new_score, old_band, new_band, "
            "old_lifecycle, new_lifecycle, kept, score_moved, band_moved) "
            f"SELECT t.id, t.ws, t.old_score, t.new_score, t.old_band, {new_band}, "
            f"t.old_lifecycle, {new_lifecycle}, t.kept, "
            f"CASE WHEN {score_moved} THEN 1 ELSE 0 END, "
            f"CASE WHEN {band_moved} THEN 1 ELSE 0 END "
            f"FROM {CALC_TABLE} t WHERE ({score_moved}) OR ({band_moved}) OR t.cleared = 1"
        )
    )
    scored, skipped = conn.execute(
        text(f"SELECT COUNT(*), COALESCE(SUM(kept), 0) FROM {CALC_TABLE}")
    ).one()
    dirty_count = int(conn.execute(text(f"SELECT COUNT(*) FROM {DIRTY_TABLE}")).scalar_one())

    summary = RescoreSummary(scored=int(scored), skipped_overrides=int(skipped))
    if dirty_count:
        _write_back(conn, dirty_count, now)
    return _conclude(
        session,
        actor,
        summary,
        sets,
        days_sql,
        now,
        dirty_count=dirty_count,
        include_overrides=include_overrides,
        cause=cause,
        commit=commit,
        record_unchanged=record_unchanged,
    )


def _conclude(
    session: Session,
    actor: Actor,
    summary: RescoreSummary,
    sets: list[WeightSet],
    days_sql: str,
    now: Any,
    *,
    dirty_count: int,
    include_overrides: bool,
    cause: str,
    commit: bool,
    record_unchanged: bool = True,
) -> RescoreSummary:
    """Snapshots, lifecycle audit, counts, the `rescore` entry and the bulk
    change hook, all from the `rescore_dirty` table (the scores are written)."""
    conn = session.connection()
    if dirty_count:
        _write_snapshots(conn, sets, days_sql, now, cause)
        summary.lifecycle_changes = _audit_transitions(conn, actor, now, cause)
    moves = conn.execute(
        text(
            "SELECT COALESCE(old_band, 'unscored'), COALESCE(new_band, 'unscored'), COUNT(*) "
            f"FROM {DIRTY_TABLE} WHERE band_moved = 1 GROUP BY 1, 2 ORDER BY 1, 2"
        )
    ).all()
    summary.band_moves = {f"{old}->{new}": int(count) for old, new, count in moves}
    changed_ids = _ids(
        conn, f"SELECT id FROM {DIRTY_TABLE} WHERE score_moved = 1 OR band_moved = 1 ORDER BY id"
    )
    summary.changed = len(changed_ids)
    summary.unchanged = summary.scored - summary.changed

    if summary.changed or record_unchanged:
        audit.record(
            session,
            actor,
            "rescore",
            details={
                **summary.to_dict(),
                "cause": cause,
                "include_overrides": include_overrides,
            },
            at=now,
        )
    changes.customers_changed_in_bulk(
        session, actor, changed_ids, cause=cause, changes_table=DIRTY_TABLE
    )
    _drop_temp_tables(conn)
    session.expire_all()
    if commit:
        session.commit()
    return summary


def _ids(conn: Connection, sql: str) -> array[int]:
    """The ids a query returns, read straight from the driver's cursor (in the
    connection's transaction): up to a million of them, where building a
    result row per id would cost about a second."""
    ids = array("q")
    raw = conn.connection.driver_connection
    assert raw is not None
    cursor = raw.cursor()
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(10_000):
            ids.extend([row[0] for row in rows])
    finally:
        cursor.close()
    return ids


def lifecycle_sql(new_band: str, lifecycle: str, *, old_band: str | None = None) -> str:
    """customers.lifecycle_transition, as SQL: the lifecycle after the band
    becomes `new_band` (from `old_band`; None for a row without one)."""
    risk = ", ".join(f"'{band}'" for band in RISK_BANDS)
    recovered = ", ".join(f"'{band}'" for band in RECOVERED_BANDS)

    def entering(bands: str) -> str:
        if old_band is None:
            return ""
        return f"AND ({old_band} IS NULL OR {old_band} NOT IN ({bands})) "

    return (
        f"(CASE WHEN {new_band} IN ({risk}) {entering(risk)}"
        f"AND {lifecycle} IN ('active', 'onboarding') THEN 'atrisk' "
        f"WHEN {new_band} IN ({recovered}) {entering(recovered)}"
        f"AND {lifecycle} = 'atrisk' THEN 'active' "
        f"ELSE {lifecycle} END)"
    )


def _create_dirty_table(conn: Connection) -> None:
    conn.execute(
        text(
            f"CREATE TEMP TABLE {DIRTY_TABLE} ("
            "id INTEGER PRIMARY KEY, ws INTEGER NOT NULL, old_score DOUBLE PRECISION, "
            "new_score DOUBLE PRECISION, "
            "old_band TEXT, new_band TEXT, old_lifecycle TEXT, new_lifecycle TEXT, "
            "kept INTEGER NOT NULL, score_moved INTEGER NOT NULL, band_moved INTEGER NOT NULL)"
        )
    )


# --- new customers inserted already scored -----------------------------------------


def record_inserted(
    session: Session,
    actor: Actor,
    given_table: str,
    *,
    cause: str,
    commit: bool = True,
) -> RescoreSummary:
    """Everything a rescore does after writing, for new customers inserted
    with their score, band and lifecycle: `given_table` (id, lifecycle) lists
    them with the lifecycle they were given. Snapshots, lifecycle audit entries, the
    `rescore` entry and the bulk hook are the same as `rescore_where` writes
    for customers that had no score before."""
    actor.require_write("rescore customers")
    session.flush()
    conn = session.connection()
    now = clock.now()
    config = settings.load_scoring_config(session, actor.client_id)
    profiles = settings.profile_weights(session, actor.client_id)
    sets = weight_sets(config, profiles)
    days_sql = dialect.effective_days_sql(conn, clock.today())
    _drop_temp_tables(conn)
    _create_dirty_table(conn)
    kept = (
        "CASE WHEN customer.score_manual = :manual AND customer.score IS NOT NULL THEN 1 ELSE 0 END"
    )
    for index, (clause, clause_params, _weights) in enumerate(sets):
        conn.execute(
            text(
                f"INSERT INTO {DIRTY_TABLE} (id, ws, old_score, new_score, old_band, new_band, "
                "old_lifecycle, new_lifecycle, kept, score_moved, band_moved) "
                f"SELECT customer.id, {index}, CASE WHEN {kept} = 1 THEN customer.score END, "
                f"customer.score, NULL, customer.band, g.lifecycle, customer.lifecycle, {kept}, "
                f"CASE WHEN {kept} = 0 AND customer.score IS NOT NULL THEN 1 ELSE 0 END, 1 "
                f"FROM {given_table} g JOIN customer ON customer.id = g.id "
                f"WHERE customer.band IS NOT NULL AND {clause} ORDER BY customer.id"
            ),
            {**clause_params, "manual": True},
        )
    scored, skipped = conn.execute(
        text(
            f"SELECT COUNT(*), COALESCE(SUM({kept}), 0) "
            f"FROM {given_table} g JOIN customer ON customer.id = g.id"
        ),
        {"manual": True},
    ).one()
    dirty_count = int(conn.execute(text(f"SELECT COUNT(*) FROM {DIRTY_TABLE}")).scalar_one())
    summary = RescoreSummary(scored=int(scored), skipped_overrides=int(skipped))
    return _conclude(
        session,
        actor,
        summary,
        sets,
        days_sql,
        now,
        dirty_count=dirty_count,
        include_overrides=False,
        cause=cause,
        commit=commit,
    )


# --- the SQL pieces -------------------------------------------------------------


def score_sql(conn: Connection, weights: Mapping[str, int], *, days_sql: str) -> str:
    """The rounded score over the `customer` columns: compute_score + round_score
    in SQL (NULL when no signal is present)."""
    raw = raw_score_sql(weights, days_sql=days_sql)
    if raw is None:
        return "NULL"
    floored = dialect.floor_sql(conn, f"{raw} * 10.0 + 0.5 + {ROUNDING_EPSILON!r}")
    return f"({floored} / 10.0)"


def _differs(left: str, right: str) -> str:
    """True when two values differ, a NULL counting as a value (portable
    IS DISTINCT FROM)."""
    return f"NOT COALESCE(({left}) = ({right}), ({left}) IS NULL AND ({right}) IS NULL)"


WeightSet = tuple[str, dict[str, Any], dict[str, int]]


def weight_sets(
    config: ScoringConfig, profiles: Mapping[str, Mapping[str, int]]
) -> list[WeightSet]:
    """(condition on `customer`, its params, effective weights) per weight set:
    the global weights first, then one per profile. The conditions partition
    the customers; one whose profile no longer exists gets the global weights."""
    sets: list[WeightSet] = []
    names: dict[str, Any] = {}
    for index, (name, weights) in enumerate(sorted(profiles.items())):
        key = f"profile_{index}"
        names[key] = name
        sets.append(
            (
                f"customer.scoring_profile = :{key}",
                {key: name},
                config.effective_weights(dict(weights)),
            )
        )
    if names:
        listed = ", ".join(f":{key}" for key in names)
        clause = f"(customer.scoring_profile IS NULL OR customer.scoring_profile NOT IN ({listed}))"
    else:
        clause = "1 = 1"
    return [(clause, names, config.effective_weights(None)), *sets]


def _write_back(conn: Connection, dirty_count: int, now: Any) -> None:
    """Write new scores, bands and lifecycles to the changed customers.

    When a large share of the table changes, the indexes over the rewritten
    columns are dropped first and built again afterwards: one sorted build is
    several times cheaper than moving most of their entries one by one."""
    total = int(conn.execute(text("SELECT COUNT(*) FROM customer")).scalar_one())
    rebuild = dirty_count >= REBUILD_MIN_ROWS and dirty_count >= REBUILD_MIN_SHARE * total
    dropped: list[Index] = []
    if rebuild:
        present = {ix["name"] for ix in inspect(conn).get_indexes("customer")}
        table = Customer.__table__  # type: ignore[attr-defined]
        for index in sorted(table.indexes, key=lambda ix: str(ix.name)):
            if index.name in present and SCORED_COLUMNS & {c.name for c in index.columns}:
                index.drop(conn)
                dropped.append(index)
    conn.execute(
        text(
            "UPDATE customer SET score = d.new_score, band = d.new_band, "
            "lifecycle = d.new_lifecycle, "
            "score_manual = CASE WHEN d.kept = 1 THEN :yes ELSE :no END, scored_at = :now, "
            # every row here changed (score, band or override): pollers of
            # changes since a time must see it
            "updated_at = :now "
            f"FROM {DIRTY_TABLE} AS d WHERE customer.id = d.id"
        ).bindparams(bindparam("now", type_=DateTime())),
        {"yes": True, "no": False, "now": now},
    )
    for index in dropped:
        index.create(conn)


def _write_snapshots(
    conn: Connection, sets: list[WeightSet], days_sql: str, now: Any, cause: str
) -> None:
    """One snapshot per customer whose score changed, with the signal values it
    was scored on (days effective today) and the weights used."""
    for index, (_clause, _params, weights) in enumerate(sets):
        conn.execute(
            text(
                "INSERT INTO score_snapshot (customer_id, taken_at, score, band, logins, "
                "adoption, tickets, nps, csat, days, growth, weights, source) "
                "SELECT customer.id, :now, d.new_score, d.new_band, customer.logins, "
                "customer.adoption, customer.tickets, customer.nps, customer.csat, "
                f"{days_sql}, customer.growth, :weights, :source "
                f"FROM {DIRTY_TABLE} d JOIN customer ON customer.id = d.id "
                "WHERE d.ws = :ws AND d.score_moved = 1 AND d.new_score IS NOT NULL "
                "ORDER BY d.id"
            ).bindparams(bindparam("now", type_=DateTime()), bindparam("weights", type_=JSON())),
            {"now": now, "weights": dict(weights), "source": cause, "ws": index},
        )


def _audit_transitions(conn: Connection, actor: Actor, now: Any, cause: str) -> int:
    """One `customer.lifecycle.auto` entry per transition (as apply_changes
    writes them), in one pass over the changes; returns how many."""
    details = dialect.json_object_sql(
        conn,
        [
            ("from", "d.old_lifecycle"),
            ("to", "d.new_lifecycle"),
            ("band", "d.new_band"),
            ("cause", "CAST(:cause AS TEXT)"),
        ],
    )
    written = conn.execute(
        text(
            "INSERT INTO audit_entry (client_id, at, user_email, action, customer_id, "
            "customer_name, details) "
            "SELECT :client_id, :now, :email, 'customer.lifecycle.auto', customer.id, "
            f"customer.name, {details} FROM {DIRTY_TABLE} d "
            "JOIN customer ON customer.id = d.id "
            "WHERE d.new_lifecycle <> d.old_lifecycle ORDER BY d.id"
        ).bindparams(bindparam("now", type_=DateTime())),
        {"client_id": actor.client_id, "now": now, "email": actor.email, "cause": cause},
    )
    return int(written.rowcount)


def _drop_temp_tables(conn: Connection) -> None:
    for name in (CALC_TABLE, DIRTY_TABLE):
        conn.execute(text(f"DROP TABLE IF EXISTS {name}"))
