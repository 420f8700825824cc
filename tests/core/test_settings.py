"""The stored scoring model: load, save, refuse, CSAT rebalance, profiles, TOML."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import (
    Conflict,
    InvalidValue,
    NotFound,
    PermissionDenied,
    RefusedFile,
)
from iqcadence.core.scoring.formula import DEFAULT_WEIGHTS, SIGNALS, ScoringConfig
from iqcadence.core.store import settings
from tests.factories import dump


def csm(session: Any, admin: Actor) -> Actor:
    from iqcadence.core.store.users import add_user

    add_user(session, admin, "csm@example.com", role="csm")
    return Actor(email="csm@example.com", role="csm", client_id=admin.client_id)


def test_defaults_until_something_is_saved(session: Any, actor: Actor) -> None:
    assert settings.load_scoring_config(session, actor.client_id) == ScoringConfig()
    assert settings.get_block(session, actor.client_id, settings.SCORING_KEY) is None


def test_save_and_load_round_trip_with_audit(session: Any, actor: Actor) -> None:
    from iqcadence.core.store.audit import list_entries

    config = replace(
        ScoringConfig(),
        weights=dict(DEFAULT_WEIGHTS, logins=30, adoption=20),
        thresholds={"at_risk": 20, "watch": 45, "healthy": 60, "expansion": 85},
        quiet_after=14,
    )
    settings.save_scoring_config(session, actor, config, action="config.weights")
    assert settings.load_scoring_config(session, actor.client_id) == config
    entry = list_entries(session, actor, action="config")[0]
    assert entry.action == "config.weights"
    assert entry.details["before"] is None
    assert entry.details["after"]["weights"]["logins"] == 30


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"weights": dict(DEFAULT_WEIGHTS, logins=40)}, "must total 100, but they total 115"),
        (
            {"thresholds": {"at_risk": 50, "watch": 50, "healthy": 65, "expansion": 80}},
            "increase strictly",
        ),
        ({"cadence": {"enterprise": (21, 14), "mid": (21, 30), "smb": (30, 45)}}, "cadence"),
        (
            {"renewal_windows": {"critical": 90, "warning": 60, "upcoming": 30}},
            "critical < warning < upcoming, got critical=90, warning=60, upcoming=30",
        ),
        (
            {"thresholds": {"at_risk": -1, "watch": 50, "healthy": 65, "expansion": 80}},
            "thresholds.at_risk: must be above 0 and at most 100, got -1",
        ),
        (
            {"thresholds": {"at_risk": 25, "watch": 50, "healthy": 65, "expansion": 101}},
            "thresholds.expansion: must be above 0 and at most 100, got 101",
        ),
        ({"quiet_after": 0}, "quiet_after"),
    ],
)
def test_bad_config_saves_nothing(
    session: Any, actor: Actor, db_path: Path, change: dict[str, Any], message: str
) -> None:
    before = dump(db_path)
    with pytest.raises(InvalidValue, match=message):
        settings.save_scoring_config(session, actor, replace(ScoringConfig(), **change))
    session.rollback()
    assert dump(db_path) == before


def test_only_admins_change_the_model(session: Any, actor: Actor, db_path: Path) -> None:
    user = csm(session, actor)
    before = dump(db_path)
    with pytest.raises(PermissionDenied, match="only an admin"):
        settings.save_scoring_config(session, user, ScoringConfig())
    with pytest.raises(PermissionDenied):
        settings.save_profile(session, user, "p", dict(DEFAULT_WEIGHTS))
    assert dump(db_path) == before


@pytest.mark.parametrize("csat_weight", [0, 1, 10, 15, 33, 50, 99])
def test_rebalance_for_csat_keeps_the_total_at_100(csat_weight: int) -> None:
    weights = settings.rebalance_for_csat(dict(DEFAULT_WEIGHTS), csat_weight)
    assert sum(weights.values()) == 100
    assert weights["csat"] == csat_weight
    assert list(weights) == list(SIGNALS)
    assert all(v >= 0 for v in weights.values())


def test_rebalance_for_csat_is_proportional() -> None:
    weights = settings.rebalance_for_csat(dict(DEFAULT_WEIGHTS), 20)
    # 80 points shared as 25:25:20:15:10:5
    assert weights == {
        "logins": 20,
        "adoption": 20,
        "tickets": 16,
        "nps": 12,
        "csat": 20,
        "days": 8,
        "growth": 4,
    }


def test_rebalance_for_csat_refuses_out_of_range() -> None:
    with pytest.raises(InvalidValue, match="between 0 and 100"):
        settings.rebalance_for_csat(dict(DEFAULT_WEIGHTS), 120)


# --- profiles ---------------------------------------------------------------------------------


def test_profiles_save_list_and_delete(session: Any, actor: Actor) -> None:
    weights = dict.fromkeys(SIGNALS, 0) | {"adoption": 60, "logins": 40}
    settings.save_profile(session, actor, " enterprise ", weights, description="big ones")
    profile = settings.get_profile(session, actor.client_id, "enterprise")
    assert profile.weights == weights and profile.description == "big ones"
    assert settings.profile_weights(session, actor.client_id) == {"enterprise": weights}
    settings.delete_profile(session, actor, "enterprise")
    assert settings.list_profiles(session, actor.client_id) == []
    with pytest.raises(NotFound, match="scoring profile 'enterprise' does not exist"):
        settings.get_profile(session, actor.client_id, "enterprise")


def test_profile_weights_must_total_100(session: Any, actor: Actor) -> None:
    with pytest.raises(InvalidValue, match="profile 'half' weights: must total 100"):
        settings.save_profile(session, actor, "half", {"adoption": 50})
    assert settings.list_profiles(session, actor.client_id) == []


def test_profile_in_use_cannot_be_deleted(session: Any, actor: Actor) -> None:
    from iqcadence.core.accounts.customers import apply_changes

    settings.save_profile(session, actor, "used", dict(DEFAULT_WEIGHTS))
    apply_changes(session, actor, "User Co", {"adoption": 10, "scoring_profile": "used"})
    with pytest.raises(Conflict, match="assigned to customers"):
        settings.delete_profile(session, actor, "used")


# --- TOML export / import -------------------------------------------------------------------


def test_toml_round_trip(session: Any, actor: Actor, tmp_path: Path) -> None:
    config = replace(
        ScoringConfig(),
        weights=settings.rebalance_for_csat(dict(DEFAULT_WEIGHTS), 10),
        csat_enabled=True,
        momentum_points=7.5,
        cadence={"enterprise": (7, 14), "mid": (21, 30), "smb": (30, 60)},
    )
    settings.save_scoring_config(session, actor, config)
    settings.save_profile(session, actor, "Named Profile", dict(DEFAULT_WEIGHTS))
    document = settings.export_toml(session, actor.client_id)
    assert "[weights]" in document and '[profiles."Named Profile"]' in document

    path = tmp_path / "model.toml"
    path.write_text(document, encoding="utf-8")
    settings.save_scoring_config(session, actor, ScoringConfig())
    imported = settings.import_toml(session, actor, path)
    assert imported == config
    assert settings.load_scoring_config(session, actor.client_id) == config
    assert settings.export_toml(session, actor.client_id) == document


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("weights = [", "not a valid TOML file"),
        ("[weights]\nlogins = 90\nadoption = 90\n", "must total 100"),
        ("[profiles.p]\nlogins = 50\n", "profile 'p' weights: must total 100"),
        ("[profiles.p]\nspeed = 100\n", "unknown signal 'speed'"),
        ("colour = 'red'\n", "unknown key 'colour'"),
    ],
)
def test_bad_toml_changes_nothing(
    session: Any, actor: Actor, db_path: Path, tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(content, encoding="utf-8")
    before = dump(db_path)
    with pytest.raises(RefusedFile, match=message) as info:
        settings.import_toml(session, actor, path)
    assert str(path) in str(info.value)
    session.rollback()
    assert dump(db_path) == before


def test_missing_toml_file_is_refused(session: Any, actor: Actor, tmp_path: Path) -> None:
    with pytest.raises(RefusedFile, match="no such file"):
        settings.import_toml(session, actor, tmp_path / "absent.toml")


def test_a_directory_is_refused_not_crashed(session: Any, actor: Actor, tmp_path: Path) -> None:
    with pytest.raises(RefusedFile, match="cannot read the file"):
        settings.import_toml(session, actor, tmp_path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("profiles = 5\n", "profiles: expected a table"),
        ("[profiles]\np = 5\n", "profile 'p': expected a table"),
        ("[profiles.p]\nlogins = 'x'\n", "profile 'p' weights.logins: must be a non-negative"),
        ("[profiles.p]\ndescription = 3\nlogins = 100\n", "profile 'p' description"),
        ("weights = 5\n", "weights"),
        ("thresholds = 'x'\n", "thresholds"),
        ("cadence = 3\n", "cadence"),
        ("renewal_windows = [1]\n", "renewal_windows"),
        ("quiet_after = 'x'\n", "quiet_after"),
        ("csat_enabled = 'no'\n", "csat_enabled: expected true or false"),
        ("[cadence]\nmid = [1]\n", r"cadence.mid: expected \[DUE_SOON, OVERDUE\]"),
    ],
)
def test_malformed_sections_are_refused_with_the_key(
    session: Any, actor: Actor, db_path: Path, tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(content, encoding="utf-8")
    before = dump(db_path)
    with pytest.raises(RefusedFile, match=message):
        settings.import_toml(session, actor, path)
    session.rollback()
    assert dump(db_path) == before


def test_profile_descriptions_survive_the_toml_round_trip(
    session: Any, actor: Actor, tmp_path: Path
) -> None:
    settings.save_profile(
        session, actor, "Usage", dict(DEFAULT_WEIGHTS), description='usage "only"'
    )
    document = settings.export_toml(session, actor.client_id)
    settings.delete_profile(session, actor, "Usage")
    path = tmp_path / "model.toml"
    path.write_text(document, encoding="utf-8")
    settings.import_toml(session, actor, path)
    (profile,) = settings.list_profiles(session, actor.client_id)
    assert profile.description == 'usage "only"'
    assert profile.weights == dict(DEFAULT_WEIGHTS)
