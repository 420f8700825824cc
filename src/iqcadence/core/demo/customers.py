"""The demo sections that set up the book: the CSM team, the scoring
profiles, and the customers with their signals, scored set-based with the
same expression as `rescore`, each with its current snapshot."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from datetime import time as dtime
from typing import Any

from sqlalchemy import JSON, DateTime, bindparam, text

from iqcadence.core.accounts import rescore
from iqcadence.core.demo.bulk import bulk_insert, indexes_off
from iqcadence.core.demo.context import DemoContext, DemoCustomer, DemoManager
from iqcadence.core.demo.health import Bias, clamp, health_and_trend, noise, signals
from iqcadence.core.demo.vocabulary import (
    MANAGERS,
    NOTES,
    OTHER_TAGS,
    PROFILES,
    REGION_TAGS,
    VIEWER,
    company_names,
    slug,
)
from iqcadence.core.scoring.formula import band_sql
from iqcadence.core.store import dialect, search_index, settings
from iqcadence.core.store.models import Customer, User

CUSTOMER_COLUMNS: tuple[str, ...] = (
    "id", "client_id", "name", "name_key", "website", "domain", "email", "phone",
    "industry", "notes", "tier", "lifecycle", "status", "manager", "mrr", "arr",
    "renewal_date", "customer_since", "next_touch", "last_contact_date", "tags",
    "sentiment", "scoring_profile", "logins", "adoption", "tickets", "nps", "csat",
    "days_baseline", "days_as_of", "growth", "score_manual", "created_at", "updated_at",
)  # fmt: skip


def build_users(ctx: DemoContext) -> int:
    """The CSM team (role csm) and one read-only viewer."""
    for name, email in MANAGERS:
        ctx.session.add(User(email=email, name=name, role="csm"))
        ctx.managers.append(DemoManager(name=name, email=email))
    ctx.session.add(User(email=VIEWER[1], name=VIEWER[0], role="viewer"))
    ctx.session.flush()
    return len(MANAGERS) + 1


def build_profiles(ctx: DemoContext) -> int:
    for name, (description, weights) in PROFILES.items():
        settings.save_profile(ctx.session, ctx.actor, name, weights, description=description)
    return len(PROFILES)


def build_customers(ctx: DemoContext) -> int:
    """The customers with their signals, then scored in SQL with the same
    expression as `rescore` (global weights or their profile's); a customer in
    trouble moves to `atrisk`, and each gets its current snapshot."""
    rng = ctx.rng_for("customers")
    conn = ctx.conn
    managers = [m.name for m in ctx.managers] or ["Unassigned"]
    names = company_names(ctx.size, rng)
    ctx.state.setdefault("bias", {})
    first_id = int(conn.execute(text("SELECT COALESCE(MAX(id), 0) FROM customer")).scalar_one())
    table = Customer.__table__  # type: ignore[attr-defined]
    search_index.suspend_search_triggers(conn)
    with indexes_off(conn, table):
        batch: list[tuple[Any, ...]] = []
        for index, (name, industry) in enumerate(names):
            customer = _new_customer(ctx, rng, first_id + index + 1, name, industry, managers)
            batch.append(customer)
            if len(batch) >= 5000:
                bulk_insert(conn, "customer", CUSTOMER_COLUMNS, batch)
                batch = []
        bulk_insert(conn, "customer", CUSTOMER_COLUMNS, batch)
        _manual_overrides(ctx, rng)
        _score_customers(ctx)
    search_index.rebuild_search_index(conn)
    by_id = {c.id: c for c in ctx.customers}
    for customer_id, score, band in conn.execute(text("SELECT id, score, band FROM customer")):
        found = by_id.get(int(customer_id))
        if found is not None:
            found.score, found.band = score, band
    return len(ctx.customers)


def _new_customer(
    ctx: DemoContext,
    rng: random.Random,
    customer_id: int,
    name: str,
    industry: str,
    managers: list[str],
) -> tuple[Any, ...]:
    """One customer row (in CUSTOMER_COLUMNS order); remembers it in ctx."""
    today = ctx.today
    tier = rng.choices(("smb", "mid", "enterprise"), weights=(55, 30, 15))[0]
    health, trend = health_and_trend(rng)
    days = int(clamp(round((1 - health) * 75 + noise(rng, 9)), 0, 150))
    bias = Bias(
        logins=noise(rng, 3),
        adoption=noise(rng, 6),
        tickets=noise(rng, 0.7),
        nps=noise(rng, 0.8),
        days_now=days,
        days_cycle=rng.choice((14, 21, 30, 45)),
        has_nps=rng.random() > 0.15,
        has_csat=rng.random() > 0.4,
        has_tickets=rng.random() > 0.03,
        growth_na=rng.random() < 0.08,
    )
    ctx.state["bias"][customer_id] = bias
    logins, adoption, tickets, nps, csat, growth = signals(health, bias, rng, 1.0)
    last_contact = today - timedelta(days=days)
    mrr_base = {"smb": 6.3, "mid": 8.2, "enterprise": 9.9}[tier]
    mrr = round(rng.lognormvariate(mrr_base, 0.45) / 10) * 10.0 or 50.0
    since = today - timedelta(days=rng.randrange(40, 6 * 365))
    lifecycle = "onboarding" if (today - since).days < 90 else "active"
    status = "active"
    roll = rng.random()
    if roll < 0.015:
        lifecycle, status = "churned", "archived"
    elif roll < 0.025:
        lifecycle = "won"
    domain = f"{slug(name)}.example"
    tags = [rng.choice(REGION_TAGS)]
    if tier == "enterprise" and rng.random() < 0.6:
        tags.append("strategic")
    if tier == "smb" and rng.random() < 0.5:
        tags.append("self-serve")
    if trend == "declining" and rng.random() < 0.3:
        tags.append("champion-left")
    if health > 0.75 and rng.random() < 0.35:
        tags.append("upsell")
    if rng.random() < 0.25:
        tags.append(rng.choice(OTHER_TAGS))
    profile = None
    if tier == "enterprise" and rng.random() < 0.7:
        profile = "enterprise"
    elif "self-serve" in tags and rng.random() < 0.8:
        profile = "self-serve"
    sentiment = None
    if rng.random() > 0.1:
        mood = health + noise(rng, 0.1)
        sentiment = "positive" if mood > 0.7 else "negative" if mood < 0.38 else "neutral"
    renewal = today + timedelta(days=rng.randrange(1, 366))
    manager = rng.choice(managers)
    ctx.customers.append(
        DemoCustomer(
            id=customer_id,
            name=name,
            tier=tier,
            manager=manager,
            health=health,
            trend=trend,
            mrr=mrr,
            renewal_date=renewal,
            customer_since=since,
            domain=domain,
            industry=industry,
        )
    )
    return (
        customer_id,
        ctx.actor.client_id,
        name,
        " ".join(name.split()).casefold(),
        f"https://www.{domain}",
        domain,
        f"hello@{domain}",
        f"+1 555 01{rng.randrange(100):02d}",
        industry,
        rng.choice(NOTES) if rng.random() < 0.15 else None,
        tier,
        lifecycle,
        status,
        manager,
        mrr,
        round(mrr * 12, 2),
        renewal,
        since,
        today + timedelta(days=rng.randrange(-5, 30)) if rng.random() < 0.6 else None,
        last_contact,
        "|".join(dict.fromkeys(tags)),
        sentiment,
        profile,
        logins if rng.random() > 0.03 else None,
        adoption if rng.random() > 0.03 else None,
        tickets,
        nps,
        csat,
        0,
        last_contact,
        growth,
        False,
        datetime.combine(since, dtime(9, 0)),
        ctx.now,
    )


def _manual_overrides(ctx: DemoContext, rng: random.Random) -> None:
    """A few scores set by hand (about 1%), as a CSM overriding the model would."""
    count = max(1, len(ctx.customers) // 100) if len(ctx.customers) >= 20 else 0
    rows: list[dict[str, Any]] = []
    for customer in rng.sample(ctx.customers, count):
        score = float(round(clamp(customer.health * 100 + noise(rng, 8), 5, 98)))
        rows.append({"id": customer.id, "score": score, "manual": True})
    if rows:
        ctx.conn.execute(
            text("UPDATE customer SET score = :score, score_manual = :manual WHERE id = :id"),
            rows,
        )


def _score_customers(ctx: DemoContext) -> None:
    """Scores and bands set-based, lifecycles following them, and one current
    snapshot per scored customer."""
    conn = ctx.conn
    config = settings.load_scoring_config(ctx.session, ctx.actor.client_id)
    profiles = settings.profile_weights(ctx.session, ctx.actor.client_id)
    days_sql = dialect.effective_days_sql(conn, ctx.today)
    now = bindparam("now", type_=DateTime())
    for clause, params, weights in rescore.weight_sets(config, profiles):
        expression = rescore.score_sql(conn, weights, days_sql=days_sql)
        conn.execute(
            text(
                f"UPDATE customer SET score = {expression} "
                f"WHERE client_id = :client_id AND score_manual = :auto AND {clause}"
            ),
            {**params, "client_id": ctx.actor.client_id, "auto": False},
        )
    conn.execute(
        text(
            f"UPDATE customer SET band = {band_sql('score', config.thresholds)}, "
            "scored_at = :now WHERE client_id = :client_id"
        ).bindparams(now),
        {"now": ctx.now, "client_id": ctx.actor.client_id},
    )
    conn.execute(
        text(
            "UPDATE customer SET lifecycle = 'atrisk' WHERE band IN ('critical', 'at_risk') "
            "AND lifecycle IN ('active', 'onboarding') AND client_id = :client_id"
        ),
        {"client_id": ctx.actor.client_id},
    )
    for clause, params, weights in rescore.weight_sets(config, profiles):
        conn.execute(
            text(
                "INSERT INTO score_snapshot (customer_id, taken_at, score, band, logins, "
                "adoption, tickets, nps, csat, days, growth, weights, source) "
                "SELECT customer.id, :now, score, band, logins, adoption, tickets, nps, csat, "
                f"{days_sql}, growth, :weights, 'demo' FROM customer "
                "WHERE client_id = :client_id AND score IS NOT NULL AND score_manual = :auto "
                f"AND {clause} ORDER BY customer.id"
            ).bindparams(now, bindparam("weights", type_=JSON())),
            {
                **params,
                "now": ctx.now,
                "weights": dict(weights),
                "client_id": ctx.actor.client_id,
                "auto": False,
            },
        )
