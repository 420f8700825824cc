"""Whose accounts a view covers: the acting user's own, or the whole portfolio.

"My" accounts are the active customers where the user is the primary owner
or a co-owner, or whose `manager` equals the user's name or e-mail (any
case), so portfolios assigned before owners existed still count. The user
is found by e-mail in any case, as everywhere (`store.users`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from iqcadence.core.base.actor import Actor
from iqcadence.core.store.models import User
from iqcadence.core.store.users import find_user


def scope_sql(
    session: Session, actor: Actor, *, everyone: bool = False
) -> tuple[str, dict[str, Any]]:
    """WHERE clause (over `customer`) selecting the user's active accounts."""
    params: dict[str, Any] = {"client_id": actor.client_id}
    clause = "customer.client_id = :client_id AND customer.status = 'active'"
    if everyone:
        return clause, params
    user = find_user(session, actor.email)
    names = {actor.email.lower()}
    if user is not None and user.name.strip():
        names.add(user.name.strip().lower())
    placeholders = []
    for index, name in enumerate(sorted(names)):
        params[f"me_{index}"] = name
        placeholders.append(f":me_{index}")
    params["me_id"] = _user_id(user)
    clause += (
        " AND (customer.id IN (SELECT o.customer_id FROM customer_owner o "
        "WHERE o.user_id = :me_id AND o.role IN ('primary', 'co_owner')) "
        f"OR LOWER(customer.manager) IN ({', '.join(placeholders)}))"
    )
    return clause, params


def _user_id(user: User | None) -> int:
    # No user row (an actor made without one): an id no row has.
    return user.id if user is not None and user.id is not None else -1


def owns_accounts(session: Session, actor: Actor) -> bool:
    """Whether the user has active accounts of their own (as primary or
    co-owner, or named as manager): My day then shows those alone.

    Two indexed look-ups instead of one OR-ed scan of every customer (which
    finds nothing for a lone admin only after reading the whole table)."""
    user = find_user(session, actor.email)
    conn = session.connection()
    owned = conn.execute(
        text(
            "SELECT 1 FROM customer_owner o "
            "JOIN customer ON customer.id = o.customer_id "
            "WHERE o.user_id = :me_id AND o.role IN ('primary', 'co_owner') "
            "AND customer.client_id = :client_id AND customer.status = 'active' LIMIT 1"
        ),
        {"me_id": _user_id(user), "client_id": actor.client_id},
    ).first()
    if owned is not None:
        return True
    name = actor.name
    if not name.strip():  # an Actor made without the user's name
        name = user.name if user is not None else ""
    names = {actor.email.lower()}
    if name.strip():
        names.add(name.strip().lower())
    # The distinct managers come from the manager index alone, one seek per
    # manager (a recursive walk from each name to the next, instead of a
    # DISTINCT reading every entry); the match is case-insensitive as in
    # `scope_sql`.
    managers = [
        str(m)
        for (m,) in conn.execute(
            text(
                "WITH RECURSIVE managers(name) AS ("
                "SELECT MIN(manager) FROM customer UNION ALL "
                "SELECT (SELECT MIN(c.manager) FROM customer c WHERE c.manager > managers.name) "
                "FROM managers WHERE managers.name IS NOT NULL) "
                "SELECT name FROM managers WHERE name IS NOT NULL"
            )
        )
        if str(m).strip().lower() in names
    ]
    if not managers:
        return False
    marks = ", ".join(f":m{i}" for i in range(len(managers)))
    managed = conn.execute(
        text(
            f"SELECT 1 FROM customer WHERE customer.manager IN ({marks}) "
            "AND customer.client_id = :client_id AND customer.status = 'active' LIMIT 1"
        ),
        {"client_id": actor.client_id, **{f"m{i}": m for i, m in enumerate(managers)}},
    ).first()
    return managed is not None
