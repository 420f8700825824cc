"""Configuration blocks (JSON per client and key) and the scoring model.

The scoring model (weights, CSAT switch, thresholds, cadence, renewal windows,
quiet-after, momentum points, expansion %) lives under the key `scoring`.
Later capabilities keep their settings under their own keys (`alerts`,
`reports`, ...) with `get_block` / `put_block`. Every change is audited with
the values before and after, which is also the config history.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from iqcadence.core.base import clock
from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import Conflict, InvalidValue, NotFound, RefusedFile
from iqcadence.core.scoring.formula import SIGNALS, ScoringConfig, validate_config, validate_weights
from iqcadence.core.store import audit
from iqcadence.core.store.models import Customer, ScoringProfile, Setting

SCORING_KEY = "scoring"


def get_block(session: Session, client_id: int, key: str) -> dict[str, Any] | None:
    row = session.get(Setting, (client_id, key))
    return dict(row.value) if row is not None else None


def put_block(
    session: Session, actor: Actor, key: str, value: dict[str, Any], *, action: str
) -> None:
    """Store a block and audit the change (caller commits)."""
    row = session.get(Setting, (actor.client_id, key))
    before = dict(row.value) if row is not None else None
    if row is None:
        row = Setting(client_id=actor.client_id, key=key, value=value)
    else:
        row.value = value
    row.updated_at = clock.now()
    row.updated_by = actor.email
    session.add(row)
    audit.record(session, actor, action, details={"key": key, "before": before, "after": value})


def load_scoring_config(session: Session, client_id: int) -> ScoringConfig:
    block = get_block(session, client_id, SCORING_KEY)
    return ScoringConfig.from_dict(block) if block else ScoringConfig()


def save_scoring_config(
    session: Session, actor: Actor, config: ScoringConfig, *, action: str = "config.update"
) -> ScoringConfig:
    """Validate and save (admin only); a bad configuration saves nothing."""
    actor.require_admin("change the scoring configuration")
    validate_config(config)
    put_block(session, actor, SCORING_KEY, config.to_dict(), action=action)
    session.commit()
    return config


def rebalance_for_csat(weights: dict[str, int], csat_weight: int) -> dict[str, int]:
    """Give CSAT `csat_weight` and scale the other weights to fill the rest of
    100 in proportion (largest remainders keep the total exact)."""
    if not 0 <= csat_weight <= 100:
        raise InvalidValue(f"csat weight: must be between 0 and 100, got {csat_weight}.")
    others = {k: v for k, v in weights.items() if k != "csat"}
    budget = 100 - csat_weight
    total = sum(others.values())
    if total == 0:
        raise InvalidValue("weights: every signal but CSAT has weight 0; set weights first.")
    exact = {k: v * budget / total for k, v in others.items()}
    result = {k: int(x) for k, x in exact.items()}
    short = budget - sum(result.values())
    for key in sorted(exact, key=lambda k: (-(exact[k] - result[k]), k))[:short]:
        result[key] += 1
    result["csat"] = csat_weight
    return {name: result.get(name, 0) for name in SIGNALS}


def weights_without_csat(session: Session, actor: Actor, config: ScoringConfig) -> dict[str, int]:
    """The weights for turning CSAT off. When the newest change to the scoring
    model was turning CSAT on, its earlier weights come back exactly (so on
    then off is a round trip); otherwise CSAT's share is spread in proportion."""
    for entry in audit.list_entries(session, actor, action="config", limit=20):
        details = entry.details or {}
        if details.get("key") != SCORING_KEY:
            continue
        before = details.get("before") or ScoringConfig().to_dict()
        after = details.get("after") or {}
        previous = before.get("weights") or {}
        if (
            entry.action == "config.csat"
            and after.get("csat_enabled") is True
            and not before.get("csat_enabled")
            and after.get("weights") == config.weights
            and not previous.get("csat")
        ):
            return {name: int(previous.get(name, 0)) for name in SIGNALS}
        break
    return rebalance_for_csat(config.weights, 0)


# --- profiles -----------------------------------------------------------------


def list_profiles(session: Session, client_id: int) -> list[ScoringProfile]:
    query = (
        select(ScoringProfile)
        .where(ScoringProfile.client_id == client_id)
        .order_by(ScoringProfile.name)
    )
    return list(session.exec(query).all())


def profile_weights(session: Session, client_id: int) -> dict[str, dict[str, int]]:
    """Every profile's weights by name (profiles are few)."""
    return {
        p.name: {k: int(v) for k, v in p.weights.items()} for p in list_profiles(session, client_id)
    }


def get_profile(session: Session, client_id: int, name: str) -> ScoringProfile:
    profile = session.exec(
        select(ScoringProfile).where(
            ScoringProfile.client_id == client_id, ScoringProfile.name == name.strip()
        )
    ).first()
    if profile is None:
        known = ", ".join(p.name for p in list_profiles(session, client_id)) or "none"
        raise NotFound(f"scoring profile {name!r} does not exist (profiles: {known}).")
    return profile


def save_profile(
    session: Session,
    actor: Actor,
    name: str,
    weights: dict[str, int],
    *,
    description: str = "",
) -> ScoringProfile:
    actor.require_admin("change scoring profiles")
    name = name.strip()
    if not name:
        raise InvalidValue("profile name: must not be empty.")
    full = {signal: int(weights.get(signal, 0)) for signal in SIGNALS}
    validate_weights(full, what=f"profile {name!r} weights")
    existing = session.exec(
        select(ScoringProfile).where(
            ScoringProfile.client_id == actor.client_id, ScoringProfile.name == name
        )
    ).first()
    before = dict(existing.weights) if existing is not None else None
    if existing is None:
        existing = ScoringProfile(client_id=actor.client_id, name=name, weights=full)
    existing.weights = full
    if description:
        existing.description = description
    session.add(existing)
    audit.record(
        session,
        actor,
        "config.profile.set",
        details={"profile": name, "before": before, "after": full},
    )
    session.commit()
    return existing


def delete_profile(session: Session, actor: Actor, name: str) -> None:
    from iqcadence.core.store.models import Customer

    actor.require_admin("change scoring profiles")
    profile = get_profile(session, actor.client_id, name)
    in_use = session.exec(
        select(Customer.id).where(
            Customer.client_id == actor.client_id, Customer.scoring_profile == profile.name
        )
    ).first()
    if in_use is not None:
        raise Conflict(
            f"scoring profile {name!r} is assigned to customers; reassign them first "
            "(`iqcadence customers edit NAME --set scoring_profile=`)."
        )
    session.delete(profile)
    audit.record(session, actor, "config.profile.delete", details={"profile": name})
    session.commit()


# --- the whole model as a TOML file ---------------------------------------------


def export_toml(session: Session, client_id: int) -> str:
    """The scoring model and profiles as a readable, diffable TOML document."""
    config = load_scoring_config(session, client_id)
    lines = [
        "# iqcadence scoring model",
        "# Weights are whole numbers totalling 100; thresholds increase strictly.",
        "",
        f"csat_enabled = {'true' if config.csat_enabled else 'false'}",
        f"quiet_after = {config.quiet_after}",
        f"momentum_points = {_toml_number(config.momentum_points)}",
        f"expansion_pct = {_toml_number(config.expansion_pct)}",
        "",
        "[weights]",
        *(f"{k} = {config.weights.get(k, 0)}" for k in SIGNALS),
        "",
        "[thresholds]",
        *(f"{k} = {_toml_number(v)}" for k, v in config.thresholds.items()),
        "",
        "[cadence]  # due soon, overdue (days)",
        *(f"{tier} = [{pair[0]}, {pair[1]}]" for tier, pair in config.cadence.items()),
        "",
        "[renewal_windows]  # days before renewal",
        *(f"{k} = {v}" for k, v in config.renewal_windows.items()),
    ]
    for profile in list_profiles(session, client_id):
        lines += ["", f"[profiles.{_toml_key(profile.name)}]"]
        if profile.description:
            lines.append(f"description = {_toml_string(profile.description)}")
        lines += [f"{k} = {profile.weights.get(k, 0)}" for k in SIGNALS]
    return "\n".join(lines) + "\n"


def import_toml(session: Session, actor: Actor, path: Path) -> ScoringConfig:
    """Validate the whole file, then replace the model and profiles at once."""
    actor.require_admin("change the scoring configuration")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RefusedFile(f"{path}: no such file.") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RefusedFile(f"{path}: not a valid TOML file ({exc}).") from None
    except OSError as exc:
        raise RefusedFile(f"{path}: cannot read the file ({exc.strerror}).") from None
    profiles_raw = data.pop("profiles", {})
    try:
        config = ScoringConfig.from_dict(data)
        if not isinstance(profiles_raw, dict):
            raise InvalidValue("profiles: expected a table of [profiles.NAME] sections.")
        profiles: dict[str, tuple[dict[str, int], str | None]] = {}
        for name, table in profiles_raw.items():
            if not isinstance(table, dict):
                raise InvalidValue(f"profile {name!r}: expected a table of SIGNAL = WEIGHT.")
            weights = dict(table)
            description = weights.pop("description", None)
            if description is not None and not isinstance(description, str):
                raise InvalidValue(f"profile {name!r} description: expected text.")
            full = {signal: weights.get(signal, 0) for signal in SIGNALS}
            extra = sorted(set(weights) - set(SIGNALS))
            if extra:
                raise InvalidValue(f"profile {name!r}: unknown signal {extra[0]!r}.")
            validate_weights(full, what=f"profile {name!r} weights")
            profiles[str(name)] = (full, description)
    except InvalidValue as exc:
        raise RefusedFile(f"{path}: {exc}") from None
    put_block(session, actor, SCORING_KEY, config.to_dict(), action="config.import")
    existing = {p.name: p for p in list_profiles(session, actor.client_id)}
    for name, (weights, description) in profiles.items():
        profile = existing.get(name) or ScoringProfile(client_id=actor.client_id, name=name)
        profile.weights = weights
        if description is not None:
            profile.description = description
        session.add(profile)
    audit.record(session, actor, "config.profiles.import", details={"profiles": sorted(profiles)})
    session.commit()
    return config


def _toml_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _toml_key(name: str) -> str:
    if name.replace("-", "").replace("_", "").isalnum() and name.isascii():
        return name
    return _toml_string(name)


def _toml_string(text: str) -> str:
    """A TOML basic string (JSON's escapes are valid TOML escapes)."""
    return json.dumps(text, ensure_ascii=False)


def profile_usage(session: Session, client_id: int) -> dict[str | None, int]:
    """How many customers use each scoring profile (None: the global weights)."""
    from sqlalchemy import func

    rows = session.exec(
        select(Customer.scoring_profile, func.count())
        .where(Customer.client_id == client_id)
        .group_by(Customer.scoring_profile)
    ).all()
    return {name: int(count) for name, count in rows}
