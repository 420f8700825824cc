"""Clients (tenants): which ones a user may act in, and managing them.

Every record belongs to one client. Admins may act in every client; another
user acts in the clients they are assigned to (`users assign`), or, assigned
to none, in the first client (lowest id) alone, as every user did before
clients could be managed. A command acts in the client it names (`--client`,
`IQCADENCE_CLIENT`), else in the first one the user may act in.

A client another user may not act in is reported exactly as one that does
not exist, so that its name cannot be probed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, func, insert, text
from sqlmodel import Session, SQLModel, col, select

from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import Conflict, InvalidValue, NotFound, PermissionDenied
from iqcadence.core.store import audit
from iqcadence.core.store.models import Client, Customer, User
from iqcadence.core.store.models.api import UserClient

CLIENT_ENV = "IQCADENCE_CLIENT"
MAX_NAME = 100


def requested_client(given: str | None = None) -> str | None:
    """The client asked for: `given` (from --client), else IQCADENCE_CLIENT."""
    chosen = given if given is not None else os.environ.get(CLIENT_ENV, "")
    return chosen.strip() or None


def clean_client_name(name: str) -> str:
    cleaned = " ".join(str(name).split())
    if not cleaned:
        raise InvalidValue("client name: must not be empty.")
    if len(cleaned) > MAX_NAME:
        raise InvalidValue(f"client name: must be at most {MAX_NAME} characters.")
    return cleaned


def allowed_client_ids(session: Session, user_id: int, role: str) -> list[int]:
    """The ids of the clients a user may act in, lowest first."""
    if role == "admin":
        return [int(i) for i in session.exec(select(Client.id).order_by(col(Client.id))).all() if i]
    assigned = session.exec(
        select(UserClient.client_id)
        .where(UserClient.user_id == user_id)
        .order_by(col(UserClient.client_id))
    ).all()
    if assigned:
        return [int(i) for i in assigned]
    first = session.exec(select(func.min(Client.id))).one()
    return [] if first is None else [int(first)]


def choose_client(
    session: Session, user_id: int, role: str, requested: str | None
) -> tuple[int, str]:
    """(id, name) of the client a user acts in: `requested` by name (any
    case), else the first one the user may act in."""
    allowed = allowed_client_ids(session, user_id, role)
    if not allowed:
        raise NotFound("this database has no client; run `iqcadence db upgrade`.")
    if requested is None:
        client = session.get(Client, allowed[0])
        assert client is not None
        return allowed[0], client.name
    found = find_client(session, requested)
    if found is None or found.id not in allowed:
        names = ", ".join(_names(session, allowed))
        raise NotFound(f"client {requested.strip()!r} is not one you work for (yours: {names}).")
    assert found.id is not None
    return found.id, found.name


def find_client(session: Session, name: str) -> Client | None:
    key = " ".join(name.split()).casefold()
    for client in session.exec(select(Client).order_by(col(Client.id))).all():
        if client.name.casefold() == key:
            return client
    return None


def _names(session: Session, ids: list[int]) -> list[str]:
    rows = session.exec(select(Client).where(col(Client.id).in_(ids)).order_by(col(Client.id)))
    return [c.name for c in rows.all()]


def _get(session: Session, actor: Actor, name: str) -> Client:
    client = find_client(session, name)
    if client is None:
        known = ", ".join(c.name for c in session.exec(select(Client).order_by(col(Client.id))))
        raise NotFound(f"client {name.strip()!r} does not exist (clients: {known}).")
    return client


# --- listing and managing ------------------------------------------------------------


@dataclass(frozen=True)
class ClientInfo:
    id: int
    name: str
    customers: int
    users: int
    created_at: datetime
    current: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "customers": self.customers,
            "users": self.users,
            "created_at": self.created_at.isoformat(timespec="seconds"),
            "current": self.current,
        }


def list_clients(session: Session, actor: Actor) -> list[ClientInfo]:
    """The clients the acting user may act in, with their customer and
    assigned-user counts."""
    user = _user_row(session, actor)
    allowed = allowed_client_ids(session, user.id or 0, actor.role)
    counts = dict(
        session.exec(
            select(Customer.client_id, func.count())
            .where(col(Customer.client_id).in_(allowed))
            .group_by(col(Customer.client_id))
        ).all()
    )
    users = dict(
        session.exec(
            select(UserClient.client_id, func.count())
            .where(col(UserClient.client_id).in_(allowed))
            .group_by(col(UserClient.client_id))
        ).all()
    )
    clients = session.exec(
        select(Client).where(col(Client.id).in_(allowed)).order_by(col(Client.id))
    )
    return [
        ClientInfo(
            id=c.id or 0,
            name=c.name,
            customers=int(counts.get(c.id or 0, 0)),
            users=int(users.get(c.id or 0, 0)),
            created_at=c.created_at,
            current=c.id == actor.client_id,
        )
        for c in clients.all()
    ]


def _user_row(session: Session, actor: Actor) -> User:
    user = session.exec(
        select(User).where(func.lower(col(User.email)) == actor.email.strip().lower())
    ).first()
    if user is None:
        return User(id=0, email=actor.email, role=actor.role)
    return user


def add_client(session: Session, actor: Actor, name: str) -> Client:
    actor.require_admin("manage clients")
    cleaned = clean_client_name(name)
    if find_client(session, cleaned) is not None:
        raise Conflict(f"client {cleaned!r} already exists.")
    client = Client(name=cleaned)
    session.add(client)
    session.flush()
    audit.record(session, actor, "client.add", details={"client": cleaned})
    session.commit()
    return client


def rename_client(session: Session, actor: Actor, name: str, new_name: str) -> Client:
    actor.require_admin("manage clients")
    client = _get(session, actor, name)
    cleaned = clean_client_name(new_name)
    other = find_client(session, cleaned)
    if other is not None and other.id != client.id:
        raise Conflict(f"client {other.name!r} already exists.")
    before = client.name
    client.name = cleaned
    session.add(client)
    audit.record(session, actor, "client.rename", details={"from": before, "to": cleaned})
    session.commit()
    return client


def client_data(session: Session, client_id: int) -> dict[str, int]:
    """How many records of each kind the client holds (tables with rows only;
    derived tables hold no records of their own)."""
    counts: dict[str, int] = {}
    for table, where in _client_tables():
        if table.info.get("derived"):
            continue
        found = session.connection().execute(
            text(f"SELECT COUNT(*) FROM {table.name} WHERE {where}"), {"client_id": client_id}
        )
        count = int(found.scalar_one())
        if count and table.name not in ("setting", "user_client"):
            counts[table.name] = count
    return counts


def remove_client(
    session: Session, actor: Actor, name: str, *, confirmed_name: str | None = None
) -> dict[str, int]:
    """Delete a client and every record it holds (admins only). A client
    with records needs `confirmed_name` equal to its name. The last client,
    and the one the admin is acting in, cannot be removed. Returns what was
    deleted (table → rows)."""
    actor.require_admin("manage clients")
    client = _get(session, actor, name)
    assert client.id is not None
    if client.id == actor.client_id:
        raise Conflict(
            f"you are working in client {client.name!r}; act in another one "
            "(--client NAME) to remove it."
        )
    if session.exec(select(func.count()).select_from(Client)).one() <= 1:
        raise Conflict(f"{client.name!r} is the only client; a database keeps at least one.")
    held = client_data(session, client.id)
    if held and (confirmed_name is None or " ".join(confirmed_name.split()) != client.name):
        summary = ", ".join(f"{n} {t.replace('_', ' ')}" for t, n in sorted(held.items()))
        raise InvalidValue(
            f"client {client.name!r} holds records ({summary}); removing it deletes them "
            "for good: confirm by typing its name."
        )
    deleted: dict[str, int] = {}
    conn = session.connection()
    for table, where in reversed(_client_tables()):
        result = conn.execute(
            text(f"DELETE FROM {table.name} WHERE {where}"), {"client_id": client.id}
        )
        if result.rowcount:
            deleted[table.name] = int(result.rowcount)
    session.exec(delete(Client).where(col(Client.id) == client.id))
    audit.record(session, actor, "client.remove", details={"client": client.name, **deleted})
    session.commit()
    return deleted


def _client_tables() -> list[tuple[Table, str]]:
    """Every table holding a client's records, parents before children, with
    the condition selecting that client's rows (through `:client_id`, or the
    foreign key to a table that has one)."""
    tables = [t for t in SQLModel.metadata.sorted_tables if t.name not in ("client", "user")]
    where: dict[str, str] = {}
    found: list[tuple[Table, str]] = []
    for table in tables:
        if "client_id" in table.c:
            clause = "client_id = :client_id"
        else:
            clause = ""
            for fk in sorted(table.foreign_keys, key=lambda f: f.column.table.name != "customer"):
                parent = fk.column.table.name
                if parent in where:
                    clause = (
                        f"{fk.parent.name} IN (SELECT {fk.column.name} FROM {parent} "
                        f"WHERE {where[parent]})"
                    )
                    break
            if not clause:
                continue
        where[table.name] = clause
        found.append((table, clause))
    return found


# --- users' clients --------------------------------------------------------------------


def users_of(session: Session, client_id: int) -> list[User]:
    """The users who may act in a client (admins act in every one)."""
    found = []
    for user in session.exec(select(User).order_by(col(User.email))).all():
        if user.id is not None and client_id in allowed_client_ids(session, user.id, user.role):
            found.append(user)
    return found


def require_every_client(session: Session, actor: Actor, what: str) -> None:
    """A copy of the whole database holds every client's records: with more
    than one client, only an admin (who may act in all) may take one."""
    if actor.is_admin:
        return
    if session.exec(select(func.count()).select_from(Client)).one() > 1:
        raise PermissionDenied(
            f"{what} holds every client's records; only an admin may take one "
            f"({actor.email} is a {actor.role})."
        )


def clients_of(session: Session, user: User) -> list[str]:
    """Names of the clients a user may act in."""
    assert user.id is not None
    return _names(session, allowed_client_ids(session, user.id, user.role))


def assign_user(
    session: Session, actor: Actor, email: str, names: list[str], *, replace: bool = False
) -> list[str]:
    """Assign a user to clients (added to those they have, or replacing them
    with `replace`); returns the names of the user's clients afterwards."""
    actor.require_admin("assign users to clients")
    if not names:
        raise InvalidValue("clients: name at least one client.")
    user = session.exec(
        select(User).where(func.lower(col(User.email)) == email.strip().lower())
    ).first()
    if user is None or user.id is None:
        raise NotFound(f"user {email.strip()!r} does not exist.")
    chosen = [_get(session, actor, name) for name in names]
    ids = {c.id for c in chosen if c.id is not None}
    current = set(
        session.exec(select(UserClient.client_id).where(UserClient.user_id == user.id)).all()
    )
    if replace:
        stale = current - ids
        if stale:
            session.exec(
                delete(UserClient).where(
                    col(UserClient.user_id) == user.id, col(UserClient.client_id).in_(stale)
                )
            )
        current -= stale
    fresh = [{"user_id": user.id, "client_id": i} for i in sorted(ids - current)]
    if fresh:
        session.connection().execute(insert(UserClient.__table__), fresh)  # type: ignore[attr-defined]
    audit.record(
        session,
        actor,
        "user.assign",
        details={"email": user.email, "clients": [c.name for c in chosen], "replace": replace},
    )
    session.commit()
    return clients_of(session, user)
