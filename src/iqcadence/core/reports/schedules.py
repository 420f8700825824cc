"""Scheduled reports, delivered by e-mail through the outbox, once per period.

`queue_due` (run by `automations run`) claims each schedule's latest due
period with one conditional UPDATE, so two runners at once never queue the
same period twice, and writes one outbox row keyed `report:ID:PERIOD`. The
report itself is rendered when the row is sent, as of the period's date, so
a retry after a failure sends the same figures.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from iqcadence.core.alerts.connections import parse_addresses
from iqcadence.core.base import clock
from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import InvalidValue, NotFound
from iqcadence.core.reports.catalog import REPORTS
from iqcadence.core.scoring.formula import TIERS
from iqcadence.core.store import audit
from iqcadence.core.store.models.alerts import OutboxEntry
from iqcadence.core.store.models.reports import ReportSchedule

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAILY = re.compile(r"^daily@(\d{1,2}):(\d{2})$")
_WEEKLY = re.compile(r"^weekly@([a-z]{3})-(\d{1,2}):(\d{2})$")
_MONTHLY = re.compile(r"^monthly@(\d{1,2})-(\d{1,2}):(\d{2})$")
FORMATS = ("pdf", "csv")
FILTER_KEYS = ("manager", "tier", "tag", "customer")


def parse_every(text: str) -> str:
    """`daily@HH:MM`, `weekly@DAY-HH:MM` or `monthly@D-HH:MM` (D 1–28), normalised."""
    value = text.strip().lower()
    if match := _DAILY.match(value):
        return f"daily@{_hhmm(text, match.group(1), match.group(2))}"
    if (match := _WEEKLY.match(value)) and match.group(1) in WEEKDAYS:
        return f"weekly@{match.group(1)}-{_hhmm(text, match.group(2), match.group(3))}"
    if match := _MONTHLY.match(value):
        day = int(match.group(1))
        if 1 <= day <= 28:
            return f"monthly@{day}-{_hhmm(text, match.group(2), match.group(3))}"
    raise InvalidValue(
        f"--every: {text!r} is not daily@HH:MM, weekly@DAY-HH:MM (DAY one of "
        f"{', '.join(WEEKDAYS)}) or monthly@D-HH:MM (D from 1 to 28)."
    )


def _hhmm(text: str, hours: str, minutes: str) -> str:
    h, m = int(hours), int(minutes)
    if not (0 <= h <= 23 and 0 <= m <= 59):
        raise InvalidValue(f"--every: {text!r} has no such time of day.")
    return f"{h:02d}:{m:02d}"


def last_due(every: str, now: datetime) -> datetime:
    """The start of the latest period at or before `now`."""
    kind, spec = every.split("@", 1)
    if kind == "daily":
        h, m = (int(x) for x in spec.split(":"))
        due = datetime.combine(now.date(), time(h, m))
        return due if due <= now else due - timedelta(days=1)
    day_part, hhmm = spec.split("-")
    h, m = (int(x) for x in hhmm.split(":"))
    if kind == "weekly":
        due = datetime.combine(now.date(), time(h, m))
        due -= timedelta(days=(now.weekday() - WEEKDAYS.index(day_part)) % 7)
        return due if due <= now else due - timedelta(days=7)
    due = datetime.combine(date(now.year, now.month, int(day_part)), time(h, m))
    if due <= now:
        return due
    year, month = (now.year, now.month - 1) if now.month > 1 else (now.year - 1, 12)
    return datetime.combine(date(year, month, int(day_part)), time(h, m))


def _check_report_type(report_type: str) -> None:
    if report_type not in REPORTS:
        raise InvalidValue(f"report type {report_type!r} is not one of {', '.join(REPORTS)}.")


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise InvalidValue(f"--format: {fmt!r} is not one of {', '.join(FORMATS)}.")


def _check_filters(report_type: str, clean: Mapping[str, str]) -> None:
    unknown = sorted(set(clean) - set(FILTER_KEYS))
    if unknown:
        raise InvalidValue(f"filter {unknown[0]!r} is not one of {', '.join(FILTER_KEYS)}.")
    if "tier" in clean and clean["tier"] not in TIERS:
        raise InvalidValue(f"--tier: {clean['tier']!r} is not one of {', '.join(TIERS)}.")
    if REPORTS[report_type].needs_customer and "customer" not in clean:
        raise InvalidValue(f"the {report_type} report needs --customer NAME.")


def check_stored_schedule(values: Mapping[str, Any]) -> None:
    """A stored schedule must be one `add_schedule` could have written (restore
    checks each row with this); the sentence starts with the column."""

    def stored(parsed: Any, value: Any) -> None:
        if parsed != value:
            raise InvalidValue(f"{value!r} is not in the form iqcadence stores ({parsed!r}).")

    filters = values.get("filters") or {}
    checks: tuple[tuple[str, Callable[[], object]], ...] = (
        ("report_type", lambda: _check_report_type(values["report_type"])),
        ("format", lambda: _check_format(values.get("format", "pdf"))),
        ("every", lambda: stored(parse_every(values["every"]), values["every"])),
        (
            "recipients",
            lambda: stored(parse_addresses(", ".join(values["recipients"])), values["recipients"]),
        ),
        ("filters", lambda: _check_filters(values["report_type"], filters)),
    )
    for column, check in checks:
        try:
            check()
        except InvalidValue as exc:
            raise InvalidValue(f"{column}: {exc.message}") from None
    if any(not isinstance(v, str) or v != v.strip() or not v for v in filters.values()):
        raise InvalidValue(
            f"filters: {filters!r} holds a value that is not trimmed, non-empty text."
        )


def add_schedule(
    session: Session,
    actor: Actor,
    report_type: str,
    *,
    every: str,
    recipients: str,
    fmt: str = "pdf",
    filters: dict[str, str | None] | None = None,
) -> ReportSchedule:
    actor.require_write()
    _check_report_type(report_type)
    _check_format(fmt)
    clean = {k: v.strip() for k, v in (filters or {}).items() if v and v.strip()}
    _check_filters(report_type, clean)
    schedule = ReportSchedule(
        client_id=actor.client_id,
        report_type=report_type,
        every=parse_every(every),
        recipients=parse_addresses(recipients),
        format=fmt,
        filters=clean,
        created_by=actor.email,
        # The period that has already begun is not owed: the first delivery
        # is the next one to start after the schedule was made.
        last_period=last_due(parse_every(every), clock.now()),
    )
    session.add(schedule)
    session.flush()
    audit.record(
        session,
        actor,
        "reports.schedule.add",
        details={
            "id": schedule.id,
            "report": report_type,
            "every": schedule.every,
            "recipients": schedule.recipients,
            "format": fmt,
            "filters": clean,
        },
    )
    session.commit()
    return schedule


def list_schedules(session: Session, client_id: int) -> list[ReportSchedule]:
    return list(
        session.exec(
            select(ReportSchedule)
            .where(ReportSchedule.client_id == client_id)
            .order_by(col(ReportSchedule.id))
        ).all()
    )


def remove_schedule(session: Session, actor: Actor, schedule_id: int) -> None:
    actor.require_write()
    schedule = session.get(ReportSchedule, schedule_id)
    if schedule is None or schedule.client_id != actor.client_id:
        raise NotFound(f"report schedule {schedule_id} does not exist.")
    session.delete(schedule)
    audit.record(session, actor, "reports.schedule.remove", details={"id": schedule_id})
    session.commit()


def schedule_to_dict(schedule: ReportSchedule) -> dict[str, Any]:
    return {
        "id": schedule.id,
        "report": schedule.report_type,
        "every": schedule.every,
        "recipients": schedule.recipients,
        "format": schedule.format,
        "filters": schedule.filters,
        "enabled": schedule.enabled,
        "last_period": schedule.last_period.isoformat(timespec="minutes")
        if schedule.last_period
        else None,
        "next_due": _next_due(schedule).isoformat(timespec="minutes"),
    }


def _next_due(schedule: ReportSchedule) -> datetime:
    after = schedule.last_period or clock.now()
    probe = after + timedelta(minutes=1)
    for _ in range(400):
        due = last_due(schedule.every, probe)
        if due > after:
            return due
        probe += timedelta(days=1)
    return probe


# --- queueing and sending ----------------------------------------------------------


def queue_due(session: Session, client_id: int, *, now: datetime | None = None) -> int:
    """Queue one outbox row per schedule whose latest period is not yet queued."""
    now = now or clock.now()
    queued = 0
    for schedule in list_schedules(session, client_id):
        if not schedule.enabled:
            continue
        due = last_due(schedule.every, now)
        claimed = session.execute(
            update(ReportSchedule)
            .where(
                col(ReportSchedule.id) == schedule.id,
                or_(
                    col(ReportSchedule.last_period).is_(None), col(ReportSchedule.last_period) < due
                ),
            )
            .values(last_period=due)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            session.rollback()
            continue
        key = f"report:{schedule.id}:{due.isoformat(timespec='minutes')}"
        title = f"{REPORTS[schedule.report_type].title} — {due.date().isoformat()}"
        session.add(
            OutboxEntry(
                client_id=client_id,
                idempotency_key=key,
                channel=f"report:{schedule.id}",
                kind="report",
                event="report",
                event_at=due,
                payload={
                    "title": title,
                    "lines": [],
                    "data": {
                        "schedule_id": schedule.id,
                        "report": schedule.report_type,
                        "format": schedule.format,
                        "filters": schedule.filters,
                        "as_of": due.date().isoformat(),
                        "recipients": schedule.recipients,
                    },
                },
            )
        )
        session.commit()
        queued += 1
    return queued


def send_report(
    session: Session, client_id: int, key: str, title: str, data: dict[str, Any], *, timeout: float
) -> None:
    """Render the report of one outbox row and e-mail it as an attachment."""
    from iqcadence.core.reports.service import render
    from iqcadence.core.store import mail

    filters = dict(data.get("filters") or {})
    as_of = str(data["as_of"])
    rendered = render(
        session,
        client_id,
        str(data["report"]),
        fmt=str(data.get("format", "pdf")),
        customer=filters.get("customer"),
        manager=filters.get("manager"),
        tier=filters.get("tier"),
        tag=filters.get("tag"),
        as_of=as_of if as_of < clock.today().isoformat() else None,
    )
    smtp = mail.require_settings(session, client_id)
    scope = ", ".join(f"{k} {v}" for k, v in filters.items()) or "whole portfolio"
    body = (
        f"{title}\n\n{rendered.summary}\n\nScope: {scope}. The full report is attached.\n\n"
        f"--\niqcadence scheduled report · key {key}\n"
    )
    message = mail.new_message(
        smtp, to=list(data.get("recipients") or []), subject=title, body=body
    )
    message["X-Iqcadence-Key"] = key
    message["Message-ID"] = f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@iqcadence.invalid>"
    subtype = "pdf" if rendered.fmt == "pdf" else "csv"
    maintype = "application" if subtype == "pdf" else "text"
    filename = f"{data['report']}-{as_of}.{rendered.fmt}"
    if maintype == "text":
        message.add_attachment(rendered.content.decode("utf-8"), subtype=subtype, filename=filename)
    else:
        message.add_attachment(
            rendered.content, maintype=maintype, subtype=subtype, filename=filename
        )
    mail.send_with(smtp, message, timeout=timeout)
