"""The figures reports are made of, read once per report straight from SQL.

`accounts()` returns every account in scope as of a date: today from the
customer table, a past date from the score snapshots (score, band and signals
as they were then), so `--as-of` reproduces an earlier report. Revenue,
renewal date, tier and owner are not versioned and come from today's record.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from iqcadence.core.accounts.history import scores_as_of, snapshots_before
from iqcadence.core.base import clock
from iqcadence.core.base.errors import InvalidValue
from iqcadence.core.base.money import DEFAULT_CURRENCY, money
from iqcadence.core.scoring.formula import BANDS, TIERS, ScoringConfig, band_for, effective_days
from iqcadence.core.store import display, settings

RISK_BANDS = ("critical", "at_risk")


@dataclass(frozen=True)
class ReportScope:
    """Which accounts a report covers, and as of when."""

    manager: str | None = None
    tier: str | None = None
    tag: str | None = None
    as_of: date | None = None
    customer: str | None = None

    @property
    def day(self) -> date:
        return self.as_of or clock.today()

    def describe(self) -> str:
        parts = [f"As of {self.day.isoformat()}"]
        if self.manager:
            parts.append(f"manager {self.manager}")
        if self.tier:
            parts.append(f"tier {self.tier}")
        if self.tag:
            parts.append(f"tag {self.tag}")
        if len(parts) == 1:
            parts.append("whole portfolio")
        return " · ".join(parts)


@dataclass
class Account:
    id: int
    name: str
    manager: str | None
    tier: str | None
    lifecycle: str
    status: str
    mrr: float
    renewal_date: date | None
    tags: list[str]
    sentiment: str | None
    score: float | None
    band: str | None
    score_manual: bool
    signals: dict[str, Any]
    day: date
    momentum: float | None = None

    @property
    def days_to_renewal(self) -> int | None:
        return None if self.renewal_date is None else (self.renewal_date - self.day).days

    @property
    def at_risk(self) -> bool:
        return self.band in RISK_BANDS


@dataclass
class Portfolio:
    scope: ReportScope
    config: ScoringConfig
    accounts: list[Account] = field(default_factory=list)
    currency: str = DEFAULT_CURRENCY  # the client's symbol, for amounts people read

    def money(self, value: float | None) -> str:
        """An amount in the client's currency ("$3,500", "€3,500")."""
        return money(value, currency=self.currency)

    @property
    def total_mrr(self) -> float:
        return sum(a.mrr for a in self.accounts)

    @property
    def scored(self) -> list[Account]:
        return [a for a in self.accounts if a.score is not None]

    @property
    def average_score(self) -> float | None:
        scored = self.scored
        return round(sum(a.score or 0 for a in scored) / len(scored), 1) if scored else None

    @property
    def revenue_at_risk(self) -> float:
        return sum(a.mrr for a in self.accounts if a.at_risk)

    @property
    def expansion_opportunity(self) -> float:
        share = self.config.expansion_pct / 100
        return sum(a.mrr * share for a in self.accounts if a.band == "expansion")

    def by_band(self) -> dict[str, list[Account]]:
        groups: dict[str, list[Account]] = {band: [] for band in BANDS}
        for account in self.accounts:
            if account.band is not None:
                groups[account.band].append(account)
        return groups

    def group(self, key: str) -> dict[str, list[Account]]:
        groups: dict[str, list[Account]] = defaultdict(list)
        for account in self.accounts:
            if key == "tag":
                for tag in account.tags or ["(untagged)"]:
                    groups[tag].append(account)
            else:
                groups[str(getattr(account, key) or "(none)")].append(account)
        return dict(groups)


def load_portfolio(session: Session, client_id: int, scope: ReportScope) -> Portfolio:
    """Every active account in scope, with score and momentum as of the day."""
    if scope.tier is not None and scope.tier not in TIERS:
        raise InvalidValue(f"--tier: {scope.tier!r} is not one of {', '.join(TIERS)}.")
    day = scope.day
    config = settings.load_scoring_config(session, client_id)
    clauses = ["client_id = :client_id", "status = 'active'"]
    params: dict[str, Any] = {"client_id": client_id}
    if scope.manager:
        clauses.append("LOWER(manager) = :manager")
        params["manager"] = scope.manager.strip().lower()
    if scope.tier:
        clauses.append("tier = :tier")
        params["tier"] = scope.tier
    if scope.tag:
        clauses.append("('|' || LOWER(tags) || '|') LIKE :tag")
        params["tag"] = f"%|{scope.tag.strip().lower()}|%"
    if scope.as_of is not None:
        clauses.append("created_at < :end_of_day")
        params["end_of_day"] = clock.start_of(day + timedelta(days=1))
    rows = (
        session.connection()
        .execute(
            text(f"SELECT * FROM customer WHERE {' AND '.join(clauses)} ORDER BY name_key"), params
        )
        .mappings()
        .all()
    )
    accounts = [_account(dict(row), day) for row in rows]
    if scope.as_of is not None and scope.as_of < clock.today():
        _apply_past_scores(session, accounts, day, config)
    past = scores_as_of(session, [a.id for a in accounts], clock.start_of(day - timedelta(days=6)))
    for account in accounts:
        old = past.get(account.id)
        if old is not None and account.score is not None:
            account.momentum = round(account.score - old, 1)
    return Portfolio(
        scope=scope,
        config=config,
        accounts=accounts,
        currency=display.currency(session, client_id),
    )


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _account(row: dict[str, Any], day: date) -> Account:
    return Account(
        id=int(row["id"]),
        name=str(row["name"]),
        manager=row["manager"],
        tier=row["tier"],
        lifecycle=str(row["lifecycle"]),
        status=str(row["status"]),
        mrr=float(row["mrr"] or 0.0),
        renewal_date=_as_date(row["renewal_date"]),
        tags=[t for t in str(row["tags"] or "").split("|") if t],
        sentiment=row["sentiment"],
        score=None if row["score"] is None else float(row["score"]),
        band=row["band"],
        score_manual=bool(row["score_manual"]),
        signals={
            "logins": row["logins"],
            "adoption": row["adoption"],
            "tickets": row["tickets"],
            "nps": row["nps"],
            "csat": row["csat"],
            "days": effective_days(row["days_baseline"], _as_date(row["days_as_of"]), day),
            "growth": row["growth"],
        },
        day=day,
    )


def _apply_past_scores(
    session: Session, accounts: list[Account], day: date, config: ScoringConfig
) -> None:
    """Replace today's score and signals with the last snapshot of the day."""
    end = clock.start_of(day + timedelta(days=1))
    latest = snapshots_before(session, [a.id for a in accounts], end)
    for account in accounts:
        snap = latest.get(account.id)
        if snap is None:
            account.score, account.band = None, None
            continue
        account.score = snap["score"]
        account.band = snap["band"] or band_for(snap["score"], config.thresholds)
        account.signals = {k: snap[k] for k in account.signals}


def daily_scores(
    session: Session, customer_ids: list[int], first: date, last: date
) -> dict[date, dict[int, float]]:
    """Each customer's score at the end of every day from `first` to `last`
    (carried forward from its latest snapshot), in one pass over snapshots."""
    start = clock.start_of(first)
    end = clock.start_of(last + timedelta(days=1))
    current = dict(scores_as_of(session, customer_ids, start))
    wanted = set(customer_ids)
    rows = session.connection().execute(
        text(
            "SELECT customer_id, taken_at, score FROM score_snapshot "
            "WHERE taken_at >= :start AND taken_at < :end ORDER BY taken_at, id"
        ),
        {"start": start, "end": end},
    )
    by_day: dict[date, list[tuple[int, float | None]]] = defaultdict(list)
    for customer_id, taken_at, score in rows:
        if int(customer_id) in wanted:
            moment = (
                taken_at
                if isinstance(taken_at, datetime)
                else datetime.fromisoformat(str(taken_at))
            )
            by_day[moment.date()].append((int(customer_id), score))
    out: dict[date, dict[int, float]] = {}
    day = first
    while day <= last:
        for customer_id, score in by_day.get(day, []):
            if score is None:
                current.pop(customer_id, None)
            else:
                current[customer_id] = float(score)
        out[day] = dict(current)
        day += timedelta(days=1)
    return out
