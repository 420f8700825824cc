"""Alert categories at and around their thresholds, state over time, exposure."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from iqcadence.core.alerts.config import AlertConfig
from iqcadence.core.alerts.derive import alerts_for_row

TODAY = date(2026, 11, 27)


def row(**values: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": 1,
        "name": "Acme",
        "status": "active",
        "lifecycle": "active",
        "score": 70.0,
        "band": "healthy",
        "mrr": 1000.0,
    }
    base.update(values)
    return base


def found(r: dict[str, Any], config: AlertConfig | None = None, **kw: Any) -> dict[str, str]:
    return {a.category: a.severity for a in alerts_for_row(r, config or AlertConfig(), TODAY, **kw)}


def test_health_by_band() -> None:
    assert found(row(band="critical", score=20.0))["health"] == "critical"
    assert found(row(band="at_risk", score=30.0))["health"] == "warning"
    assert "health" not in found(row(band="watch", score=55.0))


@pytest.mark.parametrize(
    ("tickets", "expected"),
    [(2, None), (3, "warning"), (4, "warning"), (5, "critical"), (9, "critical")],
)
def test_tickets_thresholds(tickets: int, expected: str | None) -> None:
    assert found(row(tickets=tickets)).get("tickets") == expected


def test_tickets_thresholds_configurable() -> None:
    config = AlertConfig(tickets_warning=2, tickets_critical=3)
    assert found(row(tickets=2), config)["tickets"] == "warning"
    assert found(row(tickets=3), config)["tickets"] == "critical"


@pytest.mark.parametrize(
    ("previous", "now", "fires"), [(10, 6, True), (10, 7, False), (10, 0, True), (0, 0, False)]
)
def test_engagement_login_drop(previous: int, now: int, fires: bool) -> None:
    result = found(row(logins=now, adoption=80), previous_logins=previous)
    assert ("engagement" in result) is fires
    if fires:
        assert result["engagement"] == "attention"


@pytest.mark.parametrize(("adoption", "fires"), [(19.9, True), (20, False), (0, True)])
def test_engagement_low_adoption(adoption: float, fires: bool) -> None:
    assert ("engagement" in found(row(adoption=adoption))) is fires


@pytest.mark.parametrize(
    ("days", "score", "expected"),
    [
        (30, 40.0, "critical"),
        (30, 50.0, "warning"),  # critical only when the score is below 50
        (31, 40.0, "warning"),
        (60, 40.0, "warning"),
        (61, 40.0, "attention"),
        (90, 90.0, "attention"),
        (91, 40.0, None),
        (-1, 40.0, None),  # a passed renewal is not upcoming
        (0, 10.0, "critical"),
    ],
)
def test_renewal_windows(days: int, score: float, expected: str | None) -> None:
    r = row(renewal_date=TODAY + timedelta(days=days), score=score)
    assert found(r).get("renewal") == expected


def test_renewal_reason_names_the_numbers() -> None:
    r = row(renewal_date=TODAY + timedelta(days=20), score=38.0)
    (alert,) = [a for a in alerts_for_row(r, AlertConfig(), TODAY) if a.category == "renewal"]
    assert "20 days" in alert.reason and "2026-12-17" in alert.reason and "38.0" in alert.reason


@pytest.mark.parametrize(
    ("tier", "days", "expected"),
    [
        (None, 29, None),
        (None, 30, "attention"),
        ("enterprise", 21, None),
        ("enterprise", 22, "warning"),  # past the enterprise overdue cadence (21)
        ("mid", 30, "attention"),
        ("mid", 31, "warning"),
        ("smb", 45, "attention"),
        ("smb", 46, "warning"),
    ],
)
def test_quiet(tier: str | None, days: int, expected: str | None) -> None:
    r = row(tier=tier, days_baseline=days, days_as_of=TODAY)
    assert found(r).get("quiet") == expected


def test_quiet_decays_with_time() -> None:
    r = row(days_baseline=20, days_as_of=TODAY - timedelta(days=10))
    assert found(r)["quiet"] == "attention"
    assert found(row(days_baseline=20, days_as_of=TODAY - timedelta(days=9))).get("quiet") is None


@pytest.mark.parametrize(
    ("momentum", "fires"), [(-10.0, True), (-9.9, False), (5.0, False), (None, False)]
)
def test_momentum(momentum: float | None, fires: bool) -> None:
    assert ("momentum" in found(row(), momentum=momentum)) is fires


@pytest.mark.parametrize(
    ("nps", "sentiment", "fires"),
    [
        (6, None, True),
        (7, None, False),
        (0, "positive", True),
        (9, "negative", True),
        (None, "neutral", False),
    ],
)
def test_sentiment(nps: int | None, sentiment: str | None, fires: bool) -> None:
    assert ("sentiment" in found(row(nps=nps, sentiment=sentiment))) is fires


def test_expansion_needs_band_and_strong_growth() -> None:
    alerts = alerts_for_row(
        row(band="expansion", score=85.0, growth="strong"), AlertConfig(), TODAY
    )
    (alert,) = [a for a in alerts if a.category == "expansion"]
    assert alert.severity == "opportunity"
    assert alert.data["expansion_estimate"] == 200.0  # 20 % of 1000
    assert "expansion" not in found(row(band="expansion", score=85.0, growth="mild"))
    assert "expansion" not in found(row(band="healthy", growth="strong"))


def test_archived_and_churned_have_no_alerts() -> None:
    assert found(row(band="critical", score=5.0, status="archived")) == {}
    assert found(row(band="critical", score=5.0, lifecycle="churned")) == {}


# --- through the database -----------------------------------------------------------------


def _score(session: Any, actor: Any, name: str, **values: Any) -> Any:
    from iqcadence.core.accounts.customers import apply_changes

    return apply_changes(session, actor, name, values)


def test_derive_alerts_sorts_and_filters(engine_db: Any, session: Any, actor: Any) -> None:
    from iqcadence.core.alerts.derive import derive_alerts

    _score(
        session,
        actor,
        "Small",
        logins=1,
        adoption=5,
        tickets=5,
        nps=1,
        days=10,
        mrr=100,
        manager="Sarah",
    )
    _score(
        session,
        actor,
        "Big",
        logins=1,
        adoption=5,
        tickets=5,
        nps=1,
        days=10,
        mrr=9000,
        manager="Miguel",
    )
    _score(session, actor, "Fine", logins=30, adoption=90, tickets=0, nps=9, days=1, mrr=50)
    alerts = derive_alerts(session, actor.client_id)
    assert alerts[0].customer == "Big" and alerts[0].severity == "critical"
    assert {a.customer for a in alerts} == {"Big", "Small"}
    only = derive_alerts(session, actor.client_id, manager="sarah", category="tickets")
    assert [(a.customer, a.severity) for a in only] == [("Small", "critical")]


def test_engagement_compares_with_previous_snapshot(
    engine_db: Any, session: Any, actor: Any
) -> None:
    from iqcadence.core.alerts.derive import derive_alerts

    _score(session, actor, "Drop", logins=20, adoption=50, days=1)
    _score(session, actor, "Drop", logins=12)  # −40 %
    (alert,) = derive_alerts(session, actor.client_id, category="engagement")
    assert alert.data == {"logins": 12, "previous_logins": 20, "drop_pct": 40.0}
    _score(session, actor, "Drop", adoption=55)  # the previous snapshot now has 12 logins
    assert derive_alerts(session, actor.client_id, category="engagement") == []


def test_momentum_from_snapshots(
    engine_db: Any, session: Any, actor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from iqcadence.core.alerts.derive import derive_alerts

    monkeypatch.setenv("IQCADENCE_TODAY", "2026-11-18")
    _score(session, actor, "Slide", logins=30, adoption=90, tickets=0, nps=9, days=1)
    monkeypatch.setenv("IQCADENCE_TODAY", "2026-11-27")
    _score(session, actor, "Slide", logins=20, adoption=70)
    (alert,) = derive_alerts(session, actor.client_id, category="momentum")
    assert alert.severity == "warning" and alert.data["momentum"] <= -10


def test_snooze_dismiss_wake_over_time(
    engine_db: Any, session: Any, actor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from iqcadence.core.alerts import state
    from iqcadence.core.alerts.derive import derive_alerts
    from iqcadence.core.base.errors import Conflict, InvalidValue
    from iqcadence.core.store import audit

    monkeypatch.setenv("IQCADENCE_NOW", "2026-11-27T10:00")
    _score(session, actor, "Acme", logins=20, adoption=60, tickets=3, nps=8, days=1)

    def visible() -> list[str]:
        return [a.category for a in derive_alerts(session, actor.client_id)]

    assert visible() == ["tickets"]
    state.snooze(session, actor, "acme", "tickets", for_period="1d")
    assert visible() == []
    hidden = derive_alerts(session, actor.client_id, include_snoozed=True)
    assert hidden[0].snoozed_until is not None
    monkeypatch.setenv("IQCADENCE_NOW", "2026-11-28T09:59")
    assert visible() == []
    monkeypatch.setenv("IQCADENCE_NOW", "2026-11-28T10:00")
    assert visible() == ["tickets"]

    state.snooze(session, actor, "Acme", "tickets", until="2026-12-01")
    monkeypatch.setenv("IQCADENCE_NOW", "2026-11-30T23:59")
    assert visible() == []
    state.wake(session, actor, "Acme", "tickets")
    assert visible() == ["tickets"]

    state.dismiss(session, actor, "Acme", "tickets")
    assert visible() == []
    monkeypatch.setenv("IQCADENCE_NOW", "2027-01-30T10:00")
    monkeypatch.setenv("IQCADENCE_TODAY", "2027-01-30")
    assert "tickets" not in visible()  # dismissed stays hidden while the condition holds
    _score(session, actor, "Acme", tickets=4)  # still firing: stays dismissed
    assert "tickets" not in visible()
    _score(session, actor, "Acme", tickets=1)  # clears: the dismissal goes
    _score(session, actor, "Acme", tickets=3)  # fires again: shows
    assert "tickets" in visible()

    with pytest.raises(Conflict):
        state.wake(session, actor, "Acme", "tickets")
    with pytest.raises(Conflict):
        state.dismiss(session, actor, "Acme", "expansion")
    with pytest.raises(InvalidValue):
        state.snooze(session, actor, "Acme", "tickets", for_period="2d")
    with pytest.raises(InvalidValue):
        state.snooze(session, actor, "Acme", "nonsense", for_period="1d")
    actions = [e.action for e in audit.list_entries(session, actor, action="alert")]
    assert actions.count("alert.snooze") == 2
    assert "alert.dismiss" in actions and "alert.wake" in actions


def test_exposure_counts_each_customer_once(session: Any, actor: Any) -> None:
    from iqcadence.core.alerts import state
    from iqcadence.core.alerts.current_reads import exposure

    _score(session, actor, "A", logins=1, adoption=5, tickets=5, nps=1, days=1, mrr=1000)
    _score(session, actor, "B", logins=20, adoption=60, tickets=3, nps=8, days=1, mrr=500)
    _score(session, actor, "C", logins=30, adoption=10, tickets=0, nps=9, days=1, mrr=700)
    data = exposure(session, actor.client_id)
    assert data["total_mrr"] == 1500.0 and data["customers"] == 2
    assert data["by_category"]["tickets"] == {"mrr": 1500.0, "customers": 2}
    assert "engagement" not in data["by_category"]  # attention does not count
    state.snooze(session, actor, "B", "tickets", for_period="7d")
    assert exposure(session, actor.client_id)["total_mrr"] == 1500.0  # still at stake


def test_config_alerts_set_and_refusals(session: Any, actor: Any) -> None:
    from iqcadence.core.alerts.config import load_alert_config, set_alert_config
    from iqcadence.core.base.errors import InvalidValue
    from iqcadence.core.store import settings

    config = set_alert_config(
        session,
        actor,
        {
            "quiet_after": "20",
            "momentum_points": "8",
            "tickets_warning": "2",
            "tickets_critical": "4",
            "cadence_smb": "20/40",
        },
    )
    assert (config.quiet_after, config.momentum_points, config.tickets_warning) == (20, 8, 2)
    assert config.cadence["smb"] == (20, 40)
    assert settings.load_scoring_config(session, actor.client_id).quiet_after == 20
    before = load_alert_config(session, actor.client_id)
    for bad in (
        {"nope": "1"},
        {"tickets_warning": "x"},
        {"tickets_warning": "6"},
        {"renewal_critical": "100"},
        {"cadence_mid": "30/10"},
    ):
        with pytest.raises(InvalidValue):
            set_alert_config(session, actor, bad)
        session.rollback()
    assert load_alert_config(session, actor.client_id) == before
