"""Which customers a sweep of the rules must compare.

Every change to a customer is compared with what the rules last saw when it
is written (the change hooks, `engine`). What is left for `automations run`
is what time alone moves: days since contact grow, renewals come closer,
custom conditions over those (and the 7-day momentum) turn true. So a sweep
looks at:

* every active customer when there is no record of an earlier sweep, when
  the rules or the settings they read changed since (`signature`), when the
  date went back, or — with custom rules, whose conditions are evaluated in
  full — on a new day;
* otherwise, on a new day, only the customers for which an event of an
  enabled rule or webhook changes its answer between the last sweep's day
  and today (`time_candidates`: days since contact crossing a `no_contact`
  threshold, a renewal entering or leaving a `renewal_approaching` window),
  found with one SQL pass; and on any day the active customers the rules
  never saw (`unwatched`: every change is compared as it is written, so
  none should be; this keeps one written some other way from going unseen).

A customer none of that selects compares equal by construction: its stored
facts are still true of it for every event. `alert_upkeep` keeps the day and
signature of the last sweep per client.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import insert, select, text, update
from sqlalchemy.engine import Connection
from sqlmodel import Session

from iqcadence.core.alerts.events import EventSpec
from iqcadence.core.alerts.scan import select_ids
from iqcadence.core.base import clock
from iqcadence.core.store import dialect, settings
from iqcadence.core.store.models.alert_current import AlertUpkeep
from iqcadence.core.store.models.alerts import AlertRule

UPKEEP = AlertUpkeep.__table__  # type: ignore[attr-defined]


def signature(
    session: Session, client_id: int, specs: Sequence[EventSpec], custom: Sequence[AlertRule]
) -> str:
    """What the sweep's answers depend on besides the customers and the date:
    the event specs in force, the custom rules (and the settings their
    conditions read)."""
    return json.dumps(
        {
            "events": sorted({spec.label() for spec in specs}),
            "custom": sorted(
                [rule.id or 0, rule.revision, list(rule.conditions)] for rule in custom
            ),
            "scoring": settings.load_scoring_config(session, client_id).to_dict()
            if custom
            else None,
        },
        sort_keys=True,
    )


def last_sweep(conn: Connection, client_id: int) -> tuple[date | None, str | None]:
    """The day and signature of the client's last sweep (None, None: none)."""
    found = conn.execute(
        select(UPKEEP.c.swept_on, UPKEEP.c.sweep_signature).where(UPKEEP.c.client_id == client_id)
    ).first()
    return (None, None) if found is None else (found[0], found[1])


def record_sweep(conn: Connection, client_id: int, day: date, sweep_signature: str) -> None:
    values = {"swept_on": day, "sweep_signature": sweep_signature, "updated_at": clock.now()}
    done = conn.execute(update(UPKEEP).where(UPKEEP.c.client_id == client_id).values(**values))
    if not done.rowcount:
        conn.execute(insert(UPKEEP).values(client_id=client_id, **values))


def time_candidates(
    conn: Connection, client_id: int, since: date, today: date, specs: Sequence[EventSpec]
) -> set[int]:
    """Active customers for which an event of `specs` gives another answer
    today than on `since` (earlier), their stored values being the same."""
    conditions: list[str] = []
    params: dict[str, Any] = {"client_id": client_id}
    days_then = dialect.effective_days_sql(conn, since)
    days_now = dialect.effective_days_sql(conn, today)
    for spec in specs:
        if spec.param is None:
            continue
        if spec.type == "no_contact":
            # days since contact only grow: crossing the threshold is the change
            name = f"limit{len(params)}"
            params[name] = spec.param
            conditions.append(f"({days_now} > :{name} AND {days_then} <= :{name})")
        elif spec.type == "renewal_approaching":
            # within [day, day + p] on one date and not on the other
            reach = math.floor(min(spec.param, float(date.max.toordinal())))
            now_in = _between(conn, today, _plus(today, reach))
            then_in = _between(conn, since, _plus(since, reach))
            conditions.append(
                f"(({now_in}) AND NOT ({then_in})) OR (({then_in}) AND NOT ({now_in}))"
            )
    if not conditions:
        return set()
    sql = (
        "SELECT id FROM customer WHERE client_id = :client_id AND status = 'active' AND ("
        + " OR ".join(f"({c})" for c in conditions)
        + ")"
    )
    return {int(cid) for (cid,) in conn.execute(text(sql), params)}


def unwatched(conn: Connection, client_id: int) -> set[int]:
    """Active customers the rules have never seen. The ids come from two
    indexes alone (active customers of every client by status, every
    customer watched); only the few left over are looked up for their
    client — a third of the cost of probing the watches customer by customer."""
    active = {int(cid) for (cid,) in conn.execute(text(_ACTIVE_IDS))}
    active.difference_update(int(cid) for (cid,) in conn.execute(text(_WATCHED_IDS)))
    if not active:
        return set()
    sql = "SELECT id FROM customer WHERE client_id = :client_id"
    found = select_ids(conn, sql, "id", sorted(active), {"client_id": client_id})
    return {int(cid) for (cid,) in found}


_ACTIVE_IDS = "SELECT id FROM customer WHERE status = 'active'"
_WATCHED_IDS = "SELECT customer_id FROM customer_watch"


def _between(conn: Connection, low: date, high: date) -> str:
    return (
        f"renewal_date >= {dialect.date_literal(conn, low)} "
        f"AND renewal_date <= {dialect.date_literal(conn, high)}"
    )


def _plus(day: date, days: int) -> date:
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max
