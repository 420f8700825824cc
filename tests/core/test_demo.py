"""The demo portfolio: deterministic, realistic, consistent with the scoring
model, and never written over a database that is not a demo."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from iqcadence.core.accounts import customers, history
from iqcadence.core.base.errors import Conflict, InvalidValue
from iqcadence.core.demo import portfolio as demo
from iqcadence.core.demo.context import DemoContext
from iqcadence.core.read import customer_pages as queries
from iqcadence.core.scoring.formula import BANDS, TIERS
from iqcadence.core.store import settings
from iqcadence.core.store.db import Database, data_dir, open_database, resolve_location

TODAY = date(2026, 11, 27)


def rows(path: Path, sql: str) -> list[tuple[Any, ...]]:
    database = open_database(resolve_location(path))
    try:
        with database.session() as session:
            return [tuple(r) for r in session.connection().execute(text(sql))]
    finally:
        database.dispose()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One default-size demo shared by the read-only tests of this module."""
    import os

    saved = {k: os.environ.get(k) for k in ("IQCADENCE_USER", "IQCADENCE_TODAY")}
    os.environ["IQCADENCE_USER"] = "admin@example.com"
    os.environ["IQCADENCE_TODAY"] = TODAY.isoformat()
    try:
        path = tmp_path_factory.mktemp("demo") / "demo.db"
        summary = demo.build_demo(path)
        assert summary.customers == 250
        return path
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture
def demo_db(built: Path) -> Any:
    database = open_database(resolve_location(built))
    yield database
    database.dispose()


def test_every_tier_band_and_manager_is_there(built: Path) -> None:
    tiers = {t for (t,) in rows(built, "SELECT DISTINCT tier FROM customer")}
    bands = {b for (b,) in rows(built, "SELECT DISTINCT band FROM customer")}
    assert tiers == set(TIERS)
    assert bands == set(BANDS)
    csms = rows(built, "SELECT name FROM user WHERE role = 'csm' ORDER BY name")
    assert len(csms) >= 5
    managers = {m for (m,) in rows(built, "SELECT DISTINCT manager FROM customer")}
    assert managers == {name for (name,) in csms}


def test_names_renewals_tags_and_sentiments_look_real(built: Path) -> None:
    names = {n for (n,) in rows(built, "SELECT name FROM customer")}
    assert {"Zürich Café", "Łódź Logistics"} <= names
    assert len(names) == 250
    renewals = [date.fromisoformat(r) for (r,) in rows(built, "SELECT renewal_date FROM customer")]
    assert min(renewals) > TODAY and max(renewals) <= TODAY + timedelta(days=365)
    months = {(r.year, r.month) for r in renewals}
    assert len(months) >= 12
    tags = {t for (ts,) in rows(built, "SELECT tags FROM customer") for t in ts.split("|")}
    assert {"amer", "emea", "apac", "strategic"} <= tags
    sentiments = {s for (s,) in rows(built, "SELECT DISTINCT sentiment FROM customer")}
    assert {"positive", "neutral", "negative"} <= sentiments
    domains = dict(rows(built, "SELECT name, domain FROM customer"))
    assert domains["Łódź Logistics"] == "lodz-logistics.example"


def test_scores_are_what_the_scoring_model_computes(demo_db: Database) -> None:
    with demo_db.session() as session:
        config = settings.load_scoring_config(session, 1)
        assert {p.name for p in settings.list_profiles(session, 1)} == {
            "enterprise",
            "self-serve",
        }
        profiled = 0
        manual = 0
        for row in queries.list_customers(session, 1, limit=None, sort="name"):
            customer = customers.find_customer(session, 1, row["name"])
            assert customer is not None
            if customer.score_manual:
                manual += 1
                continue
            result = customers.evaluate(session, customer, config, TODAY)
            assert (customer.score, customer.band) == (result.score, result.band)
            profiled += customer.scoring_profile is not None
        assert profiled > 10
        assert 1 <= manual <= 5


def test_history_spans_ninety_days_with_drops_in_the_last_week(demo_db: Database) -> None:
    with demo_db.session() as session:
        conn = session.connection()
        spans = conn.execute(
            text(
                "SELECT customer_id, MIN(taken_at), MAX(taken_at), COUNT(*) FROM score_snapshot "
                "GROUP BY customer_id"
            )
        ).all()
        assert len(spans) == 250
        for _cid, first, _last, count in spans:
            assert str(first)[:10] <= (TODAY - timedelta(days=85)).isoformat()
            assert count >= 10
        latest_matches = conn.execute(
            text(
                "SELECT COUNT(*) FROM customer c JOIN score_snapshot s ON s.customer_id = c.id "
                "WHERE c.score_manual = 0 AND s.taken_at = (SELECT MAX(taken_at) FROM "
                "score_snapshot WHERE customer_id = c.id) AND s.score = c.score"
            )
        ).scalar_one()
        manual = conn.execute(text("SELECT COUNT(*) FROM customer WHERE score_manual = 1"))
        assert latest_matches == 250 - manual.scalar_one()
        rows_ = queries.list_customers(session, 1, limit=None)
        momentum = history.momentum_for(session, rows_, TODAY)
        drops = [m for m in momentum.values() if m is not None and m <= -15]
        assert len(drops) >= 3
        # customers in trouble were moved to atrisk
        risky = conn.execute(
            text(
                "SELECT COUNT(*) FROM customer WHERE band IN ('critical', 'at_risk') "
                "AND lifecycle IN ('active', 'onboarding')"
            )
        ).scalar_one()
        assert risky == 0


def test_same_seed_same_portfolio_other_seed_other(tmp_path: Path) -> None:
    query = (
        "SELECT name, tier, manager, score, band, lifecycle, tags, mrr, renewal_date "
        "FROM customer ORDER BY id"
    )
    first = tmp_path / "a.db"
    demo.build_demo(first, customers=40, seed=11)
    again = rows(first, query)
    demo.build_demo(first, customers=40, seed=11)  # a demo file is recreated
    assert rows(first, query) == again
    other = tmp_path / "b.db"
    demo.build_demo(other, customers=40, seed=12)
    assert rows(other, query) != again
    assert len(again) == 40


def test_default_file_is_in_the_data_dir_and_the_user_database_is_untouched() -> None:
    summary = demo.build_demo(customers=30)
    assert summary.path == data_dir() / "demo.db"
    assert summary.path.exists()
    assert not (data_dir() / "iqcadence.db").exists()
    assert not Path(f"{summary.path}.building").exists()
    assert summary.to_dict()["customers"] == 30
    assert sum(summary.bands.values()) <= 30


def test_an_existing_database_that_is_not_a_demo_is_refused(db_path: Path) -> None:
    database = open_database(resolve_location(db_path))
    with database.session() as session:
        from iqcadence.core.store.users import resolve_actor

        customers.apply_changes(session, resolve_actor(session), "Keep Me", {"nps": 9})
    database.dispose()
    before = db_path.read_bytes()
    with pytest.raises(Conflict, match="not an iqcadence demo database"):
        demo.build_demo(db_path, customers=10)
    assert db_path.read_bytes() == before


def test_customer_count_is_validated(tmp_path: Path) -> None:
    with pytest.raises(InvalidValue, match="--customers"):
        demo.build_demo(tmp_path / "x.db", customers=0)
    assert not (tmp_path / "x.db").exists()


def test_sections_can_be_added(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []

    def build_extra(ctx: DemoContext) -> int:
        seen.append(len(ctx.customers))
        assert all(c.band is not None for c in ctx.customers)
        return 3

    monkeypatch.setattr(demo, "SECTIONS", [*demo.SECTIONS, build_extra])
    summary = demo.build_demo(tmp_path / "s.db", customers=25)
    assert seen == [25]
    assert summary.sections["extra"] == 3
