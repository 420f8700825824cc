"""The Customer 360 record export (header, attributes and custom fields,
contacts, score breakdown, health history, timeline) as a `Report`; its
header figures and score chart are shared with the QBR prep (`qbr`)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlmodel import Session

from iqcadence.core.accounts import breakdown, contacts, timeline
from iqcadence.core.accounts.customers import get_customer
from iqcadence.core.base import clock
from iqcadence.core.base.actor import Actor
from iqcadence.core.base.labels import label
from iqcadence.core.read.customer360 import record_extras
from iqcadence.core.reports.data import daily_scores
from iqcadence.core.reports.fmt import band_label, money, tier_label
from iqcadence.core.reports.fmt import score_text as fmt_score
from iqcadence.core.reports.model import Lines, Report, Section, Table, Text
from iqcadence.core.store import settings
from iqcadence.core.store.models import Customer

QUARTER_DAYS = 90


def header_kpis(customer: Customer, today: date) -> list[tuple[str, str]]:
    renewal = "—"
    if customer.renewal_date is not None:
        renewal = f"{customer.renewal_date.isoformat()} ({(customer.renewal_date - today).days} d)"
    return [
        ("Score", f"{fmt_score(customer.score)} {band_label(customer.band)}"),
        ("ARR", money(customer.arr)),
        ("Renewal", renewal),
        (
            "Lifecycle",
            f"{label('lifecycle', customer.lifecycle)} · {label('status', customer.status)}",
        ),
    ]


def lifecycle_text(customer: Customer) -> str:
    return f"{label('lifecycle', customer.lifecycle)} · {label('status', customer.status)}"


def signal_value(signal: str, value: Any) -> str:
    """A signal's value as people read it (growth "none" is "None")."""
    if value is None:
        return "—"
    return label("growth", value) if signal == "growth" else str(value)


def event_title(kind: str, title: str) -> str:
    """A product event's title is its stored name: show its words."""
    return label("product_event", title) if kind == "product_event" else title


def score_chart(
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
            f"Customer record · {tier_label(customer.tier)} · owner "
            f"{(primary or {}).get('name') or customer.manager or '—'} · as of {today.isoformat()}"
        ),
        kpis=header_kpis(customer, today),
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
        ["Sentiment", label("sentiment", customer.sentiment)],
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
                            label("contact_role", p.get("role")),
                            p.get("email") or "—",
                            p.get("phone") or "—",
                            p.get("last_contact") or "—",
                            label("band", p["health"]) if p.get("health") else "—",
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
                            label("signal", line["signal"]),
                            signal_value(line["signal"], line["value"]),
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
            [score_chart(session, customer, dict(config.thresholds), today, 180)],
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
                            label("event_kind", e["kind"]),
                            event_title(e["kind"], e["title"]),
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
