"""The alert thresholds and delivery settings, and `config alerts set`.

Keys that the scoring model already owns (quiet-after, momentum points,
renewal windows, expansion %, contact cadence) stay in the `scoring` block so
the Settings screen and `config alerts` edit the same value; the rest lives in
the `alerts` block. Every change is audited by `settings.put_block`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from sqlmodel import Session

from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import InvalidValue
from iqcadence.core.scoring.fields import COUNT_MAX
from iqcadence.core.scoring.formula import DEFAULT_CADENCE, DEFAULT_RENEWAL_WINDOWS, ScoringConfig
from iqcadence.core.store import settings

ALERTS_KEY = "alerts"

# key -> (default, kind, minimum, maximum, help)
ALERT_KEYS: dict[str, tuple[float, str, float, float | None, str]] = {
    "tickets_warning": (3, "int", 1, None, "open tickets for a warning"),
    "tickets_critical": (5, "int", 1, None, "open tickets for a critical alert"),
    "engagement_drop_pct": (40, "num", 1, 100, "login drop % against the previous snapshot"),
    "adoption_low": (20, "num", 0, 100, "adoption % below which engagement is flagged"),
    "renewal_critical_below": (50, "num", 0, 100, "score below which a near renewal is critical"),
    "delivery_timeout": (5, "num", 0.05, 120, "seconds before a send gives up"),
    "delivery_max_attempts": (6, "int", 1, 50, "attempts before a notification is dead"),
    "delivery_backoff": (60, "num", 0, 86400, "seconds before the first retry (doubles)"),
    "delivery_claim_timeout": (300, "num", 1, 86400, "seconds before a stuck send is retried"),
    "send_on_change": (1, "int", 0, 1, "1: a change starts a background sender at once"),
}
# key -> help; these live in the scoring block
SCORING_KEYS: dict[str, str] = {
    "quiet_after": "days without contact before a quiet alert",
    "momentum_points": "score points lost in 7 days for a momentum alert",
    "renewal_critical": "renewal window (days) for the critical level",
    "renewal_warning": "renewal window (days) for the warning level",
    "renewal_upcoming": "renewal window (days) for the upcoming level",
    "expansion_pct": "expansion estimate, % of MRR",
    "cadence_enterprise": "enterprise contact cadence, due-soon/overdue days (e.g. 14/21)",
    "cadence_mid": "mid-market contact cadence, due-soon/overdue days",
    "cadence_smb": "SMB contact cadence, due-soon/overdue days",
}


@dataclass(frozen=True)
class AlertConfig:
    """Everything alert derivation and delivery read, in one value."""

    quiet_after: int = 30
    momentum_points: float = 10
    renewal_windows: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_RENEWAL_WINDOWS))
    cadence: dict[str, tuple[int, int]] = field(default_factory=lambda: dict(DEFAULT_CADENCE))
    expansion_pct: float = 20
    thresholds: dict[str, float] = field(default_factory=dict)
    tickets_warning: int = 3
    tickets_critical: int = 5
    engagement_drop_pct: float = 40
    adoption_low: float = 20
    renewal_critical_below: float = 50
    delivery_timeout: float = 5
    delivery_max_attempts: int = 6
    delivery_backoff: float = 60
    delivery_claim_timeout: float = 300
    send_on_change: int = 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "quiet_after": self.quiet_after,
            "momentum_points": self.momentum_points,
            "renewal_critical": self.renewal_windows.get("critical"),
            "renewal_warning": self.renewal_windows.get("warning"),
            "renewal_upcoming": self.renewal_windows.get("upcoming"),
            "expansion_pct": self.expansion_pct,
            **{f"cadence_{tier}": f"{p[0]}/{p[1]}" for tier, p in self.cadence.items()},
            **{key: getattr(self, key) for key in ALERT_KEYS},
        }


def load_alert_config(session: Session, client_id: int) -> AlertConfig:
    scoring = settings.load_scoring_config(session, client_id)
    values = parse_alert_block(settings.get_block(session, client_id, ALERTS_KEY) or {})
    return AlertConfig(
        quiet_after=scoring.quiet_after,
        momentum_points=scoring.momentum_points,
        renewal_windows=dict(scoring.renewal_windows),
        cadence=dict(scoring.cadence),
        expansion_pct=scoring.expansion_pct,
        thresholds=dict(scoring.thresholds),
        **values,
    )


def parse_alert_block(block: Mapping[str, Any]) -> dict[str, Any]:
    """Every alert key's value from a stored `alerts` block (defaults for the
    missing ones); a bad value raises InvalidValue naming its key."""
    return {key: _coerce(key, block.get(key, spec[0])) for key, spec in ALERT_KEYS.items()}


def _coerce(key: str, value: Any) -> Any:
    _default, kind, minimum, maximum, _help = ALERT_KEYS[key]
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidValue(f"alerts.{key}: expected a number, got {value!r}.") from None
    if number != number or (kind == "int" and not number.is_integer()):
        raise InvalidValue(f"alerts.{key}: expected a whole number, got {value!r}.")
    if number < minimum or (maximum is not None and number > maximum):
        upper = f" and {maximum:g}" if maximum is not None else ""
        bound = f"between {minimum:g}{upper}" if maximum is not None else f"at least {minimum:g}"
        raise InvalidValue(f"alerts.{key}: must be {bound}, got {value!r}.")
    return int(number) if kind == "int" else number


def set_alert_config(session: Session, actor: Actor, assignments: dict[str, str]) -> AlertConfig:
    """Apply `key=value` settings (admin only). Everything is validated
    before anything is saved; unknown keys are refused with the known ones."""
    actor.require_admin("change the alert configuration")
    if not assignments:
        raise InvalidValue("config alerts set: give at least one KEY=VALUE.")
    known = sorted([*SCORING_KEYS, *ALERT_KEYS])
    block = dict(settings.get_block(session, actor.client_id, ALERTS_KEY) or {})
    scoring = settings.load_scoring_config(session, actor.client_id).to_dict()
    scoring_changed = False
    for key, raw in assignments.items():
        if key in ALERT_KEYS:
            block[key] = _coerce(key, raw)
        elif key in SCORING_KEYS:
            scoring_changed = True
            _set_scoring_key(scoring, key, raw)
        else:
            raise InvalidValue(f"config alerts: unknown key {key!r}; keys are {', '.join(known)}.")
    if block.get("tickets_critical", 5) < block.get("tickets_warning", 3):
        raise InvalidValue("alerts: tickets_critical must be at least tickets_warning.")
    if scoring_changed:
        config = ScoringConfig.from_dict(scoring)  # validates windows and cadence
        settings.put_block(
            session, actor, settings.SCORING_KEY, config.to_dict(), action="config.alerts"
        )
    settings.put_block(session, actor, ALERTS_KEY, block, action="config.alerts")
    session.commit()
    return load_alert_config(session, actor.client_id)


def _set_scoring_key(scoring: dict[str, Any], key: str, raw: str) -> None:
    text = str(raw).strip()
    if key.startswith("renewal_"):
        scoring["renewal_windows"] = {
            **scoring["renewal_windows"],
            key.removeprefix("renewal_"): _whole(key, text),
        }
    elif key.startswith("cadence_"):
        parts = text.replace(",", "/").split("/")
        if len(parts) != 2:
            raise InvalidValue(f"{key}: expected DUE/OVERDUE days such as 14/21, got {text!r}.")
        due, overdue = _whole(key, parts[0]), _whole(key, parts[1])
        if not 0 < due < overdue:
            raise InvalidValue(f"{key}: due-soon days must be positive and below overdue days.")
        scoring["cadence"] = {**scoring["cadence"], key.removeprefix("cadence_"): [due, overdue]}
    elif key == "quiet_after":
        scoring[key] = _whole(key, text)
    else:
        try:
            scoring[key] = float(text)
        except ValueError:
            raise InvalidValue(f"{key}: expected a number, got {text!r}.") from None
        if not math.isfinite(scoring[key]) or scoring[key] > COUNT_MAX:
            raise InvalidValue(f"{key}: must be a number up to {COUNT_MAX:,}, got {text!r}.")
        if scoring[key] < 0:
            raise InvalidValue(f"{key}: must not be negative, got {text!r}.")


def _whole(key: str, text: str) -> int:
    try:
        value = float(text)
    except ValueError:
        raise InvalidValue(f"{key}: expected a whole number of days, got {text!r}.") from None
    if not value.is_integer() or value < 0:
        raise InvalidValue(f"{key}: expected a whole number of days, got {text!r}.")
    if value > COUNT_MAX:
        raise InvalidValue(f"{key}: must be at most {COUNT_MAX:,} days, got {text!r}.")
    return int(value)


def with_overrides(config: AlertConfig, **values: Any) -> AlertConfig:
    return replace(config, **values)
