"""My day: my tasks, renewals, cadence, score drops and KPIs for one user."""

from __future__ import annotations

from typing import Any

import pytest

from iqcadence.core.accounts import customers, owners, tasks
from iqcadence.core.base.actor import Actor
from iqcadence.core.read import my_day as myday
from iqcadence.core.store import users

STRONG = {"logins": 30, "adoption": 95, "tickets": 0, "nps": 10, "growth": "strong"}


@pytest.fixture
def portfolio_accounts() -> dict[str, dict[str, Any]]:
    return {
        "Acme": {
            "logins": 2,
            "adoption": 10,
            "tickets": 4,
            "tier": "enterprise",
            "days": 25,
            "renewal_date": "2026-12-10",
            "mrr": 1000,
        },
        "Globex": {**STRONG, "days": 5, "tier": "smb", "mrr": 2000, "manager": "ana lima"},
        "Globex Two": {**STRONG, "renewal_date": "2027-02-10", "mrr": 300},
        "Initech": {"logins": 1, "mrr": 5000, "days": 90},
        "Old Co": {"logins": 1, "mrr": 50, "days": 99},
    }


@pytest.fixture
def portfolio_archived() -> tuple[str, ...]:
    return ("Old Co",)


@pytest.fixture
def ana(
    session: Any, actor: Actor, portfolio: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> Actor:
    """Ana, a CSM who owns most of the portfolio and has tasks; Bo owns the rest."""
    users.add_user(session, actor, "ana@example.com", role="csm", name="Ana Lima")
    users.add_user(session, actor, "bo@example.com", role="csm", name="Bo")
    # a week ago Hooli was healthy; today it is not (a 7-day drop)
    monkeypatch.setenv("IQCADENCE_TODAY", "2026-11-19")
    customers.apply_changes(session, actor, "Hooli", {**STRONG, "days": 1, "mrr": 500})
    monkeypatch.setenv("IQCADENCE_TODAY", "2026-11-27")
    customers.apply_changes(session, actor, "Hooli", {"logins": 5, "adoption": 30, "nps": 5})
    owners.set_owners(session, actor, "Acme", primary="ana@example.com")
    owners.set_owners(
        session, actor, "Hooli", primary="bo@example.com", co_owners=["ana@example.com"]
    )
    owners.set_owners(session, actor, "Globex Two", primary="ana@example.com")
    owners.set_owners(session, actor, "Initech", primary="bo@example.com")
    owners.set_owners(session, actor, "Old Co", primary="ana@example.com")
    tasks.add_task(
        session, actor, "Acme", "Send QBR deck", due="2026-11-20", owner="ana@example.com"
    )
    tasks.add_task(
        session, actor, "Globex", "Call champion", due="2026-11-27", owner="ana@example.com"
    )
    tasks.add_task(session, actor, "Acme", "Later", due="2026-12-02", owner="ana@example.com")
    tasks.add_task(session, actor, "Initech", "Not mine", due="2026-11-01", owner="bo@example.com")
    return users.resolve_actor(session, "ana@example.com")


def test_my_accounts_and_tasks(session: Any, ana: Actor) -> None:
    data = myday.build(session, ana).to_dict()
    assert data["user"] == "ana@example.com" and data["scope"] == "mine"
    assert data["accounts"] == 4  # Acme, Globex (manager), Globex Two, Hooli; not archived Old Co
    assert [t["title"] for t in data["tasks"]["overdue"]] == ["Send QBR deck"]
    assert [t["title"] for t in data["tasks"]["due_today"]] == ["Call champion"]
    # my alerts: only my accounts (not Initech, Bo's), most severe first
    assert [(a["customer"], a["category"], a["severity"]) for a in data["alerts"]] == [
        ("Acme", "health", "critical"),  # 21.0
        ("Acme", "renewal", "critical"),  # in 13 days, below 50
        ("Acme", "tickets", "warning"),  # 4 open
        ("Acme", "quiet", "warning"),  # 25 days, enterprise
        ("Hooli", "health", "warning"),  # 46.2
        ("Hooli", "momentum", "warning"),  # the 7-day drop
        ("Hooli", "sentiment", "warning"),  # NPS 5
        ("Acme", "engagement", "attention"),
        ("Hooli", "engagement", "attention"),
        ("Globex Two", "renewal", "attention"),  # in 75 days
        ("Globex", "expansion", "opportunity"),
        ("Globex Two", "expansion", "opportunity"),
    ]


def test_renewals_cadence_and_drops(session: Any, ana: Actor) -> None:
    data = myday.build(session, ana).to_dict()
    assert [(r["customer"], r["days"], r["window"]) for r in data["renewals"]] == [
        ("Acme", 13, "critical"),
        ("Globex Two", 75, "upcoming"),
    ]
    assert [(c["customer"], c["status"]) for c in data["cadence"]] == [("Acme", "overdue")]
    # Windows are named by their days, never by a band word.
    assert [r["window_label"] for r in data["renewals"]] == ["≤ 30 d", "61–90 d"]
    renewing = myday.day_lines(myday.build(session, ana)).renewals
    assert [line.detail.split(" · ")[0] for line in renewing] == [
        "renews in 13 d (≤ 30 d)",
        "renews in 75 d (61–90 d)",
    ]
    (drop,) = data["score_drops"]
    assert drop["customer"] == "Hooli" and drop["momentum"] < -30


def test_kpis(session: Any, ana: Actor) -> None:
    kpis = myday.build(session, ana).to_dict()["kpis"]
    assert kpis["accounts"] == 4
    assert kpis["by_band"]["critical"] == 1  # Acme
    assert kpis["by_band"]["expansion"] == 2  # Globex, Globex Two
    assert kpis["total_mrr"] == 3800.0
    assert kpis["by_band"]["at_risk"] == 1  # Hooli, 46.2
    assert kpis["revenue_at_risk"] == 1500.0
    assert kpis["expansion_opportunity"] == pytest.approx((2000 + 300) * 0.20)


def test_everyone_scope(session: Any, ana: Actor, actor: Actor) -> None:
    data = myday.build(session, ana, everyone=True).to_dict()
    assert data["accounts"] == 5  # every active customer
    assert data["kpis"]["total_mrr"] == 8800.0
    assert [c["customer"] for c in data["cadence"]] == ["Initech", "Acme"]
    admin = myday.build(session, actor).to_dict()
    assert admin["accounts"] == 0 and admin["tasks"]["overdue"] == []


def test_window_labels_follow_the_configured_days() -> None:
    from iqcadence.core.scoring.formula import ScoringConfig

    config = ScoringConfig(renewal_windows={"critical": 14, "warning": 45, "upcoming": 120})
    labels = [myday.window_label(config, w) for w in ("critical", "warning", "upcoming", None)]
    assert labels == ["≤ 14 d", "15–45 d", "46–120 d", None]
