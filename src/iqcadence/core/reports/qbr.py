"""QBR prep for one account: the quarter's health story, usage and adoption
trends, tickets, wins, risks, renewal, and a proposed agenda written to be
shared with the customer. A `Report`, so it renders to PDF and Markdown."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from iqcadence.core.accounts import timeline
from iqcadence.core.accounts.customers import get_customer
from iqcadence.core.base import clock
from iqcadence.core.base.actor import Actor
from iqcadence.core.base.labels import label
from iqcadence.core.reports.data import ReportScope, daily_scores, load_portfolio
from iqcadence.core.reports.fmt import band_label, signed
from iqcadence.core.reports.fmt import score_text as fmt_score
from iqcadence.core.reports.model import Report, Section, Table, Text
from iqcadence.core.reports.record import header_kpis, score_chart
from iqcadence.core.reports.risk import churn_estimate
from iqcadence.core.store import settings
from iqcadence.core.store.models import Customer

QUARTER_DAYS = 90


def _signal_trend(
    session: Session, customer_id: int, first: datetime
) -> dict[str, tuple[Any, Any]]:
    """Each signal's first and last recorded value in the period."""
    rows = (
        session.connection()
        .execute(
            text(
                "SELECT logins, adoption, tickets, nps, csat, days FROM score_snapshot "
                "WHERE customer_id = :customer AND taken_at >= :first ORDER BY taken_at, id"
            ),
            {"customer": customer_id, "first": first},
        )
        .all()
    )
    names = ("logins", "adoption", "tickets", "nps", "csat", "days")
    trend: dict[str, tuple[Any, Any]] = {}
    for index, name in enumerate(names):
        values = [row[index] for row in rows if row[index] is not None]
        if values:
            trend[name] = (values[0], values[-1])
    return trend


def qbr_report(session: Session, actor: Actor, name: str) -> Report:
    """Prep for a quarterly business review, built from the account's data."""
    customer = get_customer(session, actor, name)
    assert customer.id is not None
    today = clock.today()
    config = settings.load_scoring_config(session, actor.client_id)
    first = today - timedelta(days=QUARTER_DAYS)
    book = load_portfolio(session, actor.client_id, ReportScope())
    account = next((a for a in book.accounts if a.id == customer.id), None)
    daily = daily_scores(session, [customer.id], first, today)
    start_score = daily[min(daily)].get(customer.id) if daily else None
    change = (
        None
        if start_score is None or customer.score is None
        else round(customer.score - start_score, 1)
    )
    events = timeline.list_events(session, actor, customer, since=first)
    tickets = [e for e in events if e.kind == "ticket"]
    open_tickets = [e for e in tickets if e.status in ("open", "pending")]
    meetings = [e for e in events if e.kind in ("meeting", "call")]
    done_tasks = [e for e in events if e.kind == "task"]
    trend = _signal_trend(session, customer.id, clock.start_of(first))
    report = Report(
        kind="qbr",
        title=f"QBR prep: {customer.name}",
        subtitle=(
            f"Quarter {first.isoformat()} to {today.isoformat()} · "
            f"manager {customer.manager or '—'}"
        ),
        kpis=header_kpis(customer, today) + [("Change in quarter", signed(change))],
    )
    story = (
        f"{customer.name} stands at {fmt_score(customer.score)} ({band_label(customer.band)})"
        + (
            f", {'up' if change > 0 else 'down'} {abs(change):.1f} points over the quarter"
            if change
            else ", level over the quarter"
            if change == 0
            else ""
        )
        + f". {len(meetings)} meetings or calls and {len(events)} timeline events in the period; "
        + f"{len(tickets)} tickets raised, {len(open_tickets)} still open."
    )
    report.sections.append(
        Section(
            "Health story",
            [
                Text(story),
                score_chart(session, customer, dict(config.thresholds), today, QUARTER_DAYS),
            ],
        )
    )
    usage_rows = []
    labels = {
        "logins": "Logins (30 days)",
        "adoption": "Feature adoption %",
        "tickets": "Open tickets",
        "nps": "NPS",
        "csat": "CSAT",
        "days": "Days since contact",
    }
    for signal, (start, end) in trend.items():
        usage_rows.append([labels[signal], _fmt(start), _fmt(end), _delta(start, end)])
    report.sections.append(
        Section(
            "Usage and adoption",
            [
                Table(
                    ["Signal", "Start of quarter", "Now", "Change"],
                    usage_rows,
                    widths=(2, 1, 1, 1),
                    align=("LEFT", "RIGHT", "RIGHT", "RIGHT"),
                    empty="No signal history in the quarter.",
                )
            ],
        )
    )
    report.sections.append(
        Section(
            "Tickets",
            [
                Table(
                    ["Opened", "Title", "Status", "Priority"],
                    [
                        [
                            e.at.date().isoformat(),
                            e.title,
                            label("ticket_status", e.status),
                            label("ticket_priority", e.priority),
                        ]
                        for e in tickets
                    ],
                    widths=(1, 3, 1, 1),
                    empty="No tickets this quarter.",
                )
            ],
        )
    )
    wins = _wins(customer, trend, done_tasks, change)
    risks = _risks(customer, account, config.quiet_after, open_tickets)
    report.sections.append(
        Section(
            "Wins",
            [Text("\n".join(f"• {w}" for w in wins) or "No clear wins recorded this quarter.")],
        )
    )
    report.sections.append(
        Section(
            "Risks", [Text("\n".join(f"• {r}" for r in risks) or "No material risks in the data.")]
        )
    )
    renewal = "No renewal date recorded."
    if customer.renewal_date is not None:
        days = (customer.renewal_date - today).days
        renewal = (
            f"Renews {customer.renewal_date.isoformat()} ({days} days) "
            f"at {book.money(customer.arr)} ARR."
        )
        if account is not None:
            renewal += (
                f" Churn estimate {churn_estimate(account, config.quiet_after).probability:.0f}%."
            )
    report.sections.append(Section("Renewal", [Text(renewal)]))
    quiet = (
        account is not None
        and account.signals.get("days") is not None
        and account.signals["days"] >= config.quiet_after
    )
    agenda = _agenda(customer, trend, done_tasks, open_tickets, quiet)
    report.sections.append(
        Section(
            "Proposed agenda",
            [
                Text("\n".join(f"{i}. {item}" for i, item in enumerate(agenda, 1))),
                Text(
                    "Written to share with the customer: the agenda names no internal score, "
                    "band, estimate or sentiment (those stay in the sections above).",
                    muted=True,
                ),
            ],
        )
    )
    report.summary = story
    return report


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.0f}" if value.is_integer() else f"{value:.1f}"
    return str(value)


def _delta(start: Any, end: Any) -> str:
    try:
        return f"{float(end) - float(start):+.1f}"
    except (TypeError, ValueError):
        return "—"


def _wins(
    customer: Customer, trend: dict[str, tuple[Any, Any]], done: Sequence[Any], change: float | None
) -> list[str]:
    wins = []
    if change is not None and change >= 5:
        wins.append(f"Health score up {change:.1f} points over the quarter.")
    for signal, name in (("adoption", "Feature adoption"), ("logins", "Logins")):
        if (
            signal in trend
            and trend[signal][1] is not None
            and trend[signal][0] is not None
            and trend[signal][1] > trend[signal][0]
        ):
            wins.append(f"{name} rose from {_fmt(trend[signal][0])} to {_fmt(trend[signal][1])}.")
    if "tickets" in trend and trend["tickets"][1] < trend["tickets"][0]:
        wins.append(f"Open tickets fell from {trend['tickets'][0]} to {trend['tickets'][1]}.")
    if customer.nps is not None and customer.nps >= 9:
        wins.append(f"Promoter NPS ({customer.nps}).")
    if done:
        wins.append(f"{len(done)} tasks completed with the account.")
    return wins


def _risks(
    customer: Customer, account: Any, quiet_after: int, open_tickets: Sequence[Any]
) -> list[str]:
    risks = []
    if customer.band in ("critical", "at_risk"):
        risks.append(f"Health is {band_label(customer.band)} ({fmt_score(customer.score)}).")
    if account is not None and account.momentum is not None and account.momentum <= -5:
        risks.append(f"Score fell {-account.momentum:.1f} points in the last 7 days.")
    if open_tickets:
        risks.append(f"{len(open_tickets)} tickets still open.")
    if customer.nps is not None and customer.nps <= 6:
        risks.append(f"NPS detractor ({customer.nps}).")
    if customer.adoption is not None and customer.adoption < 30:
        risks.append(f"Adoption only {customer.adoption:.0f}%.")
    if (
        account is not None
        and account.signals.get("days") is not None
        and account.signals["days"] >= quiet_after
    ):
        risks.append(f"No contact for {account.signals['days']} days.")
    if customer.sentiment == "negative":
        risks.append("Sentiment is negative.")
    return risks


def _agenda(
    customer: Customer,
    trend: dict[str, tuple[Any, Any]],
    done: Sequence[Any],
    open_tickets: Sequence[Any],
    quiet: bool,
) -> list[str]:
    """The agenda to share with the customer: built from what they see too
    (usage, their tickets, dates), never from internal judgements (score,
    band, churn estimate, sentiment, NPS category)."""
    items = ["Your goals for next quarter and how we measure success together."]
    results = [w for w in _usage_wins(trend) if w]
    if done:
        results.append(f"{len(done)} joint tasks completed")
    if results:
        items.append("What we achieved together this quarter: " + "; ".join(results[:2]) + ".")
    if "adoption" in trend:
        items.append(
            "Adoption review: which features bring you value, which are unused, "
            "and a plan for the gaps."
        )
    if open_tickets:
        count = len(open_tickets)
        items.append(
            f"Support: the {count} open ticket{'s' if count != 1 else ''}, where "
            f"{'each stands' if count != 1 else 'it stands'} and when we expect to resolve "
            f"{'them' if count != 1 else 'it'}."
        )
    if (customer.nps is not None and customer.nps <= 6) or customer.sentiment == "negative":
        items.append("Your feedback: what would make the product more valuable to your team.")
    if quiet:
        items.append("How often we meet from here, and who should join.")
    if customer.renewal_date is not None:
        items.append(
            f"Renewal on {customer.renewal_date.isoformat()}: timeline, stakeholders and terms."
        )
    if customer.band == "expansion" or customer.growth == "strong":
        items.append("Teams or use cases that could benefit next.")
    items.append("Agreed next steps, owners and dates.")
    return items


def _usage_wins(trend: dict[str, tuple[Any, Any]]) -> list[str]:
    wins = []
    for signal, name in (("adoption", "feature adoption"), ("logins", "logins")):
        first, last = trend.get(signal, (None, None))
        if first is not None and last is not None and last > first:
            unit = " %" if signal == "adoption" else ""
            wins.append(f"{name} rose from {_fmt(first)}{unit} to {_fmt(last)}{unit}")
    first, last = trend.get("tickets", (None, None))
    if first is not None and last is not None and last < first:
        wins.append(f"open tickets fell from {first} to {last}")
    return wins
