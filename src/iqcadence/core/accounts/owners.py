"""Who owns an account: one primary owner, co-owners and observers (all users).

Rules:
- once an account has any owner it has exactly one primary;
- a user holds one role per account; viewers may only observe;
- setting the primary also sets `customer.manager` to that user's name (or
  e-mail when the user has no name), so the manager column, its filter and
  every report keep naming the person in the header; the change goes through
  `customers.apply_changes` and is audited like any edit;
- observers see the account but do not edit it: `can_edit` is False for a
  user who observes the account (admins excepted), and for every viewer.
  A CSM with no role on an account may edit it (small teams share accounts).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, or_, select

from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import InvalidValue, NotFound, PermissionDenied
from iqcadence.core.store import audit, users
from iqcadence.core.store.models import Customer, User
from iqcadence.core.store.models.crm import OWNER_ROLES, CustomerOwner

ROLE_ORDER = {role: index for index, role in enumerate(OWNER_ROLES)}
EDITING_ROLES = ("primary", "co_owner")


@dataclass(frozen=True)
class Owner:
    email: str
    name: str
    role: str

    def to_dict(self) -> dict[str, Any]:
        return {"email": self.email, "name": self.name, "role": self.role}


def owners_of(session: Session, customer: Customer | int) -> list[Owner]:
    """The account's owners: primary first, then co-owners, then observers."""
    customer_id = customer if isinstance(customer, int) else customer.id
    rows = session.exec(
        select(CustomerOwner, User)
        .join(User, col(User.id) == CustomerOwner.user_id)
        .where(CustomerOwner.customer_id == customer_id)
    ).all()
    owners = [Owner(email=user.email, name=user.name, role=row.role) for row, user in rows]
    return sorted(owners, key=lambda o: (ROLE_ORDER.get(o.role, 9), o.email))


def primary_of(session: Session, customer: Customer | int) -> Owner | None:
    return next((o for o in owners_of(session, customer) if o.role == "primary"), None)


def role_of(session: Session, customer: Customer, email: str) -> str | None:
    """The role `email` (any case) holds on the account, or None."""
    user = users.find_user(session, email)
    if user is None:
        return None
    row = session.exec(
        select(CustomerOwner.role).where(
            CustomerOwner.customer_id == customer.id, CustomerOwner.user_id == user.id
        )
    ).first()
    return str(row) if row is not None else None


def can_edit(session: Session, actor: Actor, customer: Customer) -> bool:
    """Whether the actor may change this account (see the module rules)."""
    if not actor.can_write:
        return False
    if actor.is_admin:
        return True
    return role_of(session, customer, actor.email) != "observer"


def require_edit(session: Session, actor: Actor, customer: Customer) -> None:
    actor.require_write()
    if not can_edit(session, actor, customer):
        raise PermissionDenied(
            f"{actor.email} observes {customer.name!r} and cannot change it; "
            "ask its primary owner to make you a co-owner."
        )


def customer_ids_for(
    session: Session, email: str, roles: Sequence[str] = EDITING_ROLES
) -> set[int]:
    """Ids of the accounts where `email` (any case) holds one of `roles`."""
    user = users.find_user(session, email)
    if user is None:
        return set()
    rows = session.exec(
        select(CustomerOwner.customer_id).where(
            CustomerOwner.user_id == user.id, col(CustomerOwner.role).in_(list(roles))
        )
    ).all()
    return {int(r) for r in rows}


def set_owners(
    session: Session,
    actor: Actor,
    customer_name: str,
    *,
    primary: str | None = None,
    co_owners: Sequence[str] | None = None,
    observers: Sequence[str] | None = None,
) -> list[Owner]:
    """Assign owners. Each role given replaces that role's list (an empty
    list, or a list of one empty string, clears it; a blank primary removes
    the primary, which is allowed only when no other owner remains — the
    manager column is then left as it was); roles not given stay.
    A previous primary replaced by another is removed from the account
    unless it is listed in another role. Everything is validated before
    anything changes; one audit entry records before and after."""
    from iqcadence.core.accounts import customers

    customer = customers.get_customer(session, actor, customer_name)
    require_edit(session, actor, customer)
    assert customer.id is not None
    if primary is None and co_owners is None and observers is None:
        raise InvalidValue("nothing to change: give --primary, --co or --observer.")
    wanted_co = _stored_emails(session, co_owners) if co_owners is not None else None
    wanted_obs = _stored_emails(session, observers) if observers is not None else None
    wanted_primary = _stored_email(session, primary) if primary and primary.strip() else None

    before = owners_of(session, customer)
    roles: dict[str, str] = {o.email: o.role for o in before}
    if primary is not None:  # a blank primary removes the current one
        roles = {e: r for e, r in roles.items() if r != "primary"}
    if wanted_co is not None:
        roles = {e: r for e, r in roles.items() if r != "co_owner"}
    if wanted_obs is not None:
        roles = {e: r for e, r in roles.items() if r != "observer"}
    given: dict[str, str] = {}
    for role, emails in (
        ("primary", [wanted_primary] if wanted_primary else []),
        ("co_owner", wanted_co or []),
        ("observer", wanted_obs or []),
    ):
        for email in emails:
            if email in given and given[email] != role:
                raise InvalidValue(
                    f"{email} is given as {given[email]} and {role}; a user holds one role."
                )
            given[email] = role
    roles.update(given)

    users = _users(session, list(given))
    for email, role in given.items():
        if role in EDITING_ROLES and users[email].role == "viewer":
            raise InvalidValue(
                f"{email} is a viewer and can only observe {customer.name!r} (use --observer)."
            )
    if roles and "primary" not in roles.values():
        raise InvalidValue(
            f"{customer.name!r} needs one primary owner once it has co-owners or observers; "
            "give --primary EMAIL."
        )

    existing = {
        row.user_id: row
        for row in session.exec(
            select(CustomerOwner).where(CustomerOwner.customer_id == customer.id)
        ).all()
    }
    all_users = _users(session, list(roles)) if roles else {}
    keep_ids = {all_users[email].id for email in roles}
    # Removals and demotions go first so the one-primary index never sees two.
    for user_id, row in existing.items():
        if user_id not in keep_ids:
            session.delete(row)
        elif row.role == "primary":
            email = next(e for e, u in all_users.items() if u.id == user_id)
            if roles[email] != "primary":
                row.role = roles[email]
                session.add(row)
    session.flush()
    for email, role in roles.items():
        uid = all_users[email].id
        assert uid is not None
        row_or_none = existing.get(uid)
        if row_or_none is None:
            session.add(CustomerOwner(customer_id=customer.id, user_id=uid, role=role))
        elif row_or_none.role != role:
            row_or_none.role = role
            session.add(row_or_none)
    session.flush()

    after = owners_of(session, customer)
    if after == before:
        session.rollback()
        return after
    audit.record(
        session,
        actor,
        "owners.set",
        customer=customer,
        details={
            "before": [o.to_dict() for o in before],
            "after": [o.to_dict() for o in after],
        },
    )
    new_primary = next((o for o in after if o.role == "primary"), None)
    if new_primary is not None:
        display = new_primary.name or new_primary.email
        if customer.manager != display:
            customers.apply_changes(
                session,
                actor,
                customer.name,
                {"manager": display},
                create=False,
                cause="owners",
                commit=False,
            )
    session.commit()
    return after


def _stored_emails(session: Session, values: Sequence[str]) -> list[str]:
    """The users named (comma-separated, any case), each once, as their
    e-mails are stored, so the rest of `set_owners` compares them exactly."""
    out: list[str] = []
    for value in values:
        for part in str(value).split(","):
            email = part.strip()
            stored = _stored_email(session, email) if email else None
            if stored and stored not in out:
                out.append(stored)
    return out


def _stored_email(session: Session, email: str) -> str:
    user = users.find_user(session, email)
    if user is None:
        raise _unknown(session, email.strip())
    return user.email


def _unknown(session: Session, email: str) -> NotFound:
    known = ", ".join(u.email for u in session.exec(select(User).order_by(User.email)).all())
    return NotFound(
        f"user {email!r} is not known (users: {known}); "
        "an admin adds users with `iqcadence users add EMAIL`."
    )


def _users(session: Session, emails: Sequence[str]) -> dict[str, User]:
    if not emails:
        return {}
    found = {
        u.email: u
        for u in session.exec(
            select(User).where(or_(*[col(User.email) == e for e in emails]))
        ).all()
    }
    missing = [e for e in emails if e not in found]
    if missing:
        raise _unknown(session, missing[0])
    return found
