"""A realistic, deterministic demo portfolio in a database file of its own.

`build_demo` writes a fresh file (never the user's database: an existing file
is replaced only when it is itself a demo) by running SECTIONS in order. A
section is a function `(ctx: DemoContext) -> int` that adds one kind of record
with bulk statements (executemany, set-based SQL) and returns how many rows it
wrote. Later capabilities add theirs by appending `"module:function"` to
SECTIONS (a module that does not exist yet is skipped), and draw their random
numbers from `ctx.rng_for(name)` so adding a section never changes the data of
the others.

The portfolio: several CSMs (users with role csm), all tiers and bands,
renewals over the next twelve months, tags, sentiments, two scoring profiles,
a few manual overrides, and about 90 days of score history per customer with
trends (steady, improving, declining, and some sharp drops in the last week so
momentum has something to show). Current scores come from the bulk rescore
path, so they are exactly what `iqcadence rescore` would compute.
"""

from __future__ import annotations

import importlib
import importlib.util
import random
import sqlite3
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Index, Table, bindparam, inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.types import TypeEngine
from sqlmodel import Session

from iqcadence.core.accounts import rescore
from iqcadence.core.base import clock
from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import Conflict, InvalidValue
from iqcadence.core.scoring.formula import BANDS, band_sql
from iqcadence.core.store import dialect, settings
from iqcadence.core.store.db import (
    Database,
    data_dir,
    open_database,
    remove_database_files,
    resolve_location,
)
from iqcadence.core.store.models import Customer, ScoreSnapshot, User
from iqcadence.core.store.users import resolve_actor

DEMO_FILE = "demo.db"
DEMO_KEY = "demo"
MAX_CUSTOMERS = 1_000_000
HISTORY_DAYS = 90

Section = Callable[["DemoContext"], int]


@dataclass(slots=True)
class DemoCustomer:
    """What sections know about each demo customer (score and band are set
    once the customers section has scored them)."""

    id: int
    name: str
    tier: str
    manager: str
    health: float  # 0–1, drives every signal
    trend: str  # steady | improving | declining | drop
    mrr: float
    renewal_date: date
    customer_since: date
    domain: str
    industry: str
    score: float | None = None
    band: str | None = None


@dataclass(frozen=True)
class DemoManager:
    name: str
    email: str


@dataclass
class DemoContext:
    session: Session
    actor: Actor
    seed: int
    size: int
    today: date
    now: datetime
    customers: list[DemoCustomer] = field(default_factory=list)
    managers: list[DemoManager] = field(default_factory=list)
    # what one section leaves for a later one (by section name)
    state: dict[str, Any] = field(default_factory=dict)

    @property
    def conn(self) -> Connection:
        return self.session.connection()

    def rng_for(self, section: str) -> random.Random:
        """A random source of its own for each section (stable across runs)."""
        return random.Random(f"iqcadence-demo:{self.seed}:{section}")


@dataclass
class DemoSummary:
    path: Path
    seed: int
    customers: int
    bands: dict[str, int]
    total_mrr: float
    managers: list[str]
    profiles: list[str]
    snapshots: int
    sections: dict[str, int]
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "seed": self.seed,
            "customers": self.customers,
            "bands": dict(self.bands),
            "total_mrr": self.total_mrr,
            "managers": list(self.managers),
            "profiles": list(self.profiles),
            "snapshots": self.snapshots,
            "sections": dict(self.sections),
            "seconds": round(self.seconds, 2),
        }


# --- where the demo lives ----------------------------------------------------------


def demo_path(db_path: str | Path | None = None) -> Path:
    """The file `--db` names, else demo.db in the data directory (never the
    user's database, whatever IQCADENCE_DB says)."""
    return Path(db_path).expanduser() if db_path else data_dir() / DEMO_FILE


def is_demo_file(path: Path) -> bool:
    """Whether a file is a demo database this command may replace."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return False
    try:
        row = conn.execute("SELECT 1 FROM setting WHERE key = ? LIMIT 1", (DEMO_KEY,)).fetchone()
        return row is not None
    except sqlite3.Error:
        return False
    finally:
        conn.close()


def build_demo(
    path: Path | None = None,
    *,
    customers: int = 250,
    seed: int = 7,
    acting_user: str | None = None,
) -> DemoSummary:
    """Write a fresh demo portfolio to `path` (replacing an older demo there)."""
    if isinstance(customers, bool) or not 1 <= customers <= MAX_CUSTOMERS:
        raise InvalidValue(
            f"--customers: must be a whole number from 1 to {MAX_CUSTOMERS:,}, got {customers}."
        )
    target = path if path is not None else demo_path()
    if target.exists() and not is_demo_file(target):
        raise Conflict(
            f"{target}: the file exists and is not an iqcadence demo database; "
            "name a new file with --db (a demo file is recreated on every run)."
        )
    started = time.perf_counter()
    building = target.with_name(target.name + ".building")
    remove_database_files(building)
    database = open_database(resolve_location(building), acting_user=acting_user)
    try:
        summary = _fill(database, building, customers, seed)
    except BaseException:
        database.dispose()
        remove_database_files(building)
        raise
    database.dispose()
    remove_database_files(target)
    building.rename(target)
    summary.path = target
    summary.seconds = time.perf_counter() - started
    return summary


def _fill(database: Database, path: Path, size: int, seed: int) -> DemoSummary:
    with database.session() as session:
        actor = resolve_actor(session)
        ctx = DemoContext(
            session=session,
            actor=actor,
            seed=seed,
            size=size,
            today=clock.today(),
            now=clock.now(),
        )
        counts: dict[str, int] = {}
        for name, section in _sections():
            counts[name] = int(section(ctx))
            session.commit()
        settings.put_block(
            session,
            actor,
            DEMO_KEY,
            {"seed": seed, "customers": size, "built_at": ctx.now.isoformat(timespec="seconds")},
            action="demo.create",
        )
        session.commit()
        return _summarise(ctx, path, counts)


def _summarise(ctx: DemoContext, path: Path, counts: dict[str, int]) -> DemoSummary:
    conn = ctx.conn
    bands = dict.fromkeys((*BANDS, "unscored"), 0)
    for band, count in conn.execute(
        text("SELECT band, COUNT(*) FROM customer WHERE status = 'active' GROUP BY band")
    ):
        bands[band or "unscored"] = int(count)
    total_mrr = conn.execute(
        text("SELECT COALESCE(SUM(mrr), 0) FROM customer WHERE status = 'active'")
    ).scalar_one()
    snapshots = conn.execute(text("SELECT COUNT(*) FROM score_snapshot")).scalar_one()
    return DemoSummary(
        path=path,
        seed=ctx.seed,
        customers=len(ctx.customers),
        bands=bands,
        total_mrr=round(float(total_mrr), 2),
        managers=[m.name for m in ctx.managers],
        profiles=sorted(PROFILES),
        snapshots=int(snapshots),
        sections=counts,
        seconds=0.0,
    )


def _sections() -> Iterator[tuple[str, Section]]:
    for entry in SECTIONS:
        if callable(entry):
            yield entry.__name__.removeprefix("build_"), entry
            continue
        module_name, _, function = entry.partition(":")
        if importlib.util.find_spec(module_name) is None:
            continue
        yield (
            function.removeprefix("build_"),
            getattr(importlib.import_module(module_name), function),
        )


# --- vocabulary --------------------------------------------------------------------

MANAGERS: tuple[tuple[str, str], ...] = (
    ("Maya Chen", "maya.chen@demo.example"),
    ("Daniel Okafor", "daniel.okafor@demo.example"),
    ("Sofia Lindqvist", "sofia.lindqvist@demo.example"),
    ("Rahul Mehta", "rahul.mehta@demo.example"),
    ("Chloé Dubois", "chloe.dubois@demo.example"),
    ("Jonas Weber", "jonas.weber@demo.example"),
)
VIEWER = ("Priya Natarajan", "priya.natarajan@demo.example")

PROFILES: dict[str, tuple[str, dict[str, int]]] = {
    "enterprise": (
        "Large accounts: adoption and regular contact matter more than login counts.",
        {
            "logins": 15,
            "adoption": 30,
            "tickets": 20,
            "nps": 15,
            "csat": 0,
            "days": 15,
            "growth": 5,
        },
    ),
    "self-serve": (
        "Low-touch accounts: product usage is the signal; contact cadence is not.",
        {"logins": 40, "adoption": 30, "tickets": 15, "nps": 5, "csat": 0, "days": 0, "growth": 10},
    ),
}

SPECIAL_NAMES: tuple[tuple[str, str], ...] = (
    ("Zürich Café", "Hospitality"),
    ("Łódź Logistics", "Logistics"),
    ("Café Müller GmbH", "Hospitality"),
    ("São Paulo Sabores", "Food & beverage"),
    ("Kraków Kitchen Co", "Food & beverage"),
    ("Malmö Mekaniska AB", "Manufacturing"),
    ("Señor Pixel Studios", "Media"),
    ("Ærø Sailworks", "Manufacturing"),
    ("Nordström & Björk", "Professional services"),
    ("Crème de la Code", "Software"),
)
FIRST_WORDS: tuple[str, ...] = (
    "Acorn", "Alder", "Alpine", "Amber", "Anchor", "Apex", "Arbor", "Atlas", "Aurora",
    "Beacon", "Birch", "Bluebird", "Boreal", "Brightwater", "Brookside", "Canyon",
    "Cascade", "Cedar", "Clearwater", "Cobalt", "Copper", "Coral", "Crescent", "Delta",
    "Driftwood", "Eastgate", "Ember", "Evergreen", "Fairview", "Falcon", "Fernhill",
    "Fieldstone", "Firefly", "Foxglove", "Garnet", "Glacier", "Granite", "Harbor",
    "Hawthorn", "Highland", "Horizon", "Indigo", "Ironwood", "Juniper", "Keystone",
    "Lakeshore", "Lantern", "Larkspur", "Linden", "Magnolia", "Maple", "Meadow",
    "Meridian", "Millbrook", "Northwind", "Oakridge", "Orchard", "Paragon", "Pinecrest",
    "Pioneer", "Prairie", "Quartz", "Redwood", "Ridgeline", "Riverbend", "Rosewood",
    "Saffron", "Sandstone", "Sequoia", "Silverline", "Skyline", "Southport", "Sparrow",
    "Stonebridge", "Summit", "Sunrise", "Tamarack", "Thistle", "Timber", "Trillium",
    "Upland", "Vantage", "Willow", "Windmill", "Yellowfin", "Zenith",
)  # fmt: skip
SECOND_WORDS: tuple[tuple[str, str], ...] = (
    ("Analytics", "Software"), ("Apparel", "Retail"), ("Architects", "Professional services"),
    ("Bakery", "Food & beverage"), ("Biotech", "Life sciences"), ("Brewing", "Food & beverage"),
    ("Builders", "Construction"), ("Capital", "Financial services"), ("Cargo", "Logistics"),
    ("Clinics", "Healthcare"), ("Cloud", "Software"), ("Coffee", "Food & beverage"),
    ("Consulting", "Professional services"), ("Creative", "Media"), ("Dental", "Healthcare"),
    ("Design", "Media"), ("Digital", "Software"), ("Energy", "Energy"),
    ("Engineering", "Manufacturing"), ("Farms", "Agriculture"), ("Fitness", "Consumer"),
    ("Foods", "Food & beverage"), ("Freight", "Logistics"), ("Furniture", "Retail"),
    ("Health", "Healthcare"), ("Hotels", "Hospitality"), ("Insurance", "Financial services"),
    ("Interiors", "Construction"), ("Labs", "Life sciences"), ("Legal", "Professional services"),
    ("Logistics", "Logistics"), ("Manufacturing", "Manufacturing"), ("Media", "Media"),
    ("Medical", "Healthcare"), ("Mobility", "Transport"), ("Motors", "Transport"),
    ("Networks", "Telecom"), ("Nutrition", "Consumer"), ("Optics", "Manufacturing"),
    ("Outfitters", "Retail"), ("Partners", "Professional services"), ("Pharma", "Life sciences"),
    ("Printing", "Manufacturing"), ("Realty", "Real estate"),
    ("Recruiting", "Professional services"),
    ("Robotics", "Manufacturing"), ("Security", "Software"), ("Software", "Software"),
    ("Solar", "Energy"), ("Studios", "Media"), ("Supply", "Logistics"), ("Systems", "Software"),
    ("Telecom", "Telecom"), ("Textiles", "Manufacturing"), ("Travel", "Hospitality"),
    ("Ventures", "Financial services"), ("Wellness", "Consumer"), ("Works", "Construction"),
)  # fmt: skip
SUFFIXES: tuple[str, ...] = ("", "", "", "", " Inc", " Ltd", " GmbH", " Co", " Group", " AB")
CITIES: tuple[str, ...] = (
    "Zürich", "Łódź", "Kraków", "Malmö", "São Paulo", "Córdoba", "Reykjavík", "Düsseldorf",
    "Genève", "Aarhus", "Oslo", "Lyon", "Austin", "Denver", "Leeds", "Porto", "Osaka",
    "Dublin", "Toronto", "Melbourne", "Nairobi", "Seoul", "Lisbon", "Tallinn",
)  # fmt: skip
REGION_TAGS: tuple[str, ...] = ("amer", "emea", "apac")
OTHER_TAGS: tuple[str, ...] = ("beta", "pilot", "partner", "multi-product", "migration")
NOTES: tuple[str, ...] = (
    "Exec sponsor changed last quarter.",
    "Asked about SSO on the last call.",
    "Budget review in Q1.",
    "Champion is very engaged; wants a roadmap preview.",
    "Integration with their data warehouse is half done.",
)
_TRANSLIT = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "Ae", "ß": "ss"})


def slug(name: str) -> str:
    """An ASCII domain label for a company name ("Łódź Logistics" → lodz-logistics)."""
    ascii_name = (
        unicodedata.normalize("NFKD", name.translate(_TRANSLIT))
        .encode("ascii", "ignore")
        .decode("ascii")
        .lower()
    )
    words = "".join(ch if ch.isalnum() else " " for ch in ascii_name).split()
    return "-".join(words[:3]) or "company"


def company_names(count: int, rng: random.Random) -> list[tuple[str, str]]:
    """`count` distinct (name, industry) pairs, the non-ASCII specials first."""
    names: list[tuple[str, str]] = []
    seen: set[str] = set()
    for name, industry in SPECIAL_NAMES[: max(0, min(len(SPECIAL_NAMES), count // 10))]:
        names.append((name, industry))
        seen.add(name.casefold())
    serial = 0
    while len(names) < count:
        second, industry = rng.choice(SECOND_WORDS)
        name = f"{rng.choice(FIRST_WORDS)} {second}{rng.choice(SUFFIXES)}"
        if name.casefold() in seen:
            name = f"{name} {rng.choice(CITIES)}"
        if name.casefold() in seen:
            serial += 1
            name = f"{name} {serial}"
        seen.add(name.casefold())
        names.append((name, industry))
    rng.shuffle(names)
    return names


# --- sections ----------------------------------------------------------------------


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


def _clamp(value: float, low: float, high: float) -> float:
    return low if value < low else high if value > high else value


def _noise(rng: random.Random, spread: float) -> float:
    """Cheap bell-ish noise with about `spread` standard deviation."""
    return (rng.random() + rng.random() - 1.0) * spread * 2.45


@dataclass(slots=True)
class _Bias:
    """A customer's own leanings, so its signals move together over time."""

    logins: float
    adoption: float
    tickets: float
    nps: float
    days_now: int
    days_cycle: int
    has_nps: bool
    has_csat: bool
    has_tickets: bool
    growth_na: bool


def _signals(health: float, bias: _Bias, rng: random.Random, jitter: float) -> tuple[Any, ...]:
    """(logins, adoption, tickets, nps, csat, growth) at a given health (0–1)."""
    h = _clamp(health, 0.0, 1.0)
    growth: str
    if bias.growth_na:
        growth = "na"
    elif h > 0.78:
        growth = "strong" if rng.random() < 0.6 else "mild"
    elif h > 0.5:
        growth = "mild" if rng.random() < 0.6 else "none"
    else:
        growth = "none"
    logins = int(round(_clamp(34 * h + bias.logins + _noise(rng, 2 * jitter), 0, 60)))
    adoption = round(_clamp(100 * h + bias.adoption + _noise(rng, 4 * jitter), 0, 100), 1)
    tickets = None
    if bias.has_tickets:
        tickets = int(
            round(_clamp(5.5 * (1 - h) + bias.tickets + _noise(rng, 0.6 * jitter), 0, 12))
        )
    nps = None
    if bias.has_nps:
        nps = int(round(_clamp(2.5 + 7.5 * h + bias.nps + _noise(rng, 0.8 * jitter), 0, 10)))
    csat = round(_clamp(1 + 4 * h + _noise(rng, 0.4), 1, 5), 1) if bias.has_csat else None
    return logins, adoption, tickets, nps, csat, growth


def _health_and_trend(rng: random.Random) -> tuple[float, str]:
    """A health level spread over every band, and how it has been moving."""
    roll = rng.random()
    if roll < 0.08:
        health = rng.uniform(0.05, 0.28)
    elif roll < 0.2:
        health = rng.uniform(0.28, 0.5)
    elif roll < 0.45:
        health = rng.uniform(0.5, 0.66)
    elif roll < 0.8:
        health = rng.uniform(0.66, 0.82)
    else:
        health = rng.uniform(0.82, 0.98)
    trend_roll = rng.random()
    if trend_roll < 0.06 and health < 0.6:
        return health, "drop"
    if trend_roll < 0.28:
        return health, "declining"
    if trend_roll < 0.5:
        return health, "improving"
    return health, "steady"


CUSTOMER_COLUMNS: tuple[str, ...] = (
    "id", "client_id", "name", "name_key", "website", "domain", "email", "phone",
    "industry", "notes", "tier", "lifecycle", "status", "manager", "mrr", "arr",
    "renewal_date", "customer_since", "next_touch", "last_contact_date", "tags",
    "sentiment", "scoring_profile", "logins", "adoption", "tickets", "nps", "csat",
    "days_baseline", "days_as_of", "growth", "score_manual", "created_at", "updated_at",
)  # fmt: skip
SNAPSHOT_COLUMNS: tuple[str, ...] = (
    "customer_id", "taken_at", "logins", "adoption", "tickets", "nps", "csat", "growth",
    "days", "weights", "source",
)  # fmt: skip
COLUMN_TYPES: dict[str, TypeEngine[Any]] = {
    "renewal_date": Date(),
    "customer_since": Date(),
    "next_touch": Date(),
    "last_contact_date": Date(),
    "days_as_of": Date(),
    "created_at": DateTime(),
    "updated_at": DateTime(),
    "taken_at": DateTime(),
    "score_manual": Boolean(),
}


def bulk_insert(
    conn: Connection, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> int:
    """executemany of plain tuples, values converted as the column types store
    them (dates as ISO text on SQLite): no per-row statement objects."""
    if not rows:
        return 0
    processors = [
        COLUMN_TYPES[name].bind_processor(conn.dialect) if name in COLUMN_TYPES else None
        for name in columns
    ]
    if any(processors):
        rows = [
            tuple(
                v if p is None or v is None else p(v) for p, v in zip(processors, row, strict=True)
            )
            for row in rows
        ]
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    conn.exec_driver_sql(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})",
        rows,
    )
    return len(rows)


@contextmanager
def indexes_off(conn: Connection, *tables: Table) -> Iterator[None]:
    """Drop the secondary indexes of `tables` for a bulk load and build them
    again afterwards in one sorted pass each (much faster than row by row)."""
    dropped: list[Index] = []
    for table in tables:
        present = {ix["name"] for ix in inspect(conn).get_indexes(table.name)}
        for index in sorted(table.indexes, key=lambda ix: str(ix.name)):
            if index.name in present and not index.unique:
                index.drop(conn)
                dropped.append(index)
    yield
    for index in dropped:
        index.create(conn)


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
    dialect.suspend_search_triggers(conn)
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
    dialect.rebuild_search_index(conn)
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
    health, trend = _health_and_trend(rng)
    days = int(_clamp(round((1 - health) * 75 + _noise(rng, 9)), 0, 150))
    bias = _Bias(
        logins=_noise(rng, 3),
        adoption=_noise(rng, 6),
        tickets=_noise(rng, 0.7),
        nps=_noise(rng, 0.8),
        days_now=days,
        days_cycle=rng.choice((14, 21, 30, 45)),
        has_nps=rng.random() > 0.15,
        has_csat=rng.random() > 0.4,
        has_tickets=rng.random() > 0.03,
        growth_na=rng.random() < 0.08,
    )
    ctx.state["bias"][customer_id] = bias
    logins, adoption, tickets, nps, csat, growth = _signals(health, bias, rng, 1.0)
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
        mood = health + _noise(rng, 0.1)
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
        score = float(round(_clamp(customer.health * 100 + _noise(rng, 8), 5, 98)))
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


def build_history(ctx: DemoContext) -> int:
    """About 90 days of snapshots per customer before today's, scored in SQL
    with the customer's own weights: steady, improving and declining lines,
    and sharp drops in the last week for a few."""
    rng = ctx.rng_for("history")
    conn = ctx.conn
    today = ctx.today
    # weekly points for a portfolio a person reads; sparser for the large ones
    # built to measure speed (every customer still spans the 90 days)
    step = 7 if ctx.size <= 5_000 else 15 if ctx.size <= 20_000 else 22
    biases: dict[int, _Bias] = ctx.state.get("bias", {})
    written = 0
    table = ScoreSnapshot.__table__  # type: ignore[attr-defined]
    with indexes_off(conn, table):
        batch: list[tuple[Any, ...]] = []
        for customer in ctx.customers:
            bias = biases.get(customer.id)
            if bias is None:
                continue
            points = [max(7, d + rng.randrange(-1, 2)) for d in range(HISTORY_DAYS, 6, -step)]
            if customer.trend == "drop":
                points = [d for d in points if d > 9] + [9, rng.randrange(3, 6)]
            for days_ago in points:
                health = customer.health + _offset(customer, days_ago, rng)
                logins, adoption, tickets, nps, csat, growth = _signals(health, bias, rng, 0.5)
                when = datetime.combine(today - timedelta(days=days_ago), dtime(8, 0))
                batch.append(
                    (
                        customer.id,
                        when + timedelta(minutes=rng.randrange(0, 600)),
                        logins,
                        adoption,
                        tickets,
                        nps,
                        csat,
                        growth,
                        _days_then(bias.days_now, days_ago, bias.days_cycle),
                        "{}",
                        "demo-history",
                    )
                )
            if len(batch) >= 20_000:
                written += bulk_insert(conn, "score_snapshot", SNAPSHOT_COLUMNS, batch)
                batch = []
        written += bulk_insert(conn, "score_snapshot", SNAPSHOT_COLUMNS, batch)
        written -= _score_history(ctx)
    return written


def _offset(customer: DemoCustomer, days_ago: int, rng: random.Random) -> float:
    """How much healthier (+) or sicker (−) the customer was `days_ago`."""
    share = days_ago / HISTORY_DAYS
    magnitude = 0.12 + 0.2 * ((customer.id * 7919) % 100) / 100
    if customer.trend == "declining":
        return magnitude * share
    if customer.trend == "improving":
        return -magnitude * share
    if customer.trend == "drop":
        return (0.3 + magnitude) if days_ago >= 7 else (0.3 + magnitude) * 0.4
    return _noise(rng, 0.025)


def _days_then(days_now: int, days_ago: int, cycle: int) -> int:
    """Days since contact as it stood then: counting up between contacts."""
    if days_ago <= days_now:
        return days_now - days_ago
    return (days_ago - days_now) % cycle


def _score_history(ctx: DemoContext) -> int:
    """Score the history rows set-based with each customer's weights; returns
    how many rows had no signal to score and were dropped."""
    conn = ctx.conn
    config = settings.load_scoring_config(ctx.session, ctx.actor.client_id)
    profiles = settings.profile_weights(ctx.session, ctx.actor.client_id)
    for clause, params, weights in rescore.weight_sets(config, profiles):
        expression = rescore.score_sql(conn, weights, days_sql="days")
        conn.execute(
            text(
                f"UPDATE score_snapshot SET score = {expression}, weights = :weights, "
                "source = 'demo' WHERE source = 'demo-history' AND customer_id IN "
                f"(SELECT customer.id FROM customer WHERE {clause})"
            ).bindparams(bindparam("weights", type_=JSON())),
            {**params, "weights": dict(weights)},
        )
    dropped = conn.execute(text("DELETE FROM score_snapshot WHERE score IS NULL")).rowcount
    conn.execute(
        text(
            f"UPDATE score_snapshot SET band = {band_sql('score', config.thresholds)} "
            "WHERE band IS NULL"
        )
    )
    return int(dropped or 0)


# The demo, in order. Later capabilities append "module:function" entries
# (e.g. "iqcadence.core.contacts_demo:build_contacts"); a missing module is skipped.
SECTIONS: list[Section | str] = [
    build_users,
    build_profiles,
    build_customers,
    build_history,
    "iqcadence.core.demo.c360:build_customer360",
]
