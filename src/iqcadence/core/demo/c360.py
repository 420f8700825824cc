"""Demo records for Customer 360: contacts, timeline, tasks, playbooks and runs.

`build_customer360` is a section of `portfolio.SECTIONS`. It stays fast at any
portfolio size by working on a bounded sample of the customers (every one
of a small demo), with multi-row INSERTs only:

* 2–4 contacts per customer (up to CONTACT_CUSTOMERS customers);
* about 90 days of timeline per customer (up to TIMELINE_CUSTOMERS): emails,
  meetings, calls and messages with those contacts (the newest on the
  customer's last-contact date, so the timeline agrees with the days
  signal), notes, product events, one ticket event per open ticket (the
  timeline then owns the tickets signal) plus solved ones, and a
  health_change event for every band move in the score history;
* open and done tasks for each CSM (up to TASK_CUSTOMERS customers);
* the three example playbooks, with active runs of "Rescue at-risk account"
  on at-risk accounts and "Renewal prep" on accounts renewing within 90 days.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert, text

from iqcadence.core.accounts import health_changes
from iqcadence.core.accounts.playbooks import spec_from_dict
from iqcadence.core.demo.bulk import bulk_insert
from iqcadence.core.demo.context import DemoContext, DemoCustomer
from iqcadence.core.scoring.formula import effective_days
from iqcadence.core.store.models.customer360 import (
    EventSignal,
    Playbook,
    PlaybookRun,
    Task,
    TimelineEvent,
)

CONTACT_CUSTOMERS = 2_000
TIMELINE_CUSTOMERS = 500
TASK_CUSTOMERS = 300
MAX_RUNS = 25
CHUNK = 2_000
CONVERSATION = ("email", "meeting", "call")

FIRST_NAMES = (
    "Ana", "Ben", "Carla", "Dev", "Elif", "Farid", "Greta", "Hiro", "Ines", "Jakub",
    "Kofi", "Lena", "Mateo", "Nadia", "Olu", "Paula", "Quinn", "Rosa", "Sven", "Tara",
    "Umar", "Vera", "Wen", "Xavi", "Yara", "Zoltan",
)  # fmt: skip
LAST_NAMES = (
    "Almeida", "Berg", "Costa", "Dahl", "Eriksen", "Fischer", "García", "Haddad", "Ivanova",
    "Jensen", "Kowalski", "López", "Moreau", "Novak", "Okoro", "Petrov", "Quist", "Rossi",
    "Sato", "Tanaka", "Umeh", "Varga", "Weiss", "Yilmaz", "Zanetti",
)  # fmt: skip
ROLES = ("champion", "stakeholder", "billing", "technical")
EMAIL_SUBJECTS = (
    "Quarterly review follow-up",
    "Question about the new reporting module",
    "Renewal timeline",
    "Invoice for this quarter",
    "Onboarding the new team",
    "SSO setup",
    "Feature request: bulk export",
)
MEETING_TITLES = ("QBR", "Roadmap preview", "Weekly sync", "Training session", "Exec check-in")
CALL_TITLES = ("Check-in call", "Escalation call", "Renewal call", "Intro call")
MESSAGE_TITLES = ("Quick question on Slack", "Shared a doc", "Thanks for the help")
NOTE_TITLES = (
    "Champion moving to a new role in Q1",
    "Budget approved for next year",
    "Asked for a roadmap preview",
    "Unhappy with support response times",
)
PRODUCT_EVENTS = ("feature_used", "report_exported", "integration_connected", "login")
TICKET_TITLES = (
    "Cannot export to CSV",
    "SSO login loop",
    "Dashboard slow to load",
    "Webhook failing",
    "Billing address wrong",
)
TASK_TITLES = (
    "Send the QBR deck",
    "Follow up on the open ticket",
    "Book the renewal call",
    "Share the roadmap preview",
    "Check adoption of the new module",
)

DEMO_PLAYBOOKS: tuple[dict[str, Any], ...] = (
    {
        "name": "Rescue at-risk account",
        "description": "Find out why the account is slipping and agree a recovery plan.",
        "trigger": "band <= at_risk and lifecycle != churned and status = active",
        "steps": [
            {"title": "Read the breakdown: which signals dropped and why", "offset_days": 0},
            {"title": "Call the champion", "offset_days": 1},
            {"title": "Escalate blocking tickets", "offset_days": 2, "owner": "co_owner"},
            {"title": "Agree a recovery plan with dates", "offset_days": 7},
            {"title": "Check the plan: are logins and adoption recovering?", "offset_days": 21},
        ],
    },
    {
        "name": "Renewal prep",
        "description": "Line up value, risks and the proposal well before the renewal date.",
        "trigger": "renewal_within <= 90 and lifecycle != churned and status = active",
        "steps": [
            {"title": "Review health, usage trend and open tickets", "offset_days": 0},
            {"title": "Confirm the decision maker and the champion", "offset_days": 7},
            {"title": "Hold a value review with the customer", "offset_days": 21},
            {"title": "Send the renewal proposal", "offset_days": 45, "owner": "co_owner"},
            {"title": "Chase signature", "offset_days": 75},
        ],
    },
    {
        "name": "Onboarding",
        "description": "Get a new account live and using the product in its first month.",
        "trigger": "lifecycle = onboarding",
        "steps": [
            {"title": "Welcome email and kick-off invite", "offset_days": 0},
            {"title": "Kick-off meeting: goals and success criteria", "offset_days": 3},
            {"title": "Technical setup and first integration", "offset_days": 7},
            {"title": "Training session for the main users", "offset_days": 14},
            {"title": "30-day check: adoption against the success criteria", "offset_days": 30},
        ],
    },
)


def _insert(ctx: DemoContext, model: Any, rows: list[dict[str, Any]]) -> int:
    for start in range(0, len(rows), CHUNK):
        ctx.conn.execute(insert(model), rows[start : start + CHUNK])
    return len(rows)


def _insert_plain(ctx: DemoContext, table: str, rows: list[dict[str, Any]]) -> int:
    """Rows without JSON columns, through the demo's raw executemany."""
    if not rows:
        return 0
    columns = list(rows[0])
    return bulk_insert(ctx.conn, table, columns, [tuple(r[c] for c in columns) for r in rows])


def _at(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(rng.randint(8, 17), rng.choice((0, 15, 30, 45))))


def _manager_emails(ctx: DemoContext) -> dict[str, str]:
    return {m.name: m.email for m in ctx.managers}


def build_customer360(ctx: DemoContext) -> int:
    """Contacts, timeline, tasks, playbooks and runs for the demo portfolio."""
    rng = ctx.rng_for("customer360")
    written = 0
    sample = ctx.customers[:CONTACT_CUSTOMERS]
    contacts = _contacts(ctx, sample, rng)
    written += _insert_plain(ctx, "contact", [row for rows in contacts.values() for row in rows])
    ids = {
        (int(cid), name): int(pk)
        for pk, cid, name in ctx.conn.execute(text("SELECT id, customer_id, name FROM contact"))
    }
    written += _timeline(ctx, ctx.customers[:TIMELINE_CUSTOMERS], contacts, ids, rng)
    written += _tasks(ctx, ctx.customers[:TASK_CUSTOMERS], rng)
    written += _playbooks(ctx, rng)
    return written


def _contacts(
    ctx: DemoContext, sample: list[DemoCustomer], rng: random.Random
) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {}
    for customer in sample:
        count = rng.randint(2, 4)
        names: set[str] = set()
        rows = []
        roles = ["champion", *rng.sample(ROLES[1:], k=min(count - 1, 3))]
        while len(names) < count:
            names.add(f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}")
        for index, name in enumerate(sorted(names)):
            first, last = name.split(" ", 1)
            local = f"{first}.{last}".lower().translate(str.maketrans("íóáé", "ioae"))
            rows.append(
                {
                    "customer_id": customer.id,
                    "name": name,
                    "name_key": name.casefold(),
                    "email": f"{local}@{customer.domain}",
                    "phone": f"+1 555 {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
                    "role": roles[index % len(roles)],
                    "created_at": ctx.now,
                    "updated_at": ctx.now,
                }
            )
        out[customer.id] = rows
    return out


def _timeline(
    ctx: DemoContext,
    sample: list[DemoCustomer],
    contacts: dict[int, list[dict[str, Any]]],
    contact_ids: dict[tuple[int, str], int],
    rng: random.Random,
) -> int:
    if not sample:
        return 0
    managers = _manager_emails(ctx)
    by_id = {c.id: c for c in sample}
    state = _customer_state(ctx, list(by_id))
    rows: list[dict[str, Any]] = []
    marks: list[dict[str, Any]] = []
    for customer in sample:
        author = managers.get(customer.manager, ctx.actor.email)
        people = contacts.get(customer.id, [])
        tickets, baseline, as_of = state.get(customer.id, (None, None, None))
        days = effective_days(baseline, as_of, ctx.today)
        last_contact = ctx.today - timedelta(days=days) if days is not None else None

        def event(
            kind: str,
            title: str,
            day: date,
            *,
            _cid: int = customer.id,
            _people: list[dict[str, Any]] = people,
            _author: str = author,
            **extra: Any,
        ) -> dict[str, Any]:
            person = rng.choice(_people) if _people and kind in CONVERSATION else None
            row: dict[str, Any] = {
                "customer_id": _cid,
                "kind": kind,
                "at": _at(day, rng),
                "contact_id": contact_ids.get((_cid, person["name"])) if person else None,
                "author": _author,
                "title": title,
                "body": None,
                "status": None,
                "priority": None,
                "properties": {},
                "source": None,
                "external_id": None,
                "created_at": ctx.now,
            }
            row.update(extra)
            return row

        # conversations, the newest on the last-contact date
        if last_contact is not None and last_contact <= ctx.today:
            rows.append(event("email", rng.choice(EMAIL_SUBJECTS), last_contact))
            horizon = last_contact
        else:
            horizon = ctx.today - timedelta(days=120)
        for _ in range(rng.randint(2, 6)):
            back = rng.randint(1, 90)
            day = horizon - timedelta(days=back)
            if day < ctx.today - timedelta(days=90):
                continue
            kind = rng.choice(("email", "email", "meeting", "call", "message"))
            title = {
                "email": EMAIL_SUBJECTS,
                "meeting": MEETING_TITLES,
                "call": CALL_TITLES,
                "message": MESSAGE_TITLES,
            }[kind]
            rows.append(event(kind, rng.choice(title), day))
        if rng.random() < 0.5:
            day = ctx.today - timedelta(days=rng.randint(0, 60))
            rows.append(event("note", rng.choice(NOTE_TITLES), day))
        for _ in range(rng.randint(0, 3)):
            day = ctx.today - timedelta(days=rng.randint(0, 30))
            name = rng.choice(PRODUCT_EVENTS)
            props = {"feature": rng.choice(("reports", "exports", "alerts", "api"))}
            rows.append(event("product_event", name, day, properties=props))
        # tickets: one event per open ticket, so the timeline owns the signal
        open_count = int(tickets or 0)
        for number in range(open_count + rng.randint(0, 2)):
            is_open = number < open_count
            day = ctx.today - timedelta(days=rng.randint(0, 45))
            rows.append(
                event(
                    "ticket",
                    rng.choice(TICKET_TITLES),
                    day,
                    status=rng.choice(("open", "pending")) if is_open else "solved",
                    priority=rng.choice(("low", "normal", "normal", "high", "urgent")),
                    source="zendesk",
                    external_id=f"ZD-{customer.id}-{number + 1}",
                )
            )
        if tickets is not None:
            marks.append(
                {
                    "customer_id": customer.id,
                    "signal": "tickets",
                    "value": open_count,
                    "updated_at": ctx.now,
                }
            )
    rows.extend(_health_changes(ctx, list(by_id)))
    return _insert(ctx, TimelineEvent, rows) + _insert(ctx, EventSignal, marks)


def _customer_state(
    ctx: DemoContext, ids: list[int]
) -> dict[int, tuple[int | None, int | None, date | None]]:
    out: dict[int, tuple[int | None, int | None, date | None]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join(f":i{n}" for n in range(len(chunk)))
        for cid, tickets, baseline, as_of in ctx.conn.execute(
            text(
                f"SELECT id, tickets, days_baseline, days_as_of FROM customer WHERE id IN ({marks})"
            ),
            {f"i{n}": v for n, v in enumerate(chunk)},
        ):
            day = date.fromisoformat(str(as_of)[:10]) if as_of is not None else None
            out[int(cid)] = (tickets, baseline, day)
    return out


def _health_changes(ctx: DemoContext, ids: list[int]) -> list[dict[str, Any]]:
    """A health_change event for every band move in the score history."""
    rows: list[dict[str, Any]] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join(f":i{n}" for n in range(len(chunk)))
        previous: dict[int, tuple[Any, Any]] = {}
        for cid, taken_at, score, band in ctx.conn.execute(
            text(
                "SELECT customer_id, taken_at, score, band FROM score_snapshot "
                f"WHERE customer_id IN ({marks}) ORDER BY customer_id, taken_at, id"
            ),
            {f"i{n}": v for n, v in enumerate(chunk)},
        ):
            cid = int(cid)
            before = previous.get(cid)
            previous[cid] = (score, band)
            if before is None or before[1] == band or before[1] is None:
                continue
            at = taken_at if isinstance(taken_at, datetime) else datetime.fromisoformat(taken_at)
            rows.append(
                {
                    "customer_id": cid,
                    "kind": "health_change",
                    "at": at,
                    "contact_id": None,
                    "author": ctx.actor.email,
                    "title": health_changes.health_title(before[1], band),
                    "body": None,
                    "status": None,
                    "priority": None,
                    "properties": {
                        "from": before[1],
                        "to": band,
                        "score_from": before[0],
                        "score_to": score,
                        "signals": [],
                        "cause": "history",
                    },
                    "source": None,
                    "external_id": None,
                    "created_at": ctx.now,
                }
            )
    return rows


def _tasks(ctx: DemoContext, sample: list[DemoCustomer], rng: random.Random) -> int:
    managers = _manager_emails(ctx)
    rows = []
    for customer in sample:
        owner = managers.get(customer.manager, ctx.actor.email)
        for _ in range(rng.randint(0, 2)):
            due = ctx.today + timedelta(days=rng.randint(-10, 20))
            done = due < ctx.today and rng.random() < 0.5
            rows.append(
                {
                    "customer_id": customer.id,
                    "title": rng.choice(TASK_TITLES),
                    "description": None,
                    "due": due,
                    "owner": owner,
                    "status": "done" if done else "open",
                    "outcome": "Done as planned." if done else None,
                    "playbook_run_id": None,
                    "step": None,
                    "created_by": owner,
                    "created_at": ctx.now - timedelta(days=30),
                    "completed_at": _at(due, rng) if done else None,
                }
            )
    return _insert(ctx, Task, rows)


def _playbooks(ctx: DemoContext, rng: random.Random) -> int:
    written = 0
    book_ids: dict[str, int] = {}
    for data in DEMO_PLAYBOOKS:
        parsed = spec_from_dict(data, source="demo")
        result = ctx.conn.execute(
            insert(Playbook).values(
                client_id=ctx.actor.client_id,
                name=parsed.name,
                name_key=parsed.name.casefold(),
                description=parsed.description,
                trigger=parsed.trigger,
                steps=[s.to_dict() for s in parsed.steps],
                enabled=True,
                created_at=ctx.now,
                updated_at=ctx.now,
            )
        )
        key = result.inserted_primary_key
        assert key is not None
        book_ids[parsed.name] = int(key[0])
        written += 1
    managers = _manager_emails(ctx)
    at_risk = [c for c in ctx.customers if c.band in ("at_risk", "critical")][:MAX_RUNS]
    renewing = [
        c
        for c in ctx.customers
        if 0 <= (c.renewal_date - ctx.today).days <= 90 and c.band not in ("at_risk", "critical")
    ][:MAX_RUNS]
    by_name = {spec["name"]: spec for spec in DEMO_PLAYBOOKS}
    for name, targets in (("Rescue at-risk account", at_risk), ("Renewal prep", renewing)):
        spec = by_name[name]
        for customer in targets:
            started = ctx.today - timedelta(days=rng.randint(0, 12))
            owner = managers.get(customer.manager, ctx.actor.email)
            result = ctx.conn.execute(
                insert(PlaybookRun).values(
                    playbook_id=book_ids[name],
                    customer_id=customer.id,
                    status="active",
                    started_at=_at(started, rng),
                    started_by=owner,
                    trigger=str(spec["trigger"]),
                )
            )
            key = result.inserted_primary_key
            assert key is not None
            run_id = int(key[0])
            rows = []
            for step, item in enumerate(spec["steps"], start=1):
                due = started + timedelta(days=int(item["offset_days"]))
                done = due < ctx.today and rng.random() < 0.7
                rows.append(
                    {
                        "customer_id": customer.id,
                        "title": item["title"],
                        "description": None,
                        "due": due,
                        "owner": owner,
                        "status": "done" if done else "open",
                        "outcome": "Done." if done else None,
                        "playbook_run_id": run_id,
                        "step": step,
                        "created_by": owner,
                        "created_at": _at(started, rng),
                        "completed_at": _at(due, rng) if done else None,
                    }
                )
            written += 1 + _insert(ctx, Task, rows)
    return written
