"""Bulk actions over a selection of customers (the app's `space` + `b`):
each customer is its own audited change, and a refused one is reported
without stopping the rest."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session

from iqcadence.core.accounts import customers
from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import InvalidValue, IQError, PermissionDenied
from iqcadence.core.scoring.fields import parse_field


@dataclass
class BulkOutcome:
    done: int = 0
    failed: list[str] = field(default_factory=list)

    def summary(self, verb: str) -> str:
        text_ = f"{verb} {self.done} customer{'s' if self.done != 1 else ''}"
        if self.failed:
            text_ += f"; {len(self.failed)} refused ({self.failed[0]})"
        return text_ + "."


def _names(session: Session, actor: Actor, ids: list[int]) -> list[str]:
    return [customers.customer_by_id(session, actor, cid).name for cid in ids]


def bulk_apply(
    session: Session, actor: Actor, ids: list[int], action: str, value: str = ""
) -> BulkOutcome:
    """Apply one action to each selected customer: `rescore`, `tag` (add a
    tag), `lifecycle` (set it), or `archive`. Each customer is its own audited
    change; a refused one (e.g. already archived) is reported, not fatal."""
    actor.require_write()
    if action == "tag":
        tags = parse_field("tags", value)
        if not tags:
            raise InvalidValue("tag: must not be empty.")
    if action == "lifecycle":
        value = str(parse_field("lifecycle", value))
    if action not in ("rescore", "tag", "lifecycle", "archive"):
        raise InvalidValue(
            f"bulk action: {action!r} is not one of rescore, tag, lifecycle, archive."
        )
    outcome = BulkOutcome()
    for name in _names(session, actor, ids):
        try:
            if action == "rescore":
                customers.rescore_one(session, actor, name)
            elif action == "archive":
                customers.set_status(session, actor, name, "archive")
            elif action == "lifecycle":
                customers.apply_changes(
                    session, actor, name, {"lifecycle": value}, create=False, cause="edit"
                )
            else:
                current = customers.get_customer(session, actor, name)
                existing = [t for t in current.tags.split("|") if t]
                merged = existing + [t for t in tags if t not in existing]
                customers.apply_changes(
                    session, actor, name, {"tags": merged}, create=False, cause="edit"
                )
            outcome.done += 1
        except PermissionDenied:
            raise
        except IQError as exc:  # one refused customer must not stop the rest
            session.rollback()
            outcome.failed.append(f"{name}: {exc}")
    return outcome
