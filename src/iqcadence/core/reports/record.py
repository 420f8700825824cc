"""Two documents about one account: the Customer 360 record export (header,
attributes and custom fields, contacts, timeline, health history) and the
QBR prep (the quarter's health story, usage and adoption trends, tickets,
wins, risks, renewal and a proposed agenda). Both are `Report` objects, so
they render to PDF, and the QBR also to Markdown."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from iqcadence.core.accounts import breakdown, contacts, timeline
from iqcadence.core.accounts.customers import get_customer
from iqcadence.core.base import clock
from iqcadence.core.base.actor import Actor
from iqcadence.core.read.customer360 import record_extras
from iqcadence.core.reports.data import ReportScope, daily_scores, load_portfolio
from iqcadence.core.reports.fmt import TIER_LABELS, band_label, money, signed
from iqcadence.core.reports.fmt import score_text as fmt_score
from iqcadence.core.reports.model import Lines, Report, Section, Table, Text
from iqcadence.core.reports.risk import churn_estimate
from iqcadence.core.store import settings
from iqcadence.core.store.models import Customer

QUARTER_DAYS = 90


def _header_kpis(customer: Customer, today: date) -> list[tuple[str, str]]:
    renewal = "—"
    if customer.renewal_date is not None:
        renewal = f"{customer.renewal_date.isoformat()} ({(customer.renewal_date - today).days} d)"
    return [
        ("Score", f"{fmt_score(customer.score)} {band_label(customer.band)}"),
        ("ARR", money(customer.arr)),
        ("Renewal", renewal),
        ("Lifecycle", f"{customer.lifecycle} · {customer.status}"),
    ]


def _history(
    session: Session,
    customer: Customer,
    config_thresholds: dict[str, float],
    today: date,
    days: int,
) -> Lines:
    assert customer.id is not None
    first = today - timedelta(days=days - 1)
    daily = daily_scores(session, [customer.id], first, today)
    ordered = sorted(daily)
    return Lines(
        [d.strftime("%m-%d") for d in ordered],
        [("Score", [daily[d].get(customer.id) for d in ordered])],
        y_min=0,
        y_max=100,
        thresholds=config_thresholds,
    )


def record_report(session: Session, actor: Actor, name: str) -> Report:
    """The Customer 360 record as a document."""
    customer = get_customer(session, actor, name)
    today = clock.today()
    config = settings.load_scoring_config(session, actor.client_id)
    extras = record_extras(session, customer)
    owners = extras.get("owners") or []
    primary = next((o for o in owners if o.get("role") == "primary"), None)
    report = Report(
        kind="record",
        title=customer.name,
        subtitle=(
            f"Customer record · {TIER_LABELS.get(customer.tier or '', 'no tier')} · owner "
            f"{(primary or {}).get('name') or customer.manager or '—'} · as of {today.isoformat()}"
        ),
        kpis=_header_kpis(customer, today),
    )
    standard: list[list[Any]] = [
        ["Website", customer.website],
        ["Domain", customer.domain],
        ["E-mail", customer.email],
        ["Phone", customer.phone],
        ["Industry", customer.industry],
        ["Manager", customer.manager],
        ["MRR", money(customer.mrr)],
        ["Customer since", customer.customer_since],
        ["Next touch", customer.next_touch],
        ["Tags", ", ".join(t for t in customer.tags.split("|") if t)],
        ["Sentiment", customer.sentiment],
        ["Scoring profile", customer.scoring_profile or "global weights"],
    ]
    if len(owners) > 1:
        standard.append(
            [
                "Co-owners / observers",
                ", ".join(
                    f"{o['name'] or o['email']} ({o['role']})"
                    for o in owners
                    if o.get("role") != "primary"
                ),
            ]
        )
    for key, value in (extras.get("custom_fields") or {}).items():
        standard.append([key, value])
    attributes = [[label, "—" if value in (None, "") else str(value)] for label, value in standard]
    report.sections.append(
        Section("Attributes", [Table(["Field", "Value"], attributes, widths=(1, 2.5))])
    )
    if customer.notes:
        report.sections.append(Section("Notes", [Text(customer.notes)]))
    people = contacts.contact_rows(session, actor, customer, today=today)
    report.sections.append(
        Section(
            "Contacts",
            [
                Table(
                    ["Name", "Role", "E-mail", "Phone", "Last contact", "Health"],
                    [
                        [
                            p["name"],
                            p.get("role") or "—",
                            p.get("email") or "—",
                            p.get("phone") or "—",
                            p.get("last_contact") or "—",
                            p.get("health") or "—",
                        ]
                        for p in people
                    ],
                    widths=(1.6, 1, 2, 1.2, 1.1, 0.9),
                    empty="No contacts recorded.",
                )
            ],
        )
    )
    detail = breakdown.breakdown(session, customer, config, today)
    report.sections.append(
        Section(
            "Score breakdown",
            [
                Table(
                    ["Signal", "Value", "Sub-score", "Weight", "Contribution", "Tier average"],
                    [
                        [
                            line["signal"],
                            "—" if line["value"] is None else line["value"],
                            fmt_score(line["subscore"]),
                            line["weight"],
                            "excluded" if not line["present"] else f"{line['contribution']:.2f}",
                            fmt_score(line["tier_average"]),
                        ]
                        for line in detail["signals"]
                        if line["weight"] or line["value"] is not None
                    ],
                    widths=(1.4, 1, 1, 0.8, 1.1, 1.1),
                    align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
                )
            ],
        )
    )
    report.sections.append(
        Section(
            "Health history (180 days)",
            [_history(session, customer, dict(config.thresholds), today, 180)],
        )
    )
    events = timeline.event_dicts(
        session, timeline.list_events(session, actor, customer, limit=200)
    )
    report.sections.append(
        Section(
            "Timeline",
            [
                Table(
                    ["When", "Kind", "Title", "Contact", "Author"],
                    [
                        [
                            e["at"][:16].replace("T", " "),
                            e["kind"],
                            e["title"],
                            e.get("contact") or "—",
                            e.get("author") or "—",
                        ]
                        for e in events
                    ],
                    widths=(1.2, 0.9, 3, 1.1, 1.3),
                    empty="Nothing on the timeline yet.",
                )
            ],
        )
    )
    report.summary = f"Customer record of {customer.name}."
    return report


# --- QBR prep ---------------------------------------------------------------------------


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
        kpis=_header_kpis(customer, today) + [("Change in quarter", signed(change))],
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
                _history(session, customer, dict(config.thresholds), today, QUARTER_DAYS),
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
                        [e.at.date().isoformat(), e.title, e.status or "—", e.priority or "—"]
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
            f"at {money(customer.arr)} ARR."
        )
        if account is not None:
            renewal += (
                f" Churn estimate {churn_estimate(account, config.quiet_after).probability:.0f}%."
            )
    report.sections.append(Section("Renewal", [Text(renewal)]))
    report.sections.append(
        Section(
            "Proposed agenda",
            [
                Text(
                    "\n".join(
                        f"{i}. {item}"
                        for i, item in enumerate(_agenda(customer, wins, risks, trend), 1)
                    )
                )
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
    for signal, label in (("adoption", "Feature adoption"), ("logins", "Logins")):
        if (
            signal in trend
            and trend[signal][1] is not None
            and trend[signal][0] is not None
            and trend[signal][1] > trend[signal][0]
        ):
            wins.append(f"{label} rose from {_fmt(trend[signal][0])} to {_fmt(trend[signal][1])}.")
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
    customer: Customer, wins: list[str], risks: list[str], trend: dict[str, tuple[Any, Any]]
) -> list[str]:
    items = ["Their goals for next quarter and how success is measured."]
    if wins:
        items.append(
            "Results delivered this quarter: " + "; ".join(w.rstrip(".") for w in wins[:2]) + "."
        )
    if "adoption" in trend:
        items.append(
            "Adoption review: which features drive value, which are unused, "
            "and a plan for the gaps."
        )
    if risks:
        items.append(
            "Open issues and how we resolve them: "
            + "; ".join(r.rstrip(".") for r in risks[:2])
            + "."
        )
    if customer.renewal_date is not None:
        items.append(
            f"Renewal on {customer.renewal_date.isoformat()}: timeline, stakeholders and terms."
        )
    if customer.band == "expansion" or customer.growth == "strong":
        items.append("Expansion: teams or use cases that could adopt next.")
    items.append("Agreed next steps, owners and dates.")
    return items
