"""Users, roles and the acting user every write is recorded against.

A user's e-mail matches in any case (`ADMIN@example.com` is
`admin@example.com`), in the database's own `lower()` on both sides so that
SQLite and PostgreSQL agree. E-mails are stored as given: databases from
before this rule may hold two users differing only in case, and then the
exact spelling picks one and any other spelling is refused as ambiguous.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from sqlalchemy import func, text
from sqlmodel import Session, col, select

from iqcadence.core.base.actor import ROLES, Actor
from iqcadence.core.base.errors import Conflict, InvalidValue, NotFound
from iqcadence.core.store import db as dbmod
from iqcadence.core.store.models import User
from iqcadence.core.store.models.api import UserClient

T = TypeVar("T")


class UserNotChosen(NotFound):
    """Nobody was named and the database has several users: the caller asks
    which one (`users`: e-mail, name and role of each)."""

    def __init__(self, users: list[tuple[str, str, str]]) -> None:
        shown = ", ".join(email for email, _name, _role in users[:6])
        more = f" and {len(users) - 6} more" if len(users) > 6 else ""
        super().__init__(
            f"this database has {len(users)} users ({shown}{more}); say which one you are "
            "with --as EMAIL or the IQCADENCE_USER environment variable."
        )
        self.users = users


def only_user(session: Session) -> str:
    """The e-mail of the database's one user; UserNotChosen when it has
    several, NotFound when it has none."""
    rows = (
        session.connection()
        .execute(text('SELECT email, name, role FROM "user" ORDER BY email'))
        .all()
    )
    if len(rows) == 1:
        return str(rows[0][0])
    if not rows:
        raise NotFound(
            "this database has no user; name one with --as EMAIL or IQCADENCE_USER "
            "(the first run creates it)."
        )
    raise UserNotChosen([(str(e), str(n or ""), str(r)) for e, n, r in rows])


def resolve_actor(
    session: Session, identity: str | None = None, client: str | None = None
) -> Actor:
    """The acting user: `identity` (from --as), else IQCADENCE_USER, else the
    database's one user (UserNotChosen when it has several: never the login
    name of the machine's account). It must exist. It acts in `client` (from
    --client), else IQCADENCE_CLIENT, else the first client it may act in
    (see `clients`)."""
    from iqcadence.core.store import clients

    email = dbmod.given_user_identity(identity) or only_user(session)
    # One plain SELECT (the user and its first client): every command
    # and the app start here, and an ORM query is compiled on its first use.
    rows = (
        session.connection()
        .execute(
            text(
                f"SELECT u.email, u.role, u.name, u.id, {_FIRST_CLIENT.format('id')}, "
                f"{_FIRST_CLIENT.format('name')} "
                'FROM "user" u WHERE LOWER(u.email) = LOWER(:email) ORDER BY u.email'
            ),
            {"email": email},
        )
        .all()
    )
    row = _one_spelling(email, rows, lambda r: str(r[0]))
    if row is None:
        known = ", ".join(u.email for u in session.exec(select(User).order_by(User.email)).all())
        raise NotFound(
            f"user {email!r} is not known in this database (known: {known or 'none'}); "
            "an admin can add it with `iqcadence users add EMAIL --role csm`."
        )
    user_email, role, name, user_id, client_id, client_name = row
    wanted = clients.requested_client(client)
    if wanted is not None:
        client_id, client_name = clients.choose_client(session, int(user_id), role, wanted)
    elif client_id is None:
        raise NotFound("this database has no client; run `iqcadence db upgrade`.")
    return Actor(
        email=user_email,
        role=role,
        client_id=int(client_id),
        name=name,
        client_name=str(client_name),
    )


# The first client a user may act in (clients.allowed_client_ids, as SQL over
# `u`): the lowest assigned one, else (and for admins) the lowest of all.
_FIRST_CLIENT = (
    "(SELECT c.{} FROM client c WHERE c.id = COALESCE(CASE WHEN u.role <> 'admin' "
    "THEN (SELECT MIN(uc.client_id) FROM user_client uc WHERE uc.user_id = u.id) END, "
    "(SELECT MIN(c2.id) FROM client c2)))"
)


def list_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(User.email)).all())


def add_user(
    session: Session, actor: Actor, email: str, *, role: str = "csm", name: str = ""
) -> User:
    from iqcadence.core.store import audit

    actor.require_admin("manage users")
    email = email.strip()
    if not email:
        raise InvalidValue("email: must not be empty.")
    _check_role(role)
    same = find_users(session, email)
    if same:
        raise Conflict(f"user {same[0].email!r} already exists.")
    user = User(email=email, role=role, name=name or email.split("@")[0])
    session.add(user)
    session.flush()
    assert user.id is not None
    # a new user works in the client it was added in
    session.add(UserClient(user_id=user.id, client_id=actor.client_id))
    audit.record(session, actor, "user.add", details={"email": email, "role": role})
    session.commit()
    return user


def set_role(session: Session, actor: Actor, email: str, role: str) -> User:
    from iqcadence.core.store import audit

    actor.require_admin("manage users")
    _check_role(role)
    user = _get_user(session, email)
    before = user.role
    if before == "admin" and role != "admin":
        _keep_one_admin(session, user)
    user.role = role
    session.add(user)
    audit.record(
        session, actor, "user.role", details={"email": user.email, "from": before, "to": role}
    )
    session.commit()
    return user


def remove_user(session: Session, actor: Actor, email: str) -> None:
    from iqcadence.core.store import audit

    actor.require_admin("manage users")
    user = _get_user(session, email)
    if user.role == "admin":
        _keep_one_admin(session, user)
    session.delete(user)
    audit.record(session, actor, "user.remove", details={"email": user.email})
    session.commit()


def find_users(session: Session, email: str) -> list[User]:
    """Every user whose e-mail is `email` in any case (one, except in old
    databases holding the same address in two spellings)."""
    return list(
        session.exec(
            select(User)
            .where(func.lower(col(User.email)) == func.lower(email.strip()))
            .order_by(col(User.email))
        ).all()
    )


def find_user(session: Session, email: str) -> User | None:
    """The user with this e-mail in any case, or None; refuses a spelling
    that matches several users only in different cases."""
    return _one_spelling(email.strip(), find_users(session, email), lambda u: u.email)


def _one_spelling(email: str, found: Sequence[T], email_of: Callable[[T], str]) -> T | None:
    if len(found) <= 1:
        return found[0] if found else None
    exact = [item for item in found if email_of(item) == email]
    if exact:
        return exact[0]
    spellings = ", ".join(repr(email_of(item)) for item in found)
    raise Conflict(
        f"user {email!r} matches several users that differ only in case ({spellings}); "
        "give one of them exactly."
    )


def _get_user(session: Session, email: str) -> User:
    user = find_user(session, email)
    if user is None:
        raise NotFound(f"user {email.strip()!r} does not exist.")
    return user


def _keep_one_admin(session: Session, leaving: User) -> None:
    admins = session.exec(select(User).where(User.role == "admin")).all()
    if len([u for u in admins if u.id != leaving.id]) == 0:
        raise Conflict(f"{leaving.email} is the last admin; make someone else admin first.")


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise InvalidValue(f"role: {role!r} is not one of {', '.join(ROLES)}.")
