"""Explaining a score: contributions, moves since the previous snapshot, flags."""

from __future__ import annotations

from typing import Any

import pytest

from iqcadence.core.accounts.customers import apply_changes
from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import NotFound
from iqcadence.core.read.explain import explain_customer, explanation_to_dict


def explain(session: Any, actor: Actor, name: str) -> dict[str, Any]:
    return explanation_to_dict(explain_customer(session, actor, name))


def test_contributions_and_no_previous_snapshot(session: Any, actor: Actor) -> None:
    apply_changes(
        session,
        actor,
        "Fresh",
        {"logins": 30, "adoption": 50, "tickets": 0, "nps": 9, "days": 0, "growth": "mild"},
    )
    data = explain(session, actor, "fresh")
    assert data["name"] == "Fresh" and data["score"] == data["computed_score"] == 85.5
    lines = {line["signal"]: line for line in data["signals"]}
    assert lines["adoption"]["contribution"] == 12.5
    assert lines["logins"]["contribution"] == 25.0
    assert lines["csat"]["present"] is False
    assert data["previous"] is None and data["changes"] == []
    assert data["flags"] == []


def test_moves_since_the_previous_snapshot_with_score_effects(
    session: Any, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IQCADENCE_TODAY", "2026-11-20")
    apply_changes(
        session, actor, "Slide", {"logins": 30, "adoption": 80, "nps": 9, "days": 5, "tier": "mid"}
    )
    monkeypatch.setenv("IQCADENCE_TODAY", "2026-11-27")
    apply_changes(session, actor, "Slide", {"nps": 3, "adoption": 60})
    data = explain(session, actor, "Slide")
    assert data["previous"]["taken_at"].startswith("2026-11-20")
    assert data["previous"]["score"] == 93.0
    changes = {c["signal"]: c for c in data["changes"]}
    assert set(changes) == {"adoption", "nps", "days"}
    assert changes["nps"] == {
        "signal": "nps",
        "from": 9,
        "to": 3,
        "delta": -6.0,
        "score_effect": -20.0,
    }
    assert changes["adoption"]["delta"] == -20.0
    assert changes["adoption"]["score_effect"] == -6.6
    assert changes["days"]["from"] == 5 and changes["days"]["to"] == 12  # decay
    assert changes["days"]["score_effect"] == -0.5
    # score now: (25×100 + 25×60 + 15×0 + 10×(1−12/180)×100) / 75 = 65.78
    assert data["computed_score"] == 65.8
    assert data["score_change"] == -27.2
    assert data["weights_changed"] is False


def test_growth_move_has_no_numeric_delta(session: Any, actor: Actor) -> None:
    apply_changes(session, actor, "Grower", {"adoption": 50, "growth": "none"})
    apply_changes(session, actor, "Grower", {"growth": "strong"})
    change = explain(session, actor, "Grower")["changes"][0]
    assert change["signal"] == "growth" and change["delta"] is None
    # (25×50 + 5×100)/30 = 58.33 vs (25×50 + 5×20)/30 = 45.0
    assert change["score_effect"] == 13.3


def test_weight_changes_are_reported(session: Any, actor: Actor) -> None:
    from iqcadence.core.scoring.formula import DEFAULT_WEIGHTS, ScoringConfig
    from iqcadence.core.store import settings

    apply_changes(session, actor, "Weighed", {"adoption": 50, "logins": 0})
    apply_changes(session, actor, "Weighed", {"adoption": 60})
    config = ScoringConfig(weights=dict(DEFAULT_WEIGHTS, logins=35, adoption=15))
    settings.save_scoring_config(session, actor, config)
    assert explain(session, actor, "Weighed")["weights_changed"] is True


def test_flags_missing_na_overdue_stale_and_manual(
    session: Any, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IQCADENCE_TODAY", "2026-10-01")
    apply_changes(
        session,
        actor,
        "Neglected",
        {"adoption": 50, "days": 10, "growth": "na", "tier": "enterprise", "score": 70},
    )
    monkeypatch.setenv("IQCADENCE_TODAY", "2026-11-27")
    data = explain(session, actor, "Neglected")
    kinds = [(f["kind"], f["signal"]) for f in data["flags"]]
    assert ("missing", "logins") in kinds and ("missing", "nps") in kinds
    assert ("missing", "csat") not in kinds  # CSAT is off: not expected
    assert ("not_applicable", "growth") in kinds
    assert ("overdue_contact", "days") in kinds
    assert ("stale_snapshot", None) in kinds
    assert ("manual_override", None) in kinds
    overdue = next(f for f in data["flags"] if f["kind"] == "overdue_contact")
    assert "67 days ago" in overdue["message"] and "21-day" in overdue["message"]
    stale = next(f for f in data["flags"] if f["kind"] == "stale_snapshot")
    assert "57 days ago" in stale["message"]
    assert data["score"] == 70.0 and data["score_source"] == "manual"


def test_overdue_uses_the_tier_cadence(session: Any, actor: Actor) -> None:
    apply_changes(session, actor, "Small", {"adoption": 50, "days": 40, "tier": "smb"})
    apply_changes(session, actor, "Big", {"adoption": 50, "days": 40, "tier": "enterprise"})
    apply_changes(session, actor, "Edge", {"adoption": 50, "days": 21, "tier": "enterprise"})
    assert "overdue_contact" not in [f["kind"] for f in explain(session, actor, "Small")["flags"]]
    assert "overdue_contact" in [f["kind"] for f in explain(session, actor, "Big")["flags"]]
    assert "overdue_contact" not in [f["kind"] for f in explain(session, actor, "Edge")["flags"]]


def test_unscored_customer_is_flagged(session: Any, actor: Actor) -> None:
    apply_changes(session, actor, "Empty", {"tier": "mid"})
    data = explain(session, actor, "Empty")
    assert data["score"] is None and data["computed_score"] is None
    kinds = [f["kind"] for f in data["flags"]]
    assert kinds.count("missing") == 6 and "stale_snapshot" in kinds


def test_unknown_customer(session: Any, actor: Actor) -> None:
    with pytest.raises(NotFound, match="customer 'Nobody' does not exist"):
        explain(session, actor, "Nobody")


def test_the_last_move_is_explained_even_days_later(
    session: Any, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IQCADENCE_TODAY", "2026-11-01")
    apply_changes(session, actor, "Later", {"adoption": 50, "nps": 9, "days": 0})
    monkeypatch.setenv("IQCADENCE_TODAY", "2026-11-10")
    apply_changes(session, actor, "Later", {"adoption": 60, "days": 0})
    monkeypatch.setenv("IQCADENCE_TODAY", "2026-11-20")
    apply_changes(session, actor, "Later", {"nps": 2})
    monkeypatch.setenv("IQCADENCE_TODAY", "2026-11-27")
    data = explain(session, actor, "Later")
    assert data["previous"]["taken_at"].startswith("2026-11-10")
    changes = {c["signal"]: (c["from"], c["to"]) for c in data["changes"]}
    assert changes == {"nps": (9, 2), "days": (0, 17)}


def test_decay_alone_is_explained_with_one_snapshot(
    session: Any, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IQCADENCE_TODAY", "2026-11-17")
    apply_changes(session, actor, "Quiet", {"adoption": 50, "days": 0})
    monkeypatch.setenv("IQCADENCE_TODAY", "2026-11-27")
    data = explain(session, actor, "Quiet")
    assert data["changes"] == [
        {"signal": "days", "from": 0, "to": 10, "delta": 10.0, "score_effect": -1.6}
    ]
    # (25×50 + 10×94.44) / 35 = 62.70 against 64.3 on the 17th
    assert data["computed_score"] == 62.7 and data["score_change"] == -1.6


def test_score_change_compares_computed_scores_under_an_override(
    session: Any, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IQCADENCE_TODAY", "2026-11-20")
    apply_changes(session, actor, "Pinned", {"adoption": 60, "score": 90})
    apply_changes(session, actor, "Pinned", {"adoption": 40, "score": 85})
    data = explain(session, actor, "Pinned")
    assert data["score"] == 85.0 and data["computed_score"] == 40.0
    assert data["previous"]["score"] == 90.0 and data["previous"]["computed_score"] == 60.0
    assert data["score_change"] == -20.0
