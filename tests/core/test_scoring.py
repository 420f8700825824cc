"""The health score of SPEC §3: every formula, its edges, and its properties."""

from __future__ import annotations

import sqlite3
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iqcadence.core.base.errors import InvalidValue
from iqcadence.core.scoring.formula import (
    DEFAULT_THRESHOLDS,
    DEFAULT_WEIGHTS,
    SIGNALS,
    ScoringConfig,
    band_for,
    compute_score,
    effective_days,
    raw_score_sql,
    round_score,
    score_columns,
    subscore,
    validate_config,
    validate_thresholds,
    validate_weights,
)

W = DEFAULT_WEIGHTS
T = DEFAULT_THRESHOLDS


def score_of(**signals: Any) -> float | None:
    return compute_score(signals, W, T).score


# --- sub-scores at their bounds -----------------------------------------------------


@pytest.mark.parametrize(
    ("signal", "value", "expected"),
    [
        ("logins", 0, 0.0),
        ("logins", 15, 50.0),
        ("logins", 30, 100.0),
        ("logins", 31, 100.0),
        ("logins", 10_000, 100.0),
        ("adoption", 0, 0.0),
        ("adoption", 37.5, 37.5),
        ("adoption", 100, 100.0),
        ("tickets", 0, 100.0),
        ("tickets", 1, 80.0),
        ("tickets", 4, 20.0),
        ("tickets", 5, 0.0),
        ("tickets", 12, 0.0),
        ("nps", 0, 0.0),
        ("nps", 6, 0.0),
        ("nps", 7, 50.0),
        ("nps", 8, 50.0),
        ("nps", 9, 100.0),
        ("nps", 10, 100.0),
        ("csat", 1, 0.0),
        ("csat", 3, 50.0),
        ("csat", 4.5, 87.5),
        ("csat", 5, 100.0),
        ("days", 0, 100.0),
        ("days", 90, 50.0),
        ("days", 180, 0.0),
        ("days", 400, 0.0),
        ("growth", "strong", 100.0),
        ("growth", "mild", 60.0),
        ("growth", "none", 20.0),
        ("growth", "na", None),
    ],
)
def test_subscore_at_bounds(signal: str, value: Any, expected: float | None) -> None:
    assert subscore(signal, value) == expected


@pytest.mark.parametrize("signal", SIGNALS)
def test_missing_signal_has_no_subscore(signal: str) -> None:
    assert subscore(signal, None) is None


def test_all_signals_perfect_scores_100() -> None:
    assert score_of(logins=30, adoption=100, tickets=0, nps=10, days=0, growth="strong") == 100.0


def test_all_signals_worst_scores_0_and_critical() -> None:
    result = compute_score(
        {"logins": 0, "adoption": 0, "tickets": 5, "nps": 0, "days": 180, "growth": "none"}, W, T
    )
    # growth "none" still gives 20: 5 × 20 / 100 = 1.0
    assert result.score == 1.0
    assert result.band == "critical"


def test_weighted_mean_of_every_signal() -> None:
    # 25×(20/30×100) + 25×70 + 20×60 + 15×50 + 10×(1−36/180)×100 + 5×60, over 100
    expected = (25 * 200 / 3 + 25 * 70 + 20 * 60 + 15 * 50 + 10 * 80 + 5 * 60) / 100
    got = score_of(logins=20, adoption=70, tickets=2, nps=7, days=36, growth="mild")
    assert got == round(expected, 1) == 64.7


# --- missing signals, n/a growth, all missing -----------------------------------------


def test_missing_signals_renormalise_over_present_ones() -> None:
    # only logins (25) and nps (15): (25×50 + 15×100) / 40 = 68.75 → 68.8
    assert score_of(logins=15, nps=10) == 68.8


def test_growth_na_is_excluded_not_zero() -> None:
    with_na = compute_score({"adoption": 80, "growth": "na"}, W, T)
    without = compute_score({"adoption": 80}, W, T)
    assert with_na.score == without.score == 80.0
    line = next(line for line in with_na.lines if line.signal == "growth")
    assert line.present is False and line.contribution is None


def test_all_missing_is_unscored() -> None:
    result = compute_score({}, W, T)
    assert result.score is None and result.band is None
    assert compute_score({"growth": "na"}, W, T).score is None


def test_csat_counts_only_while_enabled() -> None:
    off = ScoringConfig()
    assert off.effective_weights()["csat"] == 0
    assert compute_score({"csat": 5}, off.effective_weights(), T).score is None
    weights = dict(DEFAULT_WEIGHTS, csat=10, logins=15)
    on = ScoringConfig(weights=weights, csat_enabled=True)
    assert compute_score({"csat": 5, "logins": 0}, on.effective_weights(), T).score == 40.0


def test_zero_weight_signal_is_not_present() -> None:
    weights = dict(DEFAULT_WEIGHTS, growth=0, logins=30)
    result = compute_score({"growth": "strong", "adoption": 50}, weights, T)
    assert result.score == 50.0


def test_contributions_add_up_to_the_raw_score() -> None:
    result = compute_score({"logins": 7, "adoption": 33.3, "tickets": 1, "nps": 8}, W, T)
    total = sum(line.contribution or 0 for line in result.lines)
    assert round_score(total) == result.score


# --- rounding: one decimal, half away from zero -----------------------------------------


@pytest.mark.parametrize(
    ("adoption", "expected"),
    [
        (12.25, 12.3),  # exact .x5 in binary: rounds up, not to even
        (12.35, 12.4),  # 12.35 is 12.3499… in binary: still rounds up
        (12.45, 12.5),
        (0.05, 0.1),
        (99.95, 100.0),
        (12.24, 12.2),  # below the half: down
        (12.2499, 12.2),
        (12.26, 12.3),
        (12.15, 12.2),
        (50.0, 50.0),
    ],
)
def test_rounding_half_away_from_zero(adoption: float, expected: float) -> None:
    assert score_of(adoption=adoption) == expected


def test_rounding_of_a_renormalised_half() -> None:
    # logins 3 → 10; adoption 20.5; (25×10 + 25×20.5) / 50 = 15.25 → 15.3
    assert score_of(logins=3, adoption=20.5) == 15.3
    # (25×10 + 25×20.3) / 50 = 15.15 → 15.2 (15.15 is below the half in binary)
    assert score_of(logins=3, adoption=20.3) == 15.2


@pytest.mark.parametrize(
    ("raw", "expected"), [(0.0, 0.0), (0.04, 0.0), (0.05, 0.1), (64.95, 65.0), (64.94, 64.9)]
)
def test_round_score(raw: float, expected: float) -> None:
    assert round_score(raw) == expected


# --- bands at exact boundaries ------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (0.0, "critical"),
        (24.9, "critical"),
        (25.0, "at_risk"),
        (49.9, "at_risk"),
        (50.0, "watch"),
        (64.9, "watch"),
        (65.0, "healthy"),
        (79.9, "healthy"),
        (80.0, "expansion"),
        (100.0, "expansion"),
        (None, None),
    ],
)
def test_band_boundaries(score: float | None, band: str | None) -> None:
    assert band_for(score, T) == band


def test_custom_thresholds_move_the_bands() -> None:
    thresholds = {"at_risk": 30, "watch": 55, "healthy": 70, "expansion": 90}
    assert band_for(29.9, thresholds) == "critical"
    assert band_for(30, thresholds) == "at_risk"
    assert band_for(89.9, thresholds) == "healthy"
    assert band_for(90, thresholds) == "expansion"


def test_rounded_score_decides_the_band() -> None:
    # raw 64.95 rounds to 65.0, which is Healthy
    result = compute_score({"adoption": 64.95}, W, T)
    assert result.score == 65.0 and result.band == "healthy"


# --- validation of weights, thresholds and configs --------------------------------------------


def test_default_weights_are_valid() -> None:
    assert DEFAULT_WEIGHTS == {
        "logins": 25, "adoption": 25, "tickets": 20, "nps": 15, "csat": 0, "days": 10, "growth": 5,
    }  # fmt: skip
    validate_weights(DEFAULT_WEIGHTS)  # raises when invalid
    validate_config(ScoringConfig())


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        (dict(DEFAULT_WEIGHTS, logins=30), "total 105"),
        (dict(DEFAULT_WEIGHTS, logins=20), "total 95"),
        (dict(DEFAULT_WEIGHTS, logins=-5, adoption=55), "non-negative whole number"),
        (dict(DEFAULT_WEIGHTS, logins=24.5, adoption=25.5), "non-negative whole number"),
        (dict(DEFAULT_WEIGHTS, speed=0), "unknown signal 'speed'"),
    ],
)
def test_bad_weights_are_refused(weights: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidValue, match=message):
        validate_weights(weights)


def test_boolean_weight_is_refused() -> None:
    with pytest.raises(InvalidValue, match="whole number"):
        validate_weights({"logins": True, "adoption": 99})


@pytest.mark.parametrize(
    ("thresholds", "message"),
    [
        ({"at_risk": 25, "watch": 25, "healthy": 65, "expansion": 80}, "increase strictly"),
        ({"at_risk": 50, "watch": 25, "healthy": 65, "expansion": 80}, "increase strictly"),
        ({"at_risk": 25, "watch": 50, "healthy": 65}, "missing expansion"),
        ({"at_risk": 0, "watch": 50, "healthy": 65, "expansion": 80}, "at_risk: must be above 0"),
        ({"at_risk": 25, "watch": 50, "healthy": 65, "expansion": 101}, "at most 100, got 101"),
        ({"at_risk": 1, "watch": 2, "healthy": 3, "expansion": 4, "top": 5}, "unknown top"),
    ],
)
def test_bad_thresholds_are_refused(thresholds: dict[str, float], message: str) -> None:
    with pytest.raises(InvalidValue, match=message):
        validate_thresholds(thresholds)


def test_csat_weight_needs_csat_on() -> None:
    config = ScoringConfig(weights=dict(DEFAULT_WEIGHTS, csat=10, logins=15))
    with pytest.raises(InvalidValue, match="CSAT is off"):
        validate_config(config)


def test_config_round_trips_through_its_dict() -> None:
    config = ScoringConfig(quiet_after=21, momentum_points=7.5)
    again = ScoringConfig.from_dict(config.to_dict())
    assert again == config


def test_config_from_dict_refuses_unknown_keys_and_bad_values() -> None:
    with pytest.raises(InvalidValue, match="unknown key 'colour'"):
        ScoringConfig.from_dict({"colour": "red"})
    with pytest.raises(InvalidValue, match="weights.logins"):
        ScoringConfig.from_dict({"weights": dict(DEFAULT_WEIGHTS, logins="lots")})


# --- decay --------------------------------------------------------------------------------------


def test_effective_days_adds_whole_days_elapsed() -> None:
    assert effective_days(10, date(2026, 11, 27), date(2026, 11, 27)) == 10
    assert effective_days(10, date(2026, 11, 27), date(2026, 12, 7)) == 20
    assert effective_days(0, date(2026, 1, 1), date(2026, 12, 31)) == 364
    # a baseline dated in the future never goes below itself
    assert effective_days(5, date(2026, 12, 1), date(2026, 11, 27)) == 5
    assert effective_days(None, date(2026, 11, 27), date(2026, 12, 7)) is None
    assert effective_days(7, None, date(2026, 12, 7)) == 7


def test_decay_lowers_the_score_day_by_day_then_floors(
    session: Any, actor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from iqcadence.core.accounts.customers import apply_changes, evaluate
    from iqcadence.core.scoring.formula import ScoringConfig as Config

    outcome = apply_changes(session, actor, "Decay Co", {"days": 0, "adoption": 100})
    customer = outcome.customer
    assert customer.score == 100.0
    config = Config()
    scores = {}
    for day in ("2026-11-27", "2026-12-15", "2027-02-24", "2027-06-30"):
        monkeypatch.setenv("IQCADENCE_TODAY", day)
        from iqcadence.core.base import clock

        result = evaluate(session, customer, config, clock.today())
        scores[day] = result.score
    # 18 days → days sub-score 90: (25×100 + 10×90) / 35 = 97.14
    assert scores["2026-12-15"] == 97.1
    # 89 days → 50.56: (2500 + 505.6) / 35 = 85.87
    assert scores["2027-02-24"] == 85.9
    # past 180 days the days sub-score stays at 0: 2500 / 35 = 71.43
    assert scores["2027-06-30"] == 71.4
    assert scores["2026-11-27"] == 100.0


# --- the Python and SQL formulas agree --------------------------------------------------------


def _sql_raw(signals: dict[str, Any], weights: dict[str, int]) -> float | None:
    expr = raw_score_sql(weights, days_sql="days")
    if expr is None:
        return None
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE customer (logins, adoption, tickets, nps, csat, days, growth)")
    conn.execute(
        "INSERT INTO customer VALUES (?, ?, ?, ?, ?, ?, ?)",
        [signals.get(name) for name in SIGNALS],
    )
    value = conn.execute(f"SELECT {expr} FROM customer").fetchone()[0]
    conn.close()
    return value


signal_values = st.fixed_dictionaries(
    {},
    optional={
        "logins": st.integers(0, 60),
        "adoption": st.floats(0, 100, allow_nan=False).map(lambda x: round(x, 2)),
        "tickets": st.integers(0, 8),
        "nps": st.integers(0, 10),
        "csat": st.floats(1, 5, allow_nan=False).map(lambda x: round(x, 1)),
        "days": st.integers(0, 400),
        "growth": st.sampled_from(["strong", "mild", "none", "na"]),
    },
)
weight_sets = st.lists(st.integers(0, 40), min_size=7, max_size=7).map(
    lambda ws: dict(zip(SIGNALS, ws, strict=True))
)


@settings(max_examples=150, deadline=None)
@given(signals=signal_values, weights=weight_sets)
def test_sql_formula_matches_python(signals: dict[str, Any], weights: dict[str, int]) -> None:
    python = compute_score(signals, weights, T).score
    raw = _sql_raw(signals, weights)
    assert (None if raw is None else round_score(raw)) == python


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(signal_values, min_size=1, max_size=12), weights=weight_sets)
def test_column_scores_match_python(rows: list[dict[str, Any]], weights: dict[str, int]) -> None:
    columns = {name: [row.get(name) for row in rows] for name in SIGNALS}
    del columns["csat"]  # an absent column is missing on every row
    expected = [
        compute_score({k: v for k, v in row.items() if k != "csat"}, weights, T).score
        for row in rows
    ]
    assert score_columns(columns, weights, len(rows)) == expected


# --- properties ------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(signals=signal_values, weights=weight_sets)
def test_score_is_within_0_and_100(signals: dict[str, Any], weights: dict[str, int]) -> None:
    result = compute_score(signals, weights, T)
    if result.score is not None:
        assert 0.0 <= result.score <= 100.0
        assert result.band is not None


GROWTH_ORDER = ["none", "mild", "strong"]


def _improved(signal: str, value: Any, step: Any) -> Any:
    if signal in ("logins",):
        return value + step
    if signal == "adoption":
        return min(100.0, value + step)
    if signal in ("tickets", "days"):
        return max(0, value - step)
    if signal == "nps":
        return min(10, value + step)
    if signal == "csat":
        return min(5.0, value + step)
    return GROWTH_ORDER[min(2, GROWTH_ORDER.index(value) + 1)]


full_signals = st.fixed_dictionaries(
    {
        "logins": st.integers(0, 60),
        "adoption": st.floats(0, 100, allow_nan=False),
        "tickets": st.integers(0, 8),
        "nps": st.integers(0, 10),
        "csat": st.floats(1, 5, allow_nan=False),
        "days": st.integers(0, 400),
        "growth": st.sampled_from(GROWTH_ORDER),
    }
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    signals=full_signals,
    weights=weight_sets,
    which=st.sampled_from(SIGNALS),
    step=st.integers(1, 20),
    drop=st.sets(st.sampled_from(SIGNALS)),
)
def test_improving_one_signal_never_lowers_the_score(
    signals: dict[str, Any], weights: dict[str, int], which: str, step: int, drop: set[str]
) -> None:
    present = {k: v for k, v in signals.items() if k not in drop or k == which}
    better = dict(present, **{which: _improved(which, present[which], step)})
    before = compute_score(present, weights, T).score
    after = compute_score(better, weights, T).score
    if before is None:
        assert after is None
    else:
        assert after is not None and after >= before


# --- profiles, overrides, snapshots, momentum, lifecycle (through the core) --------------


def test_profile_weights_replace_the_global_ones(session: Any, actor: Any) -> None:
    from iqcadence.core.accounts.customers import apply_changes
    from iqcadence.core.store import settings as config_store

    config_store.save_profile(
        session, actor, "adoption-first", dict.fromkeys(SIGNALS, 0) | {"adoption": 100}
    )
    values = {"logins": 0, "adoption": 90}
    plain = apply_changes(session, actor, "Plain", values).customer
    profiled = apply_changes(
        session, actor, "Profiled", values | {"scoring_profile": "adoption-first"}
    ).customer
    assert plain.score == 45.0  # (25×0 + 25×90) / 50
    assert profiled.score == 90.0  # only adoption counts
    assert profiled.band == "expansion"


def test_unknown_profile_is_refused(session: Any, actor: Any) -> None:
    from iqcadence.core.accounts.customers import apply_changes
    from iqcadence.core.base.errors import NotFound

    with pytest.raises(NotFound, match="scoring profile 'nope' does not exist"):
        apply_changes(session, actor, "Ghost", {"adoption": 50, "scoring_profile": "nope"})


def test_manual_override_is_kept_until_cleared(session: Any, actor: Any) -> None:
    from iqcadence.core.accounts.customers import apply_changes, rescore_one

    apply_changes(session, actor, "Manual", {"adoption": 40, "score": 91})
    customer = apply_changes(session, actor, "Manual", {"adoption": 10}).customer
    assert (customer.score, customer.band, customer.score_manual) == (91.0, "expansion", True)
    kept = rescore_one(session, actor, "Manual").customer
    assert kept.score == 91.0 and kept.score_manual
    recomputed = rescore_one(session, actor, "Manual", include_override=True).customer
    assert recomputed.score == 10.0 and recomputed.score_manual is False
    assert recomputed.band == "critical"


def test_snapshot_only_when_the_score_changes(session: Any, actor: Any) -> None:
    from iqcadence.core.accounts.customers import apply_changes
    from iqcadence.core.accounts.history import history

    first = apply_changes(session, actor, "Snappy", {"adoption": 40})
    assert first.snapshot_written
    same = apply_changes(session, actor, "Snappy", {"manager": "Sarah"})
    assert not same.snapshot_written
    moved = apply_changes(session, actor, "Snappy", {"adoption": 60})
    assert moved.snapshot_written
    assert first.customer.id is not None
    snaps = history(session, first.customer.id)
    assert [s.score for s in snaps] == [60.0, 40.0]
    assert snaps[0].adoption == 60.0 and snaps[0].weights["adoption"] == 25


def test_momentum_is_the_change_over_seven_days(
    session: Any, actor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from iqcadence.core.accounts.customers import apply_changes
    from iqcadence.core.accounts.history import momentum_for

    monkeypatch.setenv("IQCADENCE_TODAY", "2026-11-20")
    customer = apply_changes(session, actor, "Mover", {"adoption": 40}).customer
    monkeypatch.setenv("IQCADENCE_TODAY", "2026-11-22")
    apply_changes(session, actor, "Mover", {"adoption": 45})
    monkeypatch.setenv("IQCADENCE_TODAY", "2026-11-27")
    apply_changes(session, actor, "Mover", {"adoption": 52.5})
    row = {"id": customer.id, "score": customer.score}
    assert customer.score == 52.5
    # 7 days back from 27 Nov: the last score before 21 Nov is 40 (20 Nov)
    assert momentum_for(session, [row], date(2026, 11, 27)) == {customer.id: 12.5}
    # from 28 Nov the window starts on 22 Nov: the score of 20 Nov is still the last before it
    assert momentum_for(session, [row], date(2026, 11, 28)) == {customer.id: 12.5}
    # on 29 Nov the 22 Nov score (45) is the one 7 days back
    assert momentum_for(session, [row], date(2026, 11, 29)) == {customer.id: 7.5}
    # less than 7 days of history: no momentum
    assert momentum_for(session, [row], date(2026, 11, 26)) == {customer.id: None}


@pytest.mark.parametrize(
    ("old_band", "new_band", "lifecycle", "expected"),
    [
        ("watch", "at_risk", "active", ("active", "atrisk")),
        ("healthy", "critical", "active", ("active", "atrisk")),
        (None, "critical", "onboarding", ("onboarding", "atrisk")),
        ("at_risk", "critical", "active", None),  # already in a risk band
        ("watch", "at_risk", "won", None),
        ("watch", "critical", "churned", None),
        ("at_risk", "healthy", "atrisk", ("atrisk", "active")),
        ("critical", "expansion", "atrisk", ("atrisk", "active")),
        ("at_risk", "watch", "atrisk", None),  # Watch is not recovered
        ("healthy", "expansion", "atrisk", None),  # was already recovered
        ("critical", "healthy", "churned", None),
        ("critical", "expansion", "won", None),
        ("at_risk", "healthy", "onboarding", None),
    ],
)
def test_lifecycle_transition_rules(
    old_band: str | None, new_band: str, lifecycle: str, expected: tuple[str, str] | None
) -> None:
    from iqcadence.core.accounts.customers import lifecycle_transition

    assert lifecycle_transition(old_band, new_band, lifecycle) == expected


def test_lifecycle_moves_both_ways_and_is_audited(session: Any, actor: Any) -> None:
    from iqcadence.core.accounts.customers import apply_changes
    from iqcadence.core.store.audit import list_entries

    apply_changes(session, actor, "Swing", {"adoption": 70})
    down = apply_changes(session, actor, "Swing", {"adoption": 30})
    assert down.lifecycle_auto == ("active", "atrisk") and down.customer.lifecycle == "atrisk"
    mid = apply_changes(session, actor, "Swing", {"adoption": 55})
    assert mid.lifecycle_auto is None and mid.customer.lifecycle == "atrisk"
    up = apply_changes(session, actor, "Swing", {"adoption": 66})
    assert up.lifecycle_auto == ("atrisk", "active") and up.customer.lifecycle == "active"
    autos = list_entries(session, actor, customer="Swing", action="customer.lifecycle.auto")
    assert [(e.details["from"], e.details["to"]) for e in autos] == [
        ("atrisk", "active"),
        ("active", "atrisk"),
    ]


@pytest.mark.parametrize("lifecycle", ["churned", "won"])
def test_churned_and_won_never_move_by_themselves(session: Any, actor: Any, lifecycle: str) -> None:
    from iqcadence.core.accounts.customers import apply_changes

    apply_changes(session, actor, "Fixed", {"adoption": 90, "lifecycle": lifecycle})
    down = apply_changes(session, actor, "Fixed", {"adoption": 5})
    assert down.lifecycle_auto is None and down.customer.lifecycle == lifecycle
    up = apply_changes(session, actor, "Fixed", {"adoption": 95})
    assert up.customer.lifecycle == lifecycle


def test_an_explicit_lifecycle_wins_over_the_auto_transition(session: Any, actor: Any) -> None:
    from iqcadence.core.accounts.customers import apply_changes

    apply_changes(session, actor, "Chosen", {"adoption": 70})
    outcome = apply_changes(session, actor, "Chosen", {"adoption": 10, "lifecycle": "onboarding"})
    assert outcome.lifecycle_auto is None and outcome.customer.lifecycle == "onboarding"
