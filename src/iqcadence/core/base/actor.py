"""Who is acting: the user's e-mail, role and client, and what the role may do."""

from __future__ import annotations

from dataclasses import dataclass

from iqcadence.core.base.errors import PermissionDenied

ROLES: tuple[str, ...] = ("admin", "csm", "viewer")
# Who upkeep that no user asked for is recorded against (the daily decay
# refresh): not an e-mail, so no user can have it.
SYSTEM_USER = "system"


@dataclass(frozen=True)
class Actor:
    """Who is acting, in which client."""

    email: str
    role: str
    client_id: int
    name: str = ""
    client_name: str = ""

    @property
    def can_write(self) -> bool:
        return self.role in ("admin", "csm")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def require_write(self, what: str = "change data") -> None:
        if not self.can_write:
            raise PermissionDenied(f"{self.email} is a viewer and cannot {what}.")

    def require_admin(self, what: str) -> None:
        if not self.is_admin:
            raise PermissionDenied(f"only an admin can {what}; {self.email} is a {self.role}.")


def system_actor(client_id: int, client_name: str = "") -> Actor:
    """The system, writing in a client: whatever it changes is audited as
    SYSTEM_USER, whoever's command or screen it happens under."""
    return Actor(
        email=SYSTEM_USER, role="csm", client_id=client_id, name="system", client_name=client_name
    )
