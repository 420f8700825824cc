"""Playbooks: named task sequences, started by hand or by their trigger.

A playbook is written in TOML::

    name = "Rescue at-risk account"
    description = "Stop the slide before renewal."
    trigger = "band <= at_risk and lifecycle != churned"   # optional
    enabled = true                                            # optional

    [[steps]]
    title = "Call the champion"
    offset_days = 0          # due this many days after the run starts (≥ 0)
    owner = "primary"        # primary | co_owner | an e-mail
    description = "…"        # optional

Rules:

* The trigger uses the condition language of `conditions` (the same one
  custom alert rules use). A playbook starts by itself when its trigger
  BECOMES true for a customer as it is scored or changed — true after the
  change and false before it (a customer created already matching counts).
  Changes of one customer are checked in `changes.customer_changed`, bulk
  rescores and imports in `changes.customers_changed_in_bulk`. A set-based
  change is seen as a move of score, band and lifecycle (and so momentum):
  there, a trigger reading none of those cannot fire.
* A playbook never has two active runs for one customer (checked here and
  held by a partial unique index); a trigger that fires while a run is
  active does nothing.
* A run creates one task per step, due `offset_days` after the start.
  Owners: `primary` is the account's primary owner (`owners.primary_of`),
  falling back to the customer's manager (an e-mail, or the name of a
  user), then to the person who started the run; `co_owner` is the first
  co-owner, falling back to the primary rule; an e-mail is taken as is.
* Progress = done tasks / tasks not cancelled. A run completes when all of
  those are done; reopening one of its tasks makes it active again;
  cancelling a run cancels its open tasks.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from iqcadence.core.accounts.contacts import require_edit, resolve_customer
from iqcadence.core.accounts.customers import name_key
from iqcadence.core.accounts.run_progress import active_run, run_progress
from iqcadence.core.base import clock
from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import Conflict, InvalidValue, NotFound, RefusedFile
from iqcadence.core.scoring.conditions.parse import parse_condition
from iqcadence.core.scoring.conditions.tree import Condition
from iqcadence.core.store import audit
from iqcadence.core.store.models import Customer, User
from iqcadence.core.store.models.crm import CustomerOwner
from iqcadence.core.store.models.customer360 import RUN_STATUSES, Playbook, PlaybookRun, Task

if TYPE_CHECKING:
    pass

OWNER_RULES: tuple[str, ...] = ("primary", "co_owner")
OWNER_ALIASES: dict[str, str] = {
    "primary": "primary",
    "owner": "primary",
    "manager": "primary",
    "csm": "primary",
    "co_owner": "co_owner",
    "coowner": "co_owner",
    "co-owner": "co_owner",
}
TOP_KEYS: tuple[str, ...] = ("name", "description", "trigger", "enabled", "steps")
STEP_KEYS: tuple[str, ...] = ("title", "offset_days", "owner", "description")
MAX_OFFSET_DAYS = 3650
MAX_STEPS = 100
# The facts a set-based change (rescore, import) can move.
BULK_MOVING = frozenset({"score", "band", "lifecycle", "momentum"})


@dataclass(frozen=True)
class StepSpec:
    title: str
    offset_days: int = 0
    owner: str = "primary"
    description: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "offset_days": self.offset_days,
            "owner": self.owner,
            "description": self.description,
        }


@dataclass(frozen=True)
class PlaybookSpec:
    name: str
    steps: tuple[StepSpec, ...]
    description: str = ""
    trigger: str | None = None  # canonical condition text
    enabled: bool = True
    condition: Condition | None = field(default=None, compare=False)


# --- reading TOML ------------------------------------------------------------------------


def parse_owner_rule(value: Any, where: str) -> str:
    if value is None:
        return "primary"
    if not isinstance(value, str) or not value.strip():
        raise InvalidValue(f"{where}: expected primary, co_owner or an e-mail, got {value!r}.")
    raw = value.strip()
    if "@" in raw:
        if " " in raw:
            raise InvalidValue(f"{where}: {raw!r} is not an e-mail address.")
        return raw
    rule = OWNER_ALIASES.get(raw.lower().replace(" ", "_"))
    if rule is None:
        raise InvalidValue(f"{where}: expected primary, co_owner or an e-mail, got {raw!r}.")
    return rule


def spec_from_dict(data: Mapping[str, Any], *, source: str = "playbook") -> PlaybookSpec:
    """Validate a playbook definition; errors name the source and the key."""
    unknown = sorted(set(data) - set(TOP_KEYS))
    if unknown:
        raise InvalidValue(f"{source}: unknown key {unknown[0]!r}; keys are {', '.join(TOP_KEYS)}.")
    name = data.get("name")
    if not isinstance(name, str) or not " ".join(name.split()):
        raise InvalidValue(f"{source}: name: a playbook needs a name (text).")
    name = " ".join(name.split())
    if len(name) > 200:
        raise InvalidValue(f"{source}: name: must be at most 200 characters.")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise InvalidValue(f"{source}: description: expected text, got {description!r}.")
    enabled = data.get("enabled", True)
    if not isinstance(enabled, bool):
        raise InvalidValue(f"{source}: enabled: expected true or false, got {enabled!r}.")
    trigger_raw = data.get("trigger")
    condition = None
    trigger = None
    if trigger_raw is not None:
        if not isinstance(trigger_raw, str):
            raise InvalidValue(f"{source}: trigger: expected a condition (text).")
        if trigger_raw.strip():
            try:
                condition = parse_condition(trigger_raw)
            except InvalidValue as exc:
                raise InvalidValue(f"{source}: trigger {exc.message}") from None
            trigger = str(condition)
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise InvalidValue(
            f"{source}: steps: a playbook needs at least one [[steps]] with a title."
        )
    if len(raw_steps) > MAX_STEPS:
        raise InvalidValue(f"{source}: steps: at most {MAX_STEPS} steps.")
    steps = []
    for index, raw in enumerate(raw_steps, start=1):
        where = f"{source}: steps[{index}]"
        if not isinstance(raw, Mapping):
            raise InvalidValue(f"{where}: expected a table with title, offset_days and owner.")
        extra = sorted(set(raw) - set(STEP_KEYS))
        if extra:
            raise InvalidValue(
                f"{where}: unknown key {extra[0]!r}; keys are {', '.join(STEP_KEYS)}."
            )
        title = raw.get("title")
        if not isinstance(title, str) or not title.strip():
            raise InvalidValue(f"{where}.title: every step needs a title (text).")
        offset = raw.get("offset_days", 0)
        if isinstance(offset, bool) or not isinstance(offset, int):
            raise InvalidValue(f"{where}.offset_days: expected a whole number, got {offset!r}.")
        if not 0 <= offset <= MAX_OFFSET_DAYS:
            raise InvalidValue(
                f"{where}.offset_days: must be between 0 and {MAX_OFFSET_DAYS}, got {offset}."
            )
        step_description = raw.get("description")
        if step_description is not None and not isinstance(step_description, str):
            raise InvalidValue(f"{where}.description: expected text.")
        steps.append(
            StepSpec(
                title=" ".join(title.split())[:500],
                offset_days=offset,
                owner=parse_owner_rule(raw.get("owner"), f"{where}.owner"),
                description=step_description.strip() if step_description else None,
            )
        )
    return PlaybookSpec(
        name=name,
        steps=tuple(steps),
        description=description.strip(),
        trigger=trigger,
        enabled=enabled,
        condition=condition,
    )


def parse_playbook_toml(content: str, *, source: str = "playbook") -> PlaybookSpec:
    try:
        data = tomllib.loads(content)
    except tomllib.TOMLDecodeError as exc:
        raise RefusedFile(f"{source}: not valid TOML ({exc}).") from None
    return spec_from_dict(data, source=source)


def load_playbook_file(path: str | Path) -> PlaybookSpec:
    file = Path(path)
    try:
        content = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotFound(f"{file}: no such file.") from None
    except IsADirectoryError:
        raise RefusedFile(f"{file}: is a folder, not a playbook file.") from None
    except OSError as exc:
        raise RefusedFile(f"{file}: cannot be read ({exc.strerror}).") from None
    except UnicodeDecodeError:
        raise RefusedFile(f"{file}: is not UTF-8 text.") from None
    return parse_playbook_toml(content, source=file.name)


# --- storing ----------------------------------------------------------------------------


def save_playbook(
    session: Session, actor: Actor, spec: PlaybookSpec, *, replace: bool = False
) -> Playbook:
    """Store a playbook; one with the same name is refused unless `replace`."""
    actor.require_write("manage playbooks")
    existing = find_playbook(session, actor.client_id, spec.name)
    if existing is not None and not replace:
        raise Conflict(f"playbook {existing.name!r} already exists; use --replace to update it.")
    playbook = existing or Playbook(client_id=actor.client_id, name=spec.name, name_key="")
    playbook.name = spec.name
    playbook.name_key = name_key(spec.name)
    playbook.description = spec.description
    playbook.trigger = spec.trigger
    playbook.steps = [s.to_dict() for s in spec.steps]
    playbook.enabled = spec.enabled
    playbook.updated_at = clock.now()
    session.add(playbook)
    session.flush()
    audit.record(
        session,
        actor,
        "playbook.replace" if existing is not None else "playbook.add",
        details={"name": spec.name, "trigger": spec.trigger, "steps": len(spec.steps)},
    )
    session.commit()
    return playbook


def add_playbook_file(
    session: Session, actor: Actor, path: str | Path, *, replace: bool = False
) -> Playbook:
    return save_playbook(session, actor, load_playbook_file(path), replace=replace)


def find_playbook(session: Session, client_id: int, name: str) -> Playbook | None:
    return session.exec(
        select(Playbook).where(Playbook.client_id == client_id, Playbook.name_key == name_key(name))
    ).first()


def get_playbook(session: Session, actor: Actor, name: str) -> Playbook:
    found = find_playbook(session, actor.client_id, name)
    if found is None:
        names = [p.name for p in list_playbooks(session, actor)]
        known = f" (playbooks: {', '.join(names)})" if names else " (none are defined yet)"
        raise NotFound(f"playbook {name.strip()!r} does not exist{known}.")
    return found


def list_playbooks(session: Session, actor: Actor) -> list[Playbook]:
    return list(
        session.exec(
            select(Playbook)
            .where(Playbook.client_id == actor.client_id)
            .order_by(col(Playbook.name_key))
        ).all()
    )


def set_enabled(session: Session, actor: Actor, name: str, enabled: bool) -> Playbook:
    actor.require_write("manage playbooks")
    playbook = get_playbook(session, actor, name)
    playbook.enabled = enabled
    playbook.updated_at = clock.now()
    session.add(playbook)
    audit.record(
        session,
        actor,
        "playbook.enable" if enabled else "playbook.disable",
        details={"name": playbook.name},
    )
    session.commit()
    return playbook


def playbook_to_dict(playbook: Playbook, active_runs: int = 0) -> dict[str, Any]:
    """The JSON object of a playbook (`playbooks list --json`)."""
    return {
        "id": playbook.id,
        "name": playbook.name,
        "description": playbook.description,
        "trigger": playbook.trigger,
        "enabled": playbook.enabled,
        "steps": playbook.steps,
        "active_runs": active_runs,
    }


def playbook_rows(session: Session, actor: Actor) -> list[dict[str, Any]]:
    playbooks = list_playbooks(session, actor)
    counts = {
        int(pid): int(n)
        for pid, n in session.exec(
            select(PlaybookRun.playbook_id, func.count())
            .where(PlaybookRun.status == "active")
            .group_by(col(PlaybookRun.playbook_id))
        ).all()
    }
    return [playbook_to_dict(p, counts.get(p.id or 0, 0)) for p in playbooks]


# --- runs --------------------------------------------------------------------------------


def pick_owner(
    rule: str,
    *,
    primary: str | None,
    co_owner: str | None,
    manager: str | None,
    users_by_name: Mapping[str, str],
    fallback: str,
) -> str:
    """The e-mail a step's owner rule names, from what is known of the account
    (module rules): primary owner, first co-owner, manager (an e-mail or a
    user's name), then the fallback."""
    if "@" in rule:
        return rule
    if rule == "co_owner" and co_owner:
        return co_owner
    if primary:
        return primary
    name = (manager or "").strip()
    if name:
        if "@" in name and " " not in name:
            return name
        email = users_by_name.get(name.casefold())
        if email is not None:
            return email
    return fallback


def user_emails_by_name(session: Session) -> dict[str, str]:
    return {
        name.casefold(): email
        for email, name in session.exec(select(User.email, User.name)).all()
        if name
    }


def owner_emails(session: Session, customer_ids: Sequence[int]) -> dict[int, dict[str, str]]:
    """Primary and first co-owner e-mail of each customer ({} without owners)."""
    out: dict[int, dict[str, str]] = {}
    ids = list(customer_ids)
    for start in range(0, len(ids), 500):
        rows = session.exec(
            select(CustomerOwner.customer_id, CustomerOwner.role, User.email)
            .join(User, col(User.id) == CustomerOwner.user_id)
            .where(col(CustomerOwner.customer_id).in_(ids[start : start + 500]))
            .order_by(col(User.email))
        ).all()
        for cid, role, email in rows:
            out.setdefault(int(cid), {}).setdefault(str(role), str(email))
    return out


def resolve_owner(session: Session, customer: Customer, rule: str, fallback: str) -> str:
    """The e-mail a step's owner rule names for this customer (module rules)."""
    if "@" in rule:
        return rule
    assert customer.id is not None
    known = owner_emails(session, [customer.id]).get(customer.id, {})
    return pick_owner(
        rule,
        primary=known.get("primary"),
        co_owner=known.get("co_owner"),
        manager=customer.manager,
        users_by_name=user_emails_by_name(session) if customer.manager else {},
        fallback=fallback,
    )


def start_playbook(
    session: Session,
    actor: Actor,
    playbook: str | Playbook,
    customer: str | Customer,
    *,
    trigger: str = "manual",
    check_owner: bool = True,
    commit: bool = True,
) -> PlaybookRun:
    """Start a run: one task per step. Refused while one is active.

    `check_owner=False` is for triggers: the change that fired it was allowed."""
    from iqcadence.core.accounts import tasks

    actor.require_write()
    book = playbook if isinstance(playbook, Playbook) else get_playbook(session, actor, playbook)
    target = resolve_customer(session, actor, customer)
    if check_owner:
        require_edit(session, actor, target)
    assert book.id is not None and target.id is not None
    running = active_run(session, book.id, target.id)
    if running is not None:
        raise Conflict(
            f"playbook {book.name!r} is already running for {target.name!r} "
            f"(run {running.id}); finish or cancel it first."
        )
    now = clock.now()
    run = PlaybookRun(
        playbook_id=book.id,
        customer_id=target.id,
        status="active",
        started_at=now,
        started_by=actor.email,
        trigger=trigger,
    )
    session.add(run)
    session.flush()
    today = clock.today()
    for index, step in enumerate(book.steps, start=1):
        tasks.add_task(
            session,
            actor,
            target,
            str(step["title"]),
            due=today + timedelta(days=int(step.get("offset_days", 0))),
            owner=resolve_owner(session, target, str(step.get("owner", "primary")), actor.email),
            description=step.get("description"),
            playbook_run_id=run.id,
            step=index,
            check_owner=False,
            commit=False,
        )
    audit.record(
        session,
        actor,
        "playbook.start",
        customer=target,
        details={"playbook": book.name, "run": run.id, "trigger": trigger},
    )
    if commit:
        session.commit()
    return run


def get_run(session: Session, actor: Actor, run_id: int) -> PlaybookRun:
    run = session.get(PlaybookRun, run_id)
    book = session.get(Playbook, run.playbook_id) if run is not None else None
    if run is None or book is None or book.client_id != actor.client_id:
        raise NotFound(f"playbook run {run_id} does not exist.")
    return run


def cancel_run(session: Session, actor: Actor, run_id: int, *, commit: bool = True) -> PlaybookRun:
    run = get_run(session, actor, run_id)
    customer = session.get(Customer, run.customer_id)
    assert customer is not None
    require_edit(session, actor, customer)
    if run.status != "active":
        raise Conflict(f"playbook run {run_id} is {run.status}, so it cannot be cancelled.")
    run.status = "cancelled"
    run.finished_at = clock.now()
    session.add(run)
    cancelled = 0
    for task in session.exec(
        select(Task).where(Task.playbook_run_id == run.id, Task.status == "open")
    ).all():
        task.status = "cancelled"
        session.add(task)
        cancelled += 1
    audit.record(
        session,
        actor,
        "playbook.cancel",
        customer=customer,
        details={"run": run.id, "tasks_cancelled": cancelled},
    )
    if commit:
        session.commit()
    return run


def list_runs(
    session: Session,
    actor: Actor,
    customer: str | Customer | None = None,
    *,
    status: str | None = None,
) -> list[PlaybookRun]:
    """Runs of the acting client, newest first."""
    if status is not None and status not in RUN_STATUSES:
        raise InvalidValue(f"--status: {status!r} is not one of {', '.join(RUN_STATUSES)}.")
    query = (
        select(PlaybookRun)
        .join(Playbook, col(Playbook.id) == PlaybookRun.playbook_id)
        .where(Playbook.client_id == actor.client_id)
    )
    if customer is not None:
        target = resolve_customer(session, actor, customer)
        query = query.where(PlaybookRun.customer_id == target.id)
    if status is not None:
        query = query.where(PlaybookRun.status == status)
    query = query.order_by(col(PlaybookRun.started_at).desc(), col(PlaybookRun.id).desc())
    return list(session.exec(query).all())


def run_dicts(session: Session, runs: Sequence[PlaybookRun]) -> list[dict[str, Any]]:
    """Runs as JSON objects with names and progress (`playbooks runs --json`)."""
    ids = [r.id for r in runs if r.id is not None]
    progress = run_progress(session, ids)
    books = {
        p.id: p.name
        for p in session.exec(
            select(Playbook).where(col(Playbook.id).in_({r.playbook_id for r in runs}))
        ).all()
    }
    names: dict[int | None, str] = dict(
        session.exec(
            select(Customer.id, Customer.name).where(
                col(Customer.id).in_({r.customer_id for r in runs})
            )
        ).all()
    )
    out = []
    for run in runs:
        counts = progress.get(run.id or 0, {"done": 0, "open": 0, "cancelled": 0, "total": 0})
        countable = counts["total"] - counts["cancelled"]
        out.append(
            {
                "id": run.id,
                "playbook": books.get(run.playbook_id),
                "customer": names.get(run.customer_id),
                "customer_id": run.customer_id,
                "status": run.status,
                "started_at": run.started_at.isoformat(timespec="seconds"),
                "finished_at": run.finished_at.isoformat(timespec="seconds")
                if run.finished_at
                else None,
                "started_by": run.started_by,
                "trigger": run.trigger,
                "tasks_done": counts["done"],
                "tasks_open": counts["open"],
                "tasks_total": countable,
                "progress": round(counts["done"] / countable, 2) if countable else 0.0,
            }
        )
    return out
