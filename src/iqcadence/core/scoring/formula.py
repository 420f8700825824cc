"""The health score of SPEC §3: sub-scores, weights, rounding, bands, decay.

Two implementations share one definition:

* `compute_score` scores one customer in Python and gives the breakdown;
* `score_sql` renders the same formula as one SQL expression, so bulk rescoring
  and imports are set-based and never build an object per row.

Both perform the same floating-point operations in the same order, so they
agree to the last bit (a hypothesis test holds them to it).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from operator import add
from typing import Any

from iqcadence.core.base.errors import InvalidValue
from iqcadence.core.base.labels import label

SIGNALS: tuple[str, ...] = ("logins", "adoption", "tickets", "nps", "csat", "days", "growth")
BANDS: tuple[str, ...] = ("critical", "at_risk", "watch", "healthy", "expansion")
# The words for them come from the one label table (`base.labels`).
BAND_LABELS: dict[str, str] = {band: label("band", band) for band in BANDS}
THRESHOLD_KEYS: tuple[str, ...] = ("at_risk", "watch", "healthy", "expansion")
GROWTH_VALUES: tuple[str, ...] = ("strong", "mild", "none", "na")
GROWTH_SUBSCORES: dict[str, float] = {"strong": 100.0, "mild": 60.0, "none": 20.0}
TIERS: tuple[str, ...] = ("smb", "mid", "enterprise")
LIFECYCLES: tuple[str, ...] = ("onboarding", "active", "atrisk", "won", "churned")
STATUSES: tuple[str, ...] = ("active", "archived", "trashed")
SENTIMENTS: tuple[str, ...] = ("positive", "neutral", "negative")

DEFAULT_WEIGHTS: dict[str, int] = {
    "logins": 25,
    "adoption": 25,
    "tickets": 20,
    "nps": 15,
    "csat": 0,
    "days": 10,
    "growth": 5,
}
DEFAULT_THRESHOLDS: dict[str, float] = {"at_risk": 25, "watch": 50, "healthy": 65, "expansion": 80}
DEFAULT_CADENCE: dict[str, tuple[int, int]] = {
    "enterprise": (14, 21),
    "mid": (21, 30),
    "smb": (30, 45),
}
DEFAULT_RENEWAL_WINDOWS: dict[str, int] = {"critical": 30, "warning": 60, "upcoming": 90}
DAYS_TO_ZERO = 180
LOGINS_FOR_FULL = 30
# Added before flooring so a value that is exactly .x5 on paper but lands a hair
# below it in binary floating point still rounds away from zero.
ROUNDING_EPSILON = 1e-9

# Bounds of each numeric signal: (minimum, maximum or None, integer?)
SIGNAL_BOUNDS: dict[str, tuple[float, float | None, bool]] = {
    "logins": (0, None, True),
    "adoption": (0, 100, False),
    "tickets": (0, None, True),
    "nps": (0, 10, True),
    "csat": (1, 5, False),
    "days": (0, None, True),
}


@dataclass(frozen=True)
class ScoringConfig:
    """The whole scoring model of one client."""

    weights: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    csat_enabled: bool = False
    thresholds: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))
    cadence: dict[str, tuple[int, int]] = field(default_factory=lambda: dict(DEFAULT_CADENCE))
    renewal_windows: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_RENEWAL_WINDOWS))
    quiet_after: int = 30
    momentum_points: float = 10
    expansion_pct: float = 20

    def effective_weights(self, profile_weights: Mapping[str, int] | None = None) -> dict[str, int]:
        """The weights a customer is scored with: its profile's, else the
        global ones; CSAT counts only while it is enabled."""
        source = profile_weights if profile_weights is not None else self.weights
        weights = {name: int(source.get(name, 0)) for name in SIGNALS}
        if not self.csat_enabled:
            weights["csat"] = 0
        return weights

    def to_dict(self) -> dict[str, Any]:
        return {
            "weights": dict(self.weights),
            "csat_enabled": self.csat_enabled,
            "thresholds": dict(self.thresholds),
            "cadence": {tier: list(pair) for tier, pair in self.cadence.items()},
            "renewal_windows": dict(self.renewal_windows),
            "quiet_after": self.quiet_after,
            "momentum_points": self.momentum_points,
            "expansion_pct": self.expansion_pct,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScoringConfig:
        """Build and validate a configuration; unknown keys are refused."""
        allowed = set(cls().to_dict())
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise InvalidValue(
                f"scoring configuration: unknown key {unknown[0]!r}; "
                f"allowed: {', '.join(sorted(allowed))}."
            )
        base = cls()
        weights_raw = _table("weights", data.get("weights", {}))
        cadence_raw = _table("cadence", data.get("cadence", base.cadence))
        csat_enabled = data.get("csat_enabled", base.csat_enabled)
        if not isinstance(csat_enabled, bool):
            raise InvalidValue(f"csat_enabled: expected true or false, got {csat_enabled!r}.")
        config = replace(
            base,
            weights={k: _as_int(f"weights.{k}", v) for k, v in weights_raw.items()}
            or dict(base.weights),
            csat_enabled=csat_enabled,
            thresholds={
                k: _as_number(f"thresholds.{k}", v)
                for k, v in _table("thresholds", data.get("thresholds", base.thresholds)).items()
            },
            cadence={
                str(tier): _as_pair(f"cadence.{tier}", pair) for tier, pair in cadence_raw.items()
            },
            renewal_windows={
                k: _as_int(f"renewal_windows.{k}", v)
                for k, v in _table(
                    "renewal_windows", data.get("renewal_windows", base.renewal_windows)
                ).items()
            },
            quiet_after=_as_int("quiet_after", data.get("quiet_after", base.quiet_after)),
            momentum_points=_as_number(
                "momentum_points", data.get("momentum_points", base.momentum_points)
            ),
            expansion_pct=_as_number(
                "expansion_pct", data.get("expansion_pct", base.expansion_pct)
            ),
        )
        validate_config(config)
        return config


def _table(name: str, value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidValue(f"{name}: expected a table of KEY = VALUE, got {value!r}.")
    return value


def _as_pair(name: str, value: Any) -> tuple[int, int]:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise InvalidValue(f"{name}: expected [DUE_SOON, OVERDUE] days, got {value!r}.")
    return _as_int(name, value[0]), _as_int(name, value[1])


def _as_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InvalidValue(f"{name}: expected a whole number, got {value!r}.")
    try:
        number = float(value)
    except ValueError:
        raise InvalidValue(f"{name}: expected a whole number, got {value!r}.") from None
    if not number.is_integer():
        raise InvalidValue(f"{name}: expected a whole number, got {value!r}.")
    return int(number)


def _as_number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InvalidValue(f"{name}: expected a number, got {value!r}.")
    try:
        number = float(value)
    except ValueError:
        raise InvalidValue(f"{name}: expected a number, got {value!r}.") from None
    if not math.isfinite(number):
        raise InvalidValue(f"{name}: expected a finite number, got {value!r}.")
    return int(number) if number.is_integer() else number


def validate_weights(weights: Mapping[str, int], *, what: str = "weights") -> None:
    """Weights are non-negative whole numbers over known signals totalling 100."""
    for name, value in weights.items():
        if name not in SIGNALS:
            raise InvalidValue(
                f"{what}: unknown signal {name!r}; signals are {', '.join(SIGNALS)}."
            )
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidValue(
                f"{what}.{name}: must be a non-negative whole number, got {value!r}."
            )
    total = sum(weights.values())
    if total != 100:
        raise InvalidValue(f"{what}: must total 100, but they total {total}.")


def validate_thresholds(thresholds: Mapping[str, float]) -> None:
    missing = [key for key in THRESHOLD_KEYS if key not in thresholds]
    extra = sorted(set(thresholds) - set(THRESHOLD_KEYS))
    if missing or extra:
        raise InvalidValue(
            f"thresholds: expected exactly {', '.join(THRESHOLD_KEYS)}"
            + (f" (missing {', '.join(missing)})" if missing else "")
            + (f" (unknown {', '.join(extra)})" if extra else "")
            + "."
        )
    pairs = [(key, float(thresholds[key])) for key in THRESHOLD_KEYS]
    for key, value in pairs:
        if not 0 < value <= 100:
            raise InvalidValue(f"thresholds.{key}: must be above 0 and at most 100, got {value:g}.")
    for (low_key, low), (high_key, high) in zip(pairs, pairs[1:], strict=False):
        if not low < high:
            raise InvalidValue(
                f"thresholds: must increase strictly, but {low_key}={low:g} "
                f"is not below {high_key}={high:g}."
            )


def validate_config(config: ScoringConfig) -> None:
    """Refuse a configuration that cannot be saved, with the reason."""
    validate_weights(config.weights)
    if not config.csat_enabled and config.weights.get("csat", 0) != 0:
        raise InvalidValue(
            "weights.csat: CSAT is off, so its weight must be 0 (turn it on with "
            "`iqcadence config csat on --weight N`)."
        )
    validate_thresholds(config.thresholds)
    for tier in TIERS:
        if tier not in config.cadence:
            raise InvalidValue(f"cadence: missing tier {tier!r}.")
    for tier, (due_soon, overdue) in config.cadence.items():
        if tier not in TIERS:
            raise InvalidValue(f"cadence: unknown tier {tier!r}; tiers are {', '.join(TIERS)}.")
        if not 0 < due_soon < overdue:
            raise InvalidValue(
                f"cadence.{tier}: due-soon ({due_soon}) must be positive and below "
                f"overdue ({overdue})."
            )
    windows = config.renewal_windows
    if set(windows) != set(DEFAULT_RENEWAL_WINDOWS):
        raise InvalidValue("renewal_windows: expected exactly critical, warning and upcoming.")
    if not 0 < windows["critical"] < windows["warning"] < windows["upcoming"]:
        got = ", ".join(f"{key}={windows[key]}" for key in ("critical", "warning", "upcoming"))
        raise InvalidValue(
            f"renewal_windows: must be positive days with critical < warning < upcoming, got {got}."
        )
    if config.quiet_after <= 0:
        raise InvalidValue("quiet_after: must be a positive number of days.")
    if config.momentum_points <= 0:
        raise InvalidValue("momentum_points: must be positive.")
    if not 0 <= config.expansion_pct <= 1000:
        raise InvalidValue("expansion_pct: must be between 0 and 1000.")


# --- sub-scores -------------------------------------------------------------


def _logins(value: Any) -> float:
    capped = value if value <= LOGINS_FOR_FULL else LOGINS_FOR_FULL
    return float(capped * 100.0 / LOGINS_FOR_FULL)


def _adoption(value: Any) -> float:
    return float(value * 1.0)


def _tickets(value: Any) -> float:
    remaining = 100.0 - 20.0 * value
    return remaining if remaining > 0.0 else 0.0


def _nps(value: Any) -> float:
    return 100.0 if value >= 9 else 50.0 if value >= 7 else 0.0


def _csat(value: Any) -> float:
    return float((value - 1.0) * 100.0 / 4.0)


def _days(value: Any) -> float:
    left = (DAYS_TO_ZERO - value) * 100.0 / DAYS_TO_ZERO
    return left if left > 0.0 else 0.0


def _growth(value: Any) -> float | None:
    return GROWTH_SUBSCORES.get(value)


# The sub-score of each signal's present (non-None) value.
SUBSCORES: dict[str, Callable[[Any], float | None]] = {
    "logins": _logins,
    "adoption": _adoption,
    "tickets": _tickets,
    "nps": _nps,
    "csat": _csat,
    "days": _days,
    "growth": _growth,
}


def subscore(signal: str, value: Any) -> float | None:
    """The 0–100 sub-score of one signal, or None when the value is missing."""
    try:
        of = SUBSCORES[signal]
    except KeyError:
        raise ValueError(f"unknown signal {signal!r}") from None
    return None if value is None else of(value)


def _contributions(
    signal: str, weight: int, values: Sequence[Any]
) -> tuple[list[float], list[int]]:
    """Each value's weight × sub-score and its weight (0.0 and 0 when it is
    missing), worked out once per distinct value: a signal's column repeats
    its values a lot. Equal numbers (1 and 1.0) have equal sub-scores."""
    of = SUBSCORES[signal]
    points: dict[Any, float] = {}
    weights: dict[Any, int] = {}
    for value in set(values):
        sub = None if value is None else of(value)
        points[value], weights[value] = (0.0, 0) if sub is None else (weight * sub, weight)
    return list(map(points.__getitem__, values)), list(map(weights.__getitem__, values))


def score_columns(
    columns: Mapping[str, Sequence[Any]], weights: Mapping[str, int], count: int
) -> list[float | None]:
    """compute_score's score of `count` rows at once, given column by column
    (signal -> values, `days` already effective; an absent signal is missing
    on every row). The same floating-point operations in the same order
    (a missing signal adds 0.0, which changes nothing), so the same scores to
    the last bit, without building a breakdown per row."""
    numerators: list[float] = [0.0] * count
    denominators: list[int] = [0] * count
    for name in SIGNALS:
        weight = int(weights.get(name, 0))
        values = columns.get(name)
        if weight > 0 and values is not None:
            points, counted = _contributions(name, weight, values)
            numerators = list(map(add, numerators, points))
            denominators = list(map(add, denominators, counted))
    return [
        round_score(n / d) if d else None for n, d in zip(numerators, denominators, strict=True)
    ]


def round_score(raw: float) -> float:
    """Round to one decimal, half away from zero (scores are never negative)."""
    return math.floor(raw * 10.0 + 0.5 + ROUNDING_EPSILON) / 10.0


def band_for(score: float | None, thresholds: Mapping[str, float]) -> str | None:
    if score is None:
        return None
    if score < thresholds["at_risk"]:
        return "critical"
    if score < thresholds["watch"]:
        return "at_risk"
    if score < thresholds["healthy"]:
        return "watch"
    if score < thresholds["expansion"]:
        return "healthy"
    return "expansion"


def effective_days(baseline: int | None, as_of: date | None, today: date) -> int | None:
    """Days since contact today: the baseline plus whole days elapsed (decay)."""
    if baseline is None:
        return None
    if as_of is None:
        return baseline
    return baseline + max(0, (today - as_of).days)


@dataclass(frozen=True)
class SignalLine:
    """One row of a breakdown."""

    signal: str
    value: Any
    subscore: float | None
    weight: int
    contribution: float | None  # points this signal adds to the final score
    present: bool


@dataclass(frozen=True)
class ScoreResult:
    score: float | None
    band: str | None
    lines: tuple[SignalLine, ...]
    weights: dict[str, int]

    @property
    def present_signals(self) -> list[str]:
        return [line.signal for line in self.lines if line.present]


def compute_score(
    signals: Mapping[str, Any], weights: Mapping[str, int], thresholds: Mapping[str, float]
) -> ScoreResult:
    """Score one set of signal values (`days` already effective).

    score = Σ(wᵢ·sᵢ) / Σ(wᵢ) over present signals; none present → unscored.
    """
    numerator = 0.0
    denominator = 0
    subscores: dict[str, float | None] = {}
    for name in SIGNALS:
        value = signals.get(name)
        sub = subscore(name, value)
        subscores[name] = sub
        weight = int(weights.get(name, 0))
        if sub is not None and weight > 0:
            numerator = numerator + weight * sub
            denominator = denominator + weight
        else:
            numerator = numerator + 0.0
    score = round_score(numerator / denominator) if denominator else None
    lines = []
    for name in SIGNALS:
        weight = int(weights.get(name, 0))
        sub = subscores[name]
        present = sub is not None and weight > 0
        lines.append(
            SignalLine(
                signal=name,
                value=signals.get(name),
                subscore=sub,
                weight=weight,
                contribution=(weight * sub / denominator) if present and sub is not None else None,
                present=present,
            )
        )
    return ScoreResult(
        score=score,
        band=band_for(score, thresholds),
        lines=tuple(lines),
        weights={name: int(weights.get(name, 0)) for name in SIGNALS},
    )


# --- the same formula in SQL -------------------------------------------------


def subscore_sql(signal: str, *, days_sql: str = "days") -> str:
    """SQL for one sub-score over the customer table's columns (NULL = missing).

    Portable: CASE instead of MIN/MAX (SQLite) or LEAST/GREATEST (PostgreSQL),
    explicit CASTs because values bound from CSV may arrive as text.
    """
    if signal == "logins":
        col = "CAST(logins AS DOUBLE PRECISION)"
        return (
            # Parenthesised so `weight * sub` multiplies the finished sub-score,
            # in the same order as compute_score (otherwise the last bit differs).
            # A missing value must stay NULL: `NULL <= 30` is not true, so
            # without the first branch it would fall through to the cap.
            f"((CASE WHEN logins IS NULL THEN NULL "
            f"WHEN {col} <= {LOGINS_FOR_FULL} THEN {col} ELSE {LOGINS_FOR_FULL}.0 END)"
            f" * 100.0 / {LOGINS_FOR_FULL}.0)"
        )
    if signal == "adoption":
        return "(CAST(adoption AS DOUBLE PRECISION) * 1.0)"
    if signal == "tickets":
        expr = "(100.0 - 20.0 * CAST(tickets AS DOUBLE PRECISION))"
        return f"(CASE WHEN tickets IS NULL THEN NULL WHEN {expr} > 0.0 THEN {expr} ELSE 0.0 END)"
    if signal == "nps":
        col = "CAST(nps AS DOUBLE PRECISION)"
        return (
            f"(CASE WHEN nps IS NULL THEN NULL WHEN {col} >= 9 THEN 100.0 "
            f"WHEN {col} >= 7 THEN 50.0 ELSE 0.0 END)"
        )
    if signal == "csat":
        return "((CAST(csat AS DOUBLE PRECISION) - 1.0) * 100.0 / 4.0)"
    if signal == "days":
        expr = f"(({DAYS_TO_ZERO}.0 - ({days_sql})) * 100.0 / {DAYS_TO_ZERO}.0)"
        return (
            f"(CASE WHEN ({days_sql}) IS NULL THEN NULL WHEN {expr} > 0.0 THEN {expr} ELSE 0.0 END)"
        )
    if signal == "growth":
        return (
            "(CASE growth WHEN 'strong' THEN 100.0 WHEN 'mild' THEN 60.0 "
            "WHEN 'none' THEN 20.0 ELSE NULL END)"
        )
    raise ValueError(f"unknown signal {signal!r}")


def present_sql(signal: str, *, days_sql: str = "days") -> str:
    """SQL true when a signal is present: its sub-score is not NULL. Cheaper
    than testing the sub-score itself (each one is NULL exactly when its
    input is, growth when it is not one of the scored words), and this runs
    for every row of a bulk import or rescore."""
    if signal == "growth":
        # not `IN (...)`: SQLite builds a lookup table for a list of three
        # each time a statement runs, i.e. per row under executemany
        return "(growth = 'strong' OR growth = 'mild' OR growth = 'none')"
    column = f"({days_sql})" if signal == "days" else signal
    return f"{column} IS NOT NULL"


def raw_score_sql(weights: Mapping[str, int], *, days_sql: str) -> str | None:
    """SQL for the unrounded weighted mean, or None if every weight is zero.

    Weights are rendered as literals (they are validated integers), in the
    same order and with the same `+ 0.0` for missing signals as compute_score.
    """
    terms = []
    present = []
    for name in SIGNALS:
        weight = int(weights.get(name, 0))
        sub = subscore_sql(name, days_sql=days_sql)
        if weight > 0:
            terms.append(f"COALESCE({weight} * {sub}, 0.0)")
            present.append(
                f"(CASE WHEN {present_sql(name, days_sql=days_sql)} THEN {weight} ELSE 0 END)"
            )
        else:
            terms.append("0.0")
    if not present:
        return None
    numerator = "(0.0 + " + " + ".join(terms) + ")"
    denominator = "(" + " + ".join(present) + ")"
    return f"(CASE WHEN {denominator} = 0 THEN NULL ELSE {numerator} / {denominator} END)"


def band_sql(score_sql: str, thresholds: Mapping[str, float]) -> str:
    t = {key: float(thresholds[key]) for key in THRESHOLD_KEYS}
    return (
        f"(CASE WHEN ({score_sql}) IS NULL THEN NULL "
        f"WHEN ({score_sql}) < {t['at_risk']!r} THEN 'critical' "
        f"WHEN ({score_sql}) < {t['watch']!r} THEN 'at_risk' "
        f"WHEN ({score_sql}) < {t['healthy']!r} THEN 'watch' "
        f"WHEN ({score_sql}) < {t['expansion']!r} THEN 'healthy' "
        "ELSE 'expansion' END)"
    )
