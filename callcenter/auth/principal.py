"""Who is acting, and what each role may do."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from callcenter.errors import Forbidden
from callcenter.models.enums import Role


class Permission(StrEnum):
    CLIENTS_READ = "clients:read"
    CLIENTS_WRITE = "clients:write"
    CLIENTS_DELETE = "clients:delete"
    WORK_READ = "work:read"  # interactions, tasks, deals, claims
    WORK_WRITE = "work:write"
    CATALOGUE_WRITE = "catalogue:write"  # dispositions, funnel stages
    USERS_READ = "users:read"
    USERS_WRITE = "users:write"
    IMPORT = "import"
    EXPORT = "export"
    AUDIT_READ = "audit:read"
    SETTINGS_WRITE = "settings:write"
    CAMPAIGNS_READ = "campaigns:read"  # segments, campaigns and their figures, the do-not-call lists
    CAMPAIGNS_WRITE = "campaigns:write"  # editing them, starting and stopping campaigns


_OPERATOR = {
    Permission.CLIENTS_READ,
    Permission.CLIENTS_WRITE,
    Permission.WORK_READ,
    Permission.WORK_WRITE,
}
_SUPERVISOR = _OPERATOR | {Permission.USERS_READ, Permission.EXPORT, Permission.CAMPAIGNS_READ}
_MANAGER = _SUPERVISOR | {
    Permission.CLIENTS_DELETE,
    Permission.CATALOGUE_WRITE,
    Permission.IMPORT,
    Permission.AUDIT_READ,
    Permission.CAMPAIGNS_WRITE,
}
_ADMIN = set(Permission)

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OPERATOR: frozenset(_OPERATOR),
    Role.SUPERVISOR: frozenset(_SUPERVISOR),
    Role.MANAGER: frozenset(_MANAGER),
    Role.ADMIN: frozenset(_ADMIN),
}


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated user behind a request or a command."""

    user_id: int
    login: str
    role: Role
    team_id: int | None = None
    # Set from the admin switch: this principal sees only clients it owns.
    own_clients_only: bool = False

    def can(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]

    def require(self, permission: Permission) -> None:
        """Raise :class:`Forbidden` unless the role grants ``permission``."""
        if not self.can(permission):
            raise Forbidden(f"Role {self.role.value} may not {permission.value}.", details={"permission": permission.value})


SYSTEM = Principal(user_id=0, login="system", role=Role.ADMIN)
