"""Users, roles and the acting user every write is recorded against."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session, select

from iqcadence.core.base.actor import ROLES, Actor
from iqcadence.core.base.errors import Conflict, InvalidValue, NotFound
from iqcadence.core.store import db as dbmod
from iqcadence.core.store.models import User


def resolve_actor(session: Session, identity: str | None = None) -> Actor:
    """The acting user: `identity` (from --as), else IQCADENCE_USER, else the
    login name. It must exist; the client is the first one (Default)."""
    email = dbmod.default_user_identity(identity)
    # One plain SELECT (the user and the first client's id): every command
    # and the app start here, and an ORM query is compiled on its first use.
    row = (
        session.connection()
        .execute(
            text(
                "SELECT u.email, u.role, u.name, (SELECT MIN(c.id) FROM client c) "
                'FROM "user" u WHERE u.email = :email'
            ),
            {"email": email},
        )
        .first()
    )
    if row is None:
        known = ", ".join(u.email for u in session.exec(select(User).order_by(User.email)).all())
        raise NotFound(
            f"user {email!r} is not known in this database (known: {known or 'none'}); "
            "an admin can add it with `iqcadence users add EMAIL --role csm`."
        )
    user_email, role, name, client_id = row
    if client_id is None:
        raise NotFound("this database has no client; run `iqcadence db upgrade`.")
    return Actor(email=user_email, role=role, client_id=int(client_id), name=name)


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
    if session.exec(select(User).where(User.email == email)).first() is not None:
        raise Conflict(f"user {email!r} already exists.")
    user = User(email=email, role=role, name=name or email.split("@")[0])
    session.add(user)
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
    audit.record(session, actor, "user.role", details={"email": email, "from": before, "to": role})
    session.commit()
    return user


def remove_user(session: Session, actor: Actor, email: str) -> None:
    from iqcadence.core.store import audit

    actor.require_admin("manage users")
    user = _get_user(session, email)
    if user.role == "admin":
        _keep_one_admin(session, user)
    session.delete(user)
    audit.record(session, actor, "user.remove", details={"email": email})
    session.commit()


def _get_user(session: Session, email: str) -> User:
    user = session.exec(select(User).where(User.email == email.strip())).first()
    if user is None:
        raise NotFound(f"user {email!r} does not exist.")
    return user


def _keep_one_admin(session: Session, leaving: User) -> None:
    admins = session.exec(select(User).where(User.role == "admin")).all()
    if len([u for u in admins if u.id != leaving.id]) == 0:
        raise Conflict(f"{leaving.email} is the last admin; make someone else admin first.")


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise InvalidValue(f"role: {role!r} is not one of {', '.join(ROLES)}.")
