"""The bulk change hook (rescore, import) and the sweep, chunk by chunk:
the same notifications whatever the chunk size, customers never observed
compared with their state before a rescore, and no work without rules."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from tests.memory_keyring import MemoryKeyring, memory_keyring  # noqa: F401

EVENTS = ["health_below:50", "became_at_risk", "lifecycle_change", "rapid_score_drop:10"]
# logins, adoption, tickets, nps: from healthy to failing
PORTFOLIO = {
    "Acme": (30, 90, 0, 9),
    "Birch": (20, 60, 1, 8),
    "Cobalt": (12, 45, 2, 7),
    "Dune": (8, 40, 3, 6),
    "Elm": (5, 20, 4, 3),
    "Fjord": (25, 80, 0, 10),
    "Gale": (3, 10, 6, 1),
}
# scoring on NPS and tickets alone moves most scores a long way, and the higher
# thresholds move bands (and lifecycles) into at risk
HARSH_WEIGHTS = {
    "logins": 0,
    "adoption": 0,
    "tickets": 30,
    "nps": 70,
    "csat": 0,
    "days": 0,
    "growth": 0,
}
# custom rules "score < N": 60 is crossed by the customer observed before the
# rescore, 20 by customers never observed
CUSTOM = {"low": 60, "very low": 20}
HARSH_THRESHOLDS = {"at_risk": 40, "watch": 70, "healthy": 85, "expansion": 95}


# these tests run `automations run` themselves
pytestmark = pytest.mark.usefixtures("no_background_sender")


def _customers(session: Any, actor: Any) -> None:
    from iqcadence.core.accounts.customers import apply_changes

    for name, (logins, adoption, tickets, nps) in PORTFOLIO.items():
        values = {"logins": logins, "adoption": adoption, "tickets": tickets, "nps": nps}
        apply_changes(session, actor, name, {**values, "days": 3, "mrr": 1000})


def _rescore(session: Any, actor: Any) -> None:
    from iqcadence.core.accounts import rescore
    from iqcadence.core.store import settings

    config = settings.load_scoring_config(session, actor.client_id)
    settings.save_scoring_config(
        session,
        actor,
        replace(config, weights=dict(HARSH_WEIGHTS), thresholds=dict(HARSH_THRESHOLDS)),
    )
    rescore.rescore_all(session, actor)


def _queued(session: Any) -> list[tuple[str, str]]:
    from sqlmodel import select

    from iqcadence.core.store.models.alerts import OutboxEntry

    session.expire_all()
    return sorted((e.customer_name, e.event) for e in session.exec(select(OutboxEntry)).all())


# By hand, from each customer's sub-scores (days 3 = 98.3, growth absent):
# default weights → HARSH_WEIGHTS and HARSH_THRESHOLDS
#   Birch 68.4 healthy → 59.0 at risk, Cobalt 53.2 watch → 53.0 at risk: both
#   become at risk and their lifecycle follows (active → atrisk);
#   Dune 36.3 → 12.0, Elm 24.2 → 6.0, Gale 15.6 → 0.0: drops of more than 10;
#   Acme 97.2 → 100 and Fjord 90.2 → 100: nothing.
FIRED = [
    ("Birch", "became_at_risk"),
    ("Birch", "lifecycle_change"),
    ("Cobalt", "became_at_risk"),
    ("Cobalt", "lifecycle_change"),
    ("Dune", "rapid_score_drop"),
    ("Elm", "rapid_score_drop"),
    ("Gale", "rapid_score_drop"),
]
# score < 60 becomes true for Birch (Cobalt was below already); < 20 for Dune
# and Elm (Gale was below already)
FIRED_CUSTOM = [("Birch", "custom"), ("Dune", "custom"), ("Elm", "custom")]


@pytest.mark.parametrize("chunk", [2, 3, 5000])
@pytest.mark.parametrize("with_custom", [False, True], ids=["events", "events+custom"])
def test_rescore_fires_from_the_state_before_it_whatever_the_chunk(
    engine_db: Any,
    session: Any,
    actor: Any,
    memory_keyring: MemoryKeyring,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    chunk: int,
    with_custom: bool,
) -> None:
    """Event rules alone read only the columns events compare; a custom rule
    makes every row whole: both give the events worked out by hand above."""
    from iqcadence.core.alerts import connections, rules, scan

    monkeypatch.setattr(scan, "CHUNK", chunk)
    _customers(session, actor)  # before any rule: never observed
    connections.add_connection(session, actor, "h", kind="webhook", target="http://127.0.0.1:9/h")
    rules.add_rule(session, actor, "risk", events=EVENTS, channels=["h"])
    for name, below in CUSTOM.items() if with_custom else ():
        rules.add_custom_rule(session, actor, name, channels=["h"], conditions=[f"score < {below}"])
    # one customer observed by a change made while the rules exist
    from iqcadence.core.accounts.customers import apply_changes

    apply_changes(session, actor, "Birch", {"nps": 7})
    assert _queued(session) == []
    _rescore(session, actor)
    expected = sorted(FIRED + (FIRED_CUSTOM if with_custom else []))
    assert _queued(session) == expected
    watched = session.connection().exec_driver_sql("SELECT COUNT(*) FROM customer_watch")
    assert watched.scalar_one() == len(PORTFOLIO)
    # the same rescore again changes nothing and queues nothing more
    from iqcadence.core.accounts import rescore

    rescore.rescore_all(session, actor)
    assert _queued(session) == expected


def test_no_rule_and_no_webhook_reads_no_customer(
    session: Any, actor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from iqcadence.core.alerts import engine

    _customers(session, actor)

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("customers read although no rule is enabled")

    monkeypatch.setattr(engine, "row_chunks", boom)
    monkeypatch.setattr(engine, "_before_from_table", boom)
    _rescore(session, actor)
    assert engine.sweep(session, actor.client_id) == 0
    assert _queued(session) == []


def test_sweep_in_chunks_fires_each_crossing_once(
    engine_db: Any,
    session: Any,
    actor: Any,
    memory_keyring: MemoryKeyring,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from iqcadence.core.alerts import connections, engine, rules, scan

    monkeypatch.setattr(scan, "CHUNK", 2)
    connections.add_connection(session, actor, "h", kind="webhook", target="http://127.0.0.1:9/h")
    rules.add_rule(session, actor, "quiet", events=["no_contact:14"], channels=["h"])
    _customers(session, actor)  # 3 days without contact, observed as they are scored
    assert engine.sweep(session, actor.client_id) == 0
    monkeypatch.setenv("IQCADENCE_TODAY", "2026-12-09")  # 15 days
    assert engine.sweep(session, actor.client_id) == len(PORTFOLIO)
    assert engine.sweep(session, actor.client_id) == 0
    session.commit()
    assert _queued(session) == sorted((name, "no_contact") for name in PORTFOLIO)


def test_outbox_rows_are_written_once_per_key(
    engine_db: Any,
    session: Any,
    actor: Any,
    memory_keyring: MemoryKeyring,  # noqa: F811
) -> None:
    """Two events of one rule sharing a key give one row; observing the same
    move again at the same moment writes nothing more."""
    from datetime import datetime

    from sqlalchemy import text

    from iqcadence.core.accounts.customers import apply_changes
    from iqcadence.core.alerts import connections, engine, rules

    apply_changes(session, actor, "Gale", {"logins": 3, "adoption": 10, "tickets": 6, "nps": 1})
    connections.add_connection(session, actor, "h", kind="webhook", target="http://127.0.0.1:9/h")
    connections.add_connection(session, actor, "k", kind="webhook", target="http://127.0.0.1:9/k")
    rules.add_rule(
        session, actor, "low", events=["health_below:50", "health_below:40"], channels=["h", "k"]
    )
    (cid,) = session.connection().execute(text("SELECT id FROM customer")).scalars()
    stamp = datetime(2026, 11, 27, 9, 0)
    fresh = {cid: {"score": 80.0, "band": "healthy", "lifecycle": "active"}}
    assert engine.observe(session, actor.client_id, [cid], before=fresh, event_at=stamp) == 2
    session.connection().execute(text("DELETE FROM customer_watch"))  # forget it was seen
    assert engine.observe(session, actor.client_id, [cid], before=fresh, event_at=stamp) == 0
    session.commit()
    assert _queued(session) == [("Gale", "health_below"), ("Gale", "health_below")]
    channels = session.connection().execute(text("SELECT channel FROM outbox ORDER BY id"))
    assert list(channels.scalars()) == ["h", "k"]
