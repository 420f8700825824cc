"""The seven event types at and around their thresholds, and parsing."""

from __future__ import annotations

from typing import Any

import pytest

from iqcadence.core.alerts.events import EventSpec, detect, parse_event
from iqcadence.core.base.errors import InvalidValue

# these tests run `automations run` themselves
pytestmark = pytest.mark.usefixtures("no_background_sender")


def fires(spec: str, before: dict[str, Any], after: dict[str, Any]) -> bool:
    return detect(parse_event(spec), before, after) is not None


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (55.0, 49.9, True),
        (50.0, 49.9, True),
        (55.0, 50.0, False),
        (49.0, 40.0, False),
        (None, 30.0, True),
        (60.0, None, False),
    ],
)
def test_health_below(old: float | None, new: float | None, expected: bool) -> None:
    assert fires("health_below", {"score": old}, {"score": new}) is expected


def test_health_below_custom_threshold() -> None:
    assert fires("health_below:40", {"score": 45.0}, {"score": 39.0})
    assert not fires("health_below:40", {"score": 45.0}, {"score": 41.0})


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("watch", "at_risk", True),
        ("healthy", "critical", True),
        ("at_risk", "critical", False),
        ("critical", "at_risk", False),
        (None, "critical", True),
        ("watch", "watch", False),
    ],
)
def test_became_at_risk(old: str | None, new: str, expected: bool) -> None:
    assert fires("became_at_risk", {"band": old}, {"band": new}) is expected


@pytest.mark.parametrize(
    ("old_days", "old_date", "new_days", "new_date", "expected"),
    [
        (31, "2026-12-28", 30, "2026-12-28", True),
        (32, "2026-12-29", 31, "2026-12-29", False),
        (30, "2026-12-28", 29, "2026-12-28", False),  # already inside the window
        (10, "2026-12-08", 20, "2026-12-17", True),  # a new renewal date inside the window
        (None, None, 0, "2026-11-27", True),
        (1, "2026-11-28", -1, "2026-11-26", False),  # passed
    ],
)
def test_renewal_approaching(
    old_days: int | None, old_date: str | None, new_days: int, new_date: str, expected: bool
) -> None:
    before = {"renewal_days": old_days, "renewal_date": old_date}
    after = {"renewal_days": new_days, "renewal_date": new_date}
    assert fires("renewal_approaching", before, after) is expected


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [(14, 15, True), (13, 14, False), (15, 16, False), (None, 20, True), (20, 3, False)],
)
def test_no_contact(old: int | None, new: int, expected: bool) -> None:
    assert fires("no_contact", {"days": old}, {"days": new}) is expected


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [(7, 6, True), (9, 0, True), (6, 5, False), (None, 6, True), (6, 7, False), (8, 7, False)],
)
def test_nps_detractor(old: int | None, new: int, expected: bool) -> None:
    assert fires("nps_detractor", {"nps": old}, {"nps": new}) is expected


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("active", "atrisk", True),
        ("atrisk", "churned", True),
        ("active", "won", False),
        ("churned", "churned", False),
        ("onboarding", "active", False),
    ],
)
def test_lifecycle_change(old: str, new: str, expected: bool) -> None:
    assert fires("lifecycle_change", {"lifecycle": old}, {"lifecycle": new}) is expected


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [(80.0, 64.9, True), (80.0, 65.0, False), (80.0, 70.0, False), (None, 10.0, False)],
)
def test_rapid_score_drop(old: float | None, new: float, expected: bool) -> None:
    assert fires("rapid_score_drop", {"score": old}, {"score": new}) is expected


def test_parse_event() -> None:
    assert parse_event("health_below") == EventSpec("health_below", 50)
    assert parse_event("Renewal-Approaching:45") == EventSpec("renewal_approaching", 45)
    assert parse_event("nps_detractor") == EventSpec("nps_detractor")
    for bad, needle in (
        ("health_sideways", "is not one of"),
        ("nps_detractor:3", "takes no parameter"),
        ("health_below:abc", "must be a number"),
        ("health_below:120", "between 0 and 100"),
        ("no_contact:-1", "must not be negative"),
    ):
        with pytest.raises(InvalidValue, match=needle):
            parse_event(bad)


def test_every_change_path_reaches_the_rules(engine_db: Any, session: Any, actor: Any) -> None:
    """A bulk rescore (set-based path) is seen like a single change."""
    from sqlmodel import select

    from iqcadence.core.accounts.customers import apply_changes
    from iqcadence.core.alerts import rules
    from iqcadence.core.scoring.formula import ScoringConfig
    from iqcadence.core.store import settings
    from iqcadence.core.store.models.alerts import Connection, OutboxEntry

    session.add(
        Connection(
            client_id=1,
            name="h",
            name_key="h",
            kind="webhook",
            target="x",
            keyring_name="connection_h",
        )
    )
    session.commit()
    apply_changes(
        session, actor, "Acme", {"logins": 30, "adoption": 10, "tickets": 0, "nps": 9, "days": 1}
    )
    rules.add_rule(session, actor, "r", events=["became_at_risk"], channels=["h"])
    config = settings.load_scoring_config(session, actor.client_id)
    weights = {
        "logins": 0,
        "adoption": 100,
        "tickets": 0,
        "nps": 0,
        "csat": 0,
        "days": 0,
        "growth": 0,
    }
    settings.save_scoring_config(
        session, actor, ScoringConfig.from_dict({**config.to_dict(), "weights": weights})
    )
    from iqcadence.core.accounts.rescore import rescore_all

    rescore_all(session, actor)
    found = session.exec(select(OutboxEntry)).all()
    assert [(e.event, e.customer_name) for e in found] == [("became_at_risk", "Acme")]
