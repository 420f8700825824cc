"""Who is acting: the user's e-mail, role and client, and what the role may do."""

from __future__ import annotations

from dataclasses import dataclass

from iqcadence.core.base.errors import PermissionDenied

ROLES: tuple[str, ...] = ("admin", "csm", "viewer")


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
