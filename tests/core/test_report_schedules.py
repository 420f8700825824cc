"""Scheduled reports: parsing, periods, and delivery end to end through the
outbox to a real local SMTP server, exactly once per period."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from iqcadence.core.alerts import outbox
from iqcadence.core.base.errors import InvalidValue
from iqcadence.core.reports import schedules as report_schedules
from iqcadence.core.store import mail
from tests.factories import build_portfolio
from tests.smtp_server import Inbox


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("daily@7:00", "daily@07:00"),
        ("weekly@MON-08:30", "weekly@mon-08:30"),
        ("monthly@1-08:00", "monthly@1-08:00"),
    ],
)
def test_every_is_normalised(text: str, normal: str) -> None:
    assert report_schedules.parse_every(text) == normal


@pytest.mark.parametrize(
    "text", ["hourly", "daily@25:00", "weekly@fun-08:00", "monthly@31-08:00", "weekly@mon"]
)
def test_bad_every_is_refused(text: str) -> None:
    with pytest.raises(InvalidValue, match="--every"):
        report_schedules.parse_every(text)


def test_last_due_periods() -> None:
    now = datetime(2026, 11, 27, 9, 30)  # a Friday
    assert report_schedules.last_due("daily@07:00", now) == datetime(2026, 11, 27, 7, 0)
    assert report_schedules.last_due("daily@10:00", now) == datetime(2026, 11, 26, 10, 0)
    assert report_schedules.last_due("weekly@mon-08:00", now) == datetime(2026, 11, 23, 8, 0)
    assert report_schedules.last_due("weekly@fri-10:00", now) == datetime(2026, 11, 20, 10, 0)
    assert report_schedules.last_due("monthly@1-08:00", now) == datetime(2026, 11, 1, 8, 0)
    assert report_schedules.last_due("monthly@28-08:00", now) == datetime(2026, 10, 28, 8, 0)


def _smtp(session: Any, actor: Any, port: int) -> None:
    settings = mail.validate(
        host="127.0.0.1",
        port=port,
        user=None,
        sender="reports@example.com",
        security="none",
        timeout=5,
    )
    mail.save_settings(session, actor, settings)


def test_scheduled_report_is_emailed_once_per_period(
    engine_db: Any,
    session: Any,
    actor: Any,
    smtp_server: Inbox,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    build_portfolio(session, actor, days=14)
    _smtp(session, actor, smtp_server.port)
    monkeypatch.setenv("IQCADENCE_NOW", "2026-11-23T07:00")
    report_schedules.add_schedule(
        session,
        actor,
        "digest",
        every="weekly@mon-08:00",
        recipients="lead@example.com, cso@example.com",
    )
    assert outbox.run(session, actor).sent == 0  # not due yet
    monkeypatch.setenv("IQCADENCE_NOW", "2026-11-23T08:05")
    first = outbox.run(session, actor)
    assert first.sent == 1
    again = outbox.run(session, actor)  # same period: nothing more
    assert again.sent == 0
    assert len(smtp_server.messages) == 1
    sender, recipients, message = smtp_server.messages[0]
    assert sender == "reports@example.com"
    assert sorted(recipients) == ["cso@example.com", "lead@example.com"]
    assert message["Subject"] == "Weekly digest — 2026-11-23"
    assert "newly at risk" in message.get_body(preferencelist=("plain",)).get_content()
    attachment = next(message.iter_attachments())
    assert attachment.get_filename() == "digest-2026-11-23.pdf"
    assert attachment.get_content().startswith(b"%PDF")
    monkeypatch.setenv("IQCADENCE_NOW", "2026-11-30T08:01")
    assert outbox.run(session, actor).sent == 1
    assert len(smtp_server.messages) == 2


def test_failed_delivery_is_retried_with_the_same_report(
    engine_db: Any,
    session: Any,
    actor: Any,
    smtp_server: Inbox,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    build_portfolio(session, actor, days=7)
    _smtp(session, actor, smtp_server.port)
    monkeypatch.setenv("IQCADENCE_NOW", "2026-11-26T06:00")
    report_schedules.add_schedule(
        session, actor, "at-risk", every="daily@07:00", recipients="ghost@example.com", fmt="csv"
    )
    smtp_server.refuse.add("ghost@example.com")
    monkeypatch.setenv("IQCADENCE_NOW", "2026-11-26T07:01")
    assert outbox.run(session, actor).failed == 1
    smtp_server.refuse.clear()
    monkeypatch.setenv("IQCADENCE_NOW", "2026-11-26T09:00")
    assert outbox.run(session, actor).sent == 1
    assert len(smtp_server.messages) == 1
    attachment = next(smtp_server.messages[0][2].iter_attachments())
    assert attachment.get_filename() == "at-risk-2026-11-26.csv"
    assert attachment.get_content().startswith("name,score,band")


def test_schedule_validation(session: Any, actor: Any) -> None:
    with pytest.raises(InvalidValue, match="report type"):
        report_schedules.add_schedule(
            session, actor, "weekly", every="daily@07:00", recipients="a@b.co"
        )
    with pytest.raises(InvalidValue, match="--email"):
        report_schedules.add_schedule(
            session, actor, "digest", every="daily@07:00", recipients="not-an-address"
        )
    with pytest.raises(InvalidValue, match="--customer"):
        report_schedules.add_schedule(
            session, actor, "customer", every="daily@07:00", recipients="a@b.co"
        )
    assert report_schedules.list_schedules(session, actor.client_id) == []


def test_cli_schedule_add_list_remove(cli: Any) -> None:
    added = cli(
        "reports",
        "schedule",
        "add",
        "portfolio",
        "--every",
        "monthly@1-08:00",
        "--email",
        "lead@example.com",
        "--tier",
        "enterprise",
        "--json",
    )
    assert added.exit_code == 0, added.output
    assert '"every": "monthly@1-08:00"' in added.stdout
    listed = cli("reports", "schedule", "list", "--json")
    assert '"report": "portfolio"' in listed.stdout and '"tier": "enterprise"' in listed.stdout
    assert cli("reports", "schedule", "remove", "1").exit_code == 0
    assert cli("reports", "schedule", "remove", "1").exit_code == 1
    bad = cli("reports", "schedule", "add", "portfolio", "--every", "hourly", "--email", "a@b.co")
    assert bad.exit_code == 2 and "--every" in bad.stderr
