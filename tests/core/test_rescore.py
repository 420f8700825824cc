"""Bulk rescoring: the SQL path agrees with compute_score to the bit, and a
rescore writes snapshots, overrides, lifecycle moves and audit entries as the
single-customer path does."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlmodel import Session, col, select

from iqcadence.core.accounts import customers, rescore
from iqcadence.core.base import clock
from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import PermissionDenied
from iqcadence.core.scoring.formula import (
    SIGNALS,
    THRESHOLD_KEYS,
    ScoringConfig,
    compute_score,
    effective_days,
    round_score,
    subscore,
)
from iqcadence.core.store import settings as cfg
from iqcadence.core.store.models import AuditEntry, ScoreSnapshot

# --- strategies -----------------------------------------------------------------


def weights_strategy(with_csat: bool) -> st.SearchStrategy[dict[str, int]]:
    """Whole-number weights over the signals totalling 100 (some zero)."""
    names = [s for s in SIGNALS if with_csat or s != "csat"]

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, int]:
        cuts = sorted(
            draw(st.lists(st.integers(0, 100), min_size=len(names) - 1, max_size=len(names) - 1))
        )
        bounds = [0, *cuts, 100]
        weights = {name: bounds[i + 1] - bounds[i] for i, name in enumerate(names)}
        return {name: weights.get(name, 0) for name in SIGNALS}

    return build()


thresholds_strategy = (
    st.lists(
        st.one_of(
            st.integers(1, 100), st.floats(0.5, 100, allow_nan=False).map(lambda x: round(x, 1))
        ),
        min_size=4,
        max_size=4,
        unique=True,
    )
    .map(sorted)
    .filter(lambda values: values[0] > 0 and len(set(values)) == 4)
    .map(lambda values: dict(zip(THRESHOLD_KEYS, values, strict=True)))
)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


signal_rows = st.fixed_dictionaries(
    {
        "logins": maybe(st.integers(0, 60)),
        "adoption": maybe(
            st.one_of(
                st.integers(0, 100), st.floats(0, 100, allow_nan=False).map(lambda x: round(x, 2))
            )
        ),
        "tickets": maybe(st.integers(0, 9)),
        "nps": maybe(st.integers(0, 10)),
        "csat": maybe(st.one_of(st.integers(1, 5), st.floats(1, 5).map(lambda x: round(x, 2)))),
        "days_baseline": maybe(st.integers(0, 400)),
        "age": maybe(st.integers(0, 250)),  # days since the baseline was true
        "growth": st.sampled_from(["strong", "mild", "none", "na", None]),
        "profile": st.integers(0, 2),  # 0 = global weights
    }
)


# --- helpers --------------------------------------------------------------------


def insert_customer(session: Session, actor: Actor, name: str, **values: Any) -> int:
    """A raw customer row (no scoring), as an import would leave it."""
    row: dict[str, Any] = {
        "client_id": actor.client_id,
        "name": name,
        "name_key": name.casefold(),
        "lifecycle": "active",
        "status": "active",
        "tags": "",
        "score_manual": False,
        "created_at": clock.now(),
        "updated_at": clock.now(),
        **values,
    }
    columns = ", ".join(row)
    marks = ", ".join(f":{key}" for key in row)
    result = session.connection().execute(
        text(f"INSERT INTO customer ({columns}) VALUES ({marks}) RETURNING id"), row
    )
    return int(result.scalar_one())


def python_raw(signals: dict[str, Any], weights: dict[str, int]) -> float | None:
    """The unrounded weighted mean in compute_score's order of operations."""
    numerator, denominator = 0.0, 0
    for name in SIGNALS:
        sub = subscore(name, signals.get(name))
        weight = weights.get(name, 0)
        if sub is not None and weight > 0:
            numerator = numerator + weight * sub
            denominator = denominator + weight
        else:
            numerator = numerator + 0.0
    return numerator / denominator if denominator else None


def scores(session: Session) -> dict[str, tuple[float | None, str | None, str, bool]]:
    rows = session.connection().execute(
        text("SELECT name, score, band, lifecycle, score_manual FROM customer")
    )
    return {name: (score, band, life, bool(manual)) for name, score, band, life, manual in rows}


def snapshot_count(session: Session, name: str | None = None) -> int:
    sql = "SELECT COUNT(*) FROM score_snapshot"
    params: dict[str, Any] = {}
    if name is not None:
        sql += " WHERE customer_id = (SELECT id FROM customer WHERE name = :name)"
        params["name"] = name
    return int(session.connection().execute(text(sql), params).scalar_one())


def set_weights(session: Session, actor: Actor, **weights: int) -> None:
    config = cfg.load_scoring_config(session, actor.client_id)
    full = {name: weights.get(name, 0) for name in SIGNALS}
    cfg.save_scoring_config(session, actor, replace(config, weights=full))


# --- the two implementations agree ------------------------------------------------


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    csat_on=st.booleans(),
    data=st.data(),
    thresholds=thresholds_strategy,
    rows=st.lists(signal_rows, min_size=1, max_size=12),
)
def test_sql_path_matches_compute_score_to_the_bit(
    engine_db: Any,
    session: Session,
    actor: Actor,
    csat_on: bool,
    data: st.DataObject,
    thresholds: dict[str, float],
    rows: list[dict[str, Any]],
) -> None:
    conn = session.connection()
    conn.execute(text("DELETE FROM score_snapshot"))
    conn.execute(text("DELETE FROM customer"))
    conn.execute(text("DELETE FROM scoring_profile"))
    weights = data.draw(weights_strategy(csat_on), label="weights")
    config = ScoringConfig(weights=weights, csat_enabled=csat_on, thresholds=thresholds)
    session.commit()
    cfg.save_scoring_config(session, actor, config)
    profile_weights = {
        f"p{i}": data.draw(weights_strategy(True), label=f"profile p{i}") for i in (1, 2)
    }
    for name, profile in profile_weights.items():
        cfg.save_profile(session, actor, name, profile)

    today = clock.today()
    expected: dict[str, tuple[float | None, str | None]] = {}
    for index, row in enumerate(rows):
        as_of = None if row["age"] is None else today - timedelta(days=row["age"])
        profile = f"p{row['profile']}" if row["profile"] else None
        name = f"C{index}"
        insert_customer(
            session,
            actor,
            name,
            logins=row["logins"],
            adoption=row["adoption"],
            tickets=row["tickets"],
            nps=row["nps"],
            csat=row["csat"],
            days_baseline=row["days_baseline"],
            days_as_of=as_of,
            growth=row["growth"],
            scoring_profile=profile,
        )
        signals = {key: row[key] for key in SIGNALS if key in row}
        signals["days"] = effective_days(row["days_baseline"], as_of, today)
        used = config.effective_weights(profile_weights[profile] if profile else None)
        result = compute_score(signals, used, thresholds)
        raw = python_raw(signals, used)
        assert result.score == (None if raw is None else round_score(raw))
        expected[name] = (result.score, result.band)

    summary = rescore.rescore_all(session, actor)
    got = scores(session)
    for name, (score, band) in expected.items():
        assert got[name][0] == score, name  # exact float equality, not approx
        assert got[name][1] == band, name
    assert summary.scored == len(rows)
    assert summary.changed == sum(1 for s, _ in expected.values() if s is not None)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(signal_rows, min_size=1, max_size=8), weights=weights_strategy(False))
def test_unrounded_sql_mean_is_bit_identical(
    session: Session, rows: list[dict[str, Any]], weights: dict[str, int]
) -> None:
    """Before rounding, too: the SQL mean equals the Python mean exactly (on
    SQLite; PostgreSQL reads literals such as 100.0 as NUMERIC, so there the
    last bit may differ and the rounded score is what is held equal, above)."""
    from iqcadence.core.scoring.formula import raw_score_sql
    from iqcadence.core.store import dialect

    conn = session.connection()
    today = clock.today()
    days_sql = dialect.effective_days_sql(conn, today)
    raw_sql = raw_score_sql(weights, days_sql=days_sql)
    assert raw_sql is not None
    for row in rows:
        as_of = None if row["age"] is None else today - timedelta(days=row["age"])
        got = conn.execute(
            text(
                f"SELECT {raw_sql} FROM (SELECT :logins AS logins, :adoption AS adoption, "
                ":tickets AS tickets, :nps AS nps, :csat AS csat, "
                ":baseline AS days_baseline, :as_of AS days_as_of, :growth AS growth) AS customer"
            ),
            {
                "logins": row["logins"],
                "adoption": row["adoption"],
                "tickets": row["tickets"],
                "nps": row["nps"],
                "csat": row["csat"],
                "baseline": row["days_baseline"],
                "as_of": as_of.isoformat() if as_of else None,
                "growth": row["growth"],
            },
        ).scalar_one()
        signals = {key: row[key] for key in SIGNALS if key in row}
        signals["days"] = effective_days(row["days_baseline"], as_of, today)
        assert got == python_raw(signals, weights)


# --- what a rescore writes ------------------------------------------------------


def test_snapshots_only_where_the_score_changed(
    engine_db: Any, session: Session, actor: Actor
) -> None:
    customers.apply_changes(session, actor, "Steady", {"nps": 10})
    customers.apply_changes(session, actor, "Mover", {"logins": 30, "adoption": 20})
    assert snapshot_count(session) == 2

    unchanged = rescore.rescore_all(session, actor)
    assert (unchanged.scored, unchanged.changed, unchanged.unchanged) == (2, 0, 2)
    assert snapshot_count(session) == 2

    set_weights(session, actor, logins=10, adoption=40, tickets=20, nps=15, days=10, growth=5)
    summary = rescore.rescore_all(session, actor)
    assert (summary.changed, summary.unchanged) == (1, 1)
    assert snapshot_count(session, "Steady") == 1
    assert snapshot_count(session, "Mover") == 2
    # 10*100 + 40*20 over 50 = 36.0
    assert scores(session)["Mover"][0] == 36.0
    latest = session.exec(
        select(ScoreSnapshot).order_by(col(ScoreSnapshot.id).desc()).limit(1)
    ).one()
    assert latest.source == "rescore"
    assert latest.score == 36.0 and latest.band == "at_risk"
    assert (latest.logins, latest.adoption, latest.nps) == (30, 20.0, None)
    assert latest.weights == {
        "logins": 10,
        "adoption": 40,
        "tickets": 20,
        "nps": 15,
        "csat": 0,
        "days": 10,
        "growth": 5,
    }


def test_cause_is_recorded_on_snapshots_and_audit(session: Session, actor: Actor) -> None:
    insert_customer(session, actor, "Fresh", nps=9)
    summary = rescore.rescore_where(
        session, actor, "customer.name = :n", {"n": "Fresh"}, cause="import"
    )
    assert summary.changed == 1
    snap = session.exec(select(ScoreSnapshot)).one()
    assert (snap.source, snap.score, snap.band) == ("import", 100.0, "expansion")
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "rescore")).one()
    assert entry.details["cause"] == "import"
    assert entry.details["changed"] == 1


def test_overrides_kept_unless_included(engine_db: Any, session: Session, actor: Actor) -> None:
    customers.apply_changes(session, actor, "Manual", {"logins": 30, "adoption": 100, "score": 30})
    assert scores(session)["Manual"] == (30.0, "at_risk", "atrisk", True)
    config = cfg.load_scoring_config(session, actor.client_id)
    cfg.save_scoring_config(
        session,
        actor,
        replace(config, thresholds={"at_risk": 20, "watch": 28, "healthy": 60, "expansion": 90}),
    )
    before = snapshot_count(session)

    kept = rescore.rescore_all(session, actor)
    assert kept.skipped_overrides == 1
    assert kept.band_moves == {"at_risk->watch": 1}
    assert scores(session)["Manual"][:2] == (30.0, "watch")
    assert scores(session)["Manual"][3] is True
    assert snapshot_count(session) == before  # the score itself did not move

    included = rescore.rescore_all(session, actor, include_overrides=True)
    assert included.skipped_overrides == 0
    assert included.band_moves == {"watch->expansion": 1}
    assert scores(session)["Manual"] == (100.0, "expansion", "active", False)
    assert snapshot_count(session) == before + 1


def test_lifecycle_transitions_are_audited(engine_db: Any, session: Session, actor: Actor) -> None:
    customers.apply_changes(session, actor, "Slipping", {"logins": 30, "adoption": 10})
    customers.apply_changes(session, actor, "Won deal", {"logins": 30, "adoption": 10})
    customers.apply_changes(session, actor, "Won deal", {"lifecycle": "won"})
    customers.apply_changes(session, actor, "Onboard", {"logins": 30, "adoption": 10})
    customers.apply_changes(session, actor, "Onboard", {"lifecycle": "onboarding"})
    assert scores(session)["Slipping"][:3] == (55.0, "watch", "active")

    set_weights(session, actor, logins=5, adoption=60, tickets=10, nps=10, days=10, growth=5)
    summary = rescore.rescore_all(session, actor)
    # 5*100 + 60*10 over 65 = 16.9 → critical
    after = scores(session)
    assert after["Slipping"][:3] == (16.9, "critical", "atrisk")
    assert after["Onboard"][2] == "atrisk"
    assert after["Won deal"][2] == "won"  # never changes by itself
    assert summary.lifecycle_changes == 2
    assert summary.band_moves == {"watch->critical": 3}
    entries = session.exec(
        select(AuditEntry)
        .where(AuditEntry.action == "customer.lifecycle.auto")
        .order_by(col(AuditEntry.customer_name))
    ).all()
    assert [(e.customer_name, e.details["from"], e.details["to"]) for e in entries] == [
        ("Onboard", "onboarding", "atrisk"),
        ("Slipping", "active", "atrisk"),
    ]
    assert all(e.user_email == actor.email and e.details["band"] == "critical" for e in entries)
    summary_entry = session.exec(select(AuditEntry).where(AuditEntry.action == "rescore")).one()
    assert summary_entry.details["lifecycle_changes"] == 2
    assert summary_entry.details["band_moves"] == {"watch->critical": 3}

    # recovering to healthy moves atrisk back to active
    set_weights(session, actor, logins=100)
    back = rescore.rescore_all(session, actor)
    assert scores(session)["Slipping"][:3] == (100.0, "expansion", "active")
    assert back.lifecycle_changes == 2
    assert back.band_moves == {"critical->expansion": 3}


def test_band_moves_and_unscored(session: Session, actor: Actor) -> None:
    customers.apply_changes(session, actor, "Only NPS", {"nps": 8})
    customers.apply_changes(session, actor, "Only logins", {"logins": 15})
    customers.apply_changes(session, actor, "Nothing", {"tier": "smb"})
    set_weights(session, actor, logins=60, adoption=40)
    summary = rescore.rescore_all(session, actor)
    got = scores(session)
    assert got["Only NPS"][:2] == (None, None)
    assert got["Only logins"][:2] == (50.0, "watch")
    assert got["Nothing"][:2] == (None, None)
    assert summary.band_moves == {"watch->unscored": 1}
    assert (summary.scored, summary.changed, summary.unchanged) == (3, 1, 2)


def test_decay_follows_iqcadence_today(
    engine_db: Any, session: Session, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    customers.apply_changes(session, actor, "Quiet", {"days": 0})
    assert scores(session)["Quiet"][0] == 100.0
    monkeypatch.setenv("IQCADENCE_TODAY", (date(2026, 11, 27) + timedelta(days=90)).isoformat())
    summary = rescore.rescore_all(session, actor)
    assert summary.changed == 1
    assert scores(session)["Quiet"][:2] == (50.0, "watch")
    latest = session.exec(
        select(ScoreSnapshot).order_by(col(ScoreSnapshot.id).desc()).limit(1)
    ).one()
    assert latest.days == 90


def test_rescore_where_touches_only_matching_rows(session: Session, actor: Actor) -> None:
    first = insert_customer(session, actor, "In", logins=30)
    insert_customer(session, actor, "Out", logins=30)
    conn = session.connection()
    conn.execute(text("CREATE TEMP TABLE temp_import_ids (id INTEGER PRIMARY KEY)"))
    conn.execute(text("INSERT INTO temp_import_ids (id) VALUES (:id)"), {"id": first})
    summary = rescore.rescore_where(
        session,
        actor,
        "customer.id IN (SELECT id FROM temp_import_ids)",
        {},
        cause="import",
        commit=False,
    )
    assert summary.scored == 1 and summary.changed == 1
    got = scores(session)
    assert got["In"][:2] == (100.0, "expansion")
    assert got["Out"][:2] == (None, None)
    session.commit()


def test_changed_ids_reach_the_bulk_hook(
    session: Session, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    from iqcadence.core.accounts import changes

    heard: list[tuple[list[int], str, int]] = []

    def hook(s: Session, a: Actor, ids: Any, *, cause: str, changes_table: str) -> None:
        # the event names the table of changes, which is there while handlers run
        dirty = s.connection().execute(text(f"SELECT COUNT(*) FROM {changes_table}")).scalar_one()
        heard.append((list(ids), cause, int(dirty)))

    monkeypatch.setattr(changes, "customers_changed_in_bulk", hook)
    a = insert_customer(session, actor, "A", nps=9)
    insert_customer(session, actor, "B")
    rescore.rescore_all(session, actor, cause="rescore")
    assert heard == [([a], "rescore", 1)]


def test_viewer_cannot_rescore(session: Session, actor: Actor) -> None:
    viewer = Actor(email="v@example.com", role="viewer", client_id=actor.client_id)
    with pytest.raises(PermissionDenied):
        rescore.rescore_all(session, viewer)


def test_large_share_rebuilds_score_indexes(
    session: Session, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With most rows changing, indexes are dropped and rebuilt — and are back after."""
    from sqlalchemy import Index, inspect

    dropped: list[str] = []
    original_drop = Index.drop

    def spy(self: Index, bind: Any, checkfirst: bool = False) -> None:
        dropped.append(str(self.name))
        original_drop(self, bind, checkfirst=checkfirst)

    monkeypatch.setattr(Index, "drop", spy)
    monkeypatch.setattr(rescore, "REBUILD_MIN_ROWS", 1)
    for index in range(5):
        insert_customer(session, actor, f"N{index}", logins=index * 5, tier="smb")
    before = {ix["name"] for ix in inspect(session.connection()).get_indexes("customer")}
    summary = rescore.rescore_all(session, actor)
    assert summary.changed == 5
    assert sorted(dropped) == [
        "ix_customer_lifecycle",
        "ix_customer_score",
        "ix_customer_status_band",
        "ix_customer_tier_score",
        "ix_customer_updated",
    ]
    after = {ix["name"] for ix in inspect(session.connection()).get_indexes("customer")}
    assert after == before
    top = session.connection().execute(
        text("SELECT name, score FROM customer WHERE tier = 'smb' ORDER BY score DESC LIMIT 1")
    )
    assert tuple(top.one()) == ("N4", 66.7)


def test_publishing_a_change_without_wiring_fails_loudly(
    session: Session, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    from iqcadence.core.accounts import changes

    monkeypatch.setattr(changes, "_installed", False)
    insert_customer(session, actor, "A", nps=9)
    with pytest.raises(changes.WiringMissing, match="wiring.install"):
        rescore.rescore_all(session, actor, cause="rescore")


def test_the_wiring_subscribes_timeline_playbooks_and_alerts_in_order() -> None:
    from iqcadence.core.accounts import changes

    assert changes.subscribers() == ("timeline", "playbooks", "current_alerts", "alerts")
