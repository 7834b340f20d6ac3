"""Who may change a piece of work and who may give it an owner: the item's operator, or a supervisor and above.

Operators change only their own work (the call they took, the interaction that is theirs) and never hand an
item to anyone: a client, deal or task keeps its owner unless a supervisor, manager or admin moves it. An
operator may only take for themselves what has no owner yet, which is also what creating an item does.
"""

from __future__ import annotations

from callcenter.auth.principal import Principal
from callcenter.errors import NotYours, OwnerChangeForbidden
from callcenter.models.enums import Role

SUPERVISING = frozenset({Role.SUPERVISOR, Role.MANAGER, Role.ADMIN})


def may_change_work(principal: Principal, operator_id: int | None) -> bool:
    """Whether ``principal`` may change work whose operator is ``operator_id`` (None: nobody's)."""
    return principal.role in SUPERVISING or (operator_id is not None and operator_id == principal.user_id)


def require_own_work(principal: Principal, operator_id: int | None, message: str) -> None:
    if not may_change_work(principal, operator_id):
        raise NotYours(message)


def require_owner_change(principal: Principal, current: int | None, wanted: int | None, what: str) -> None:
    """Refuse an operator's change of an item's owner, unless it gives an ownerless (or new) item to themselves."""
    if principal.role in SUPERVISING or wanted == current:
        return
    if current is None and wanted == principal.user_id:
        return
    raise OwnerChangeForbidden(f"Only supervisors and above give a {what} to another owner; operators keep their own.")
