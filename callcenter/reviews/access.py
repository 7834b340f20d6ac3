"""Who may review calls, and who may listen to one: the rule the recordings and the reviews share."""

from __future__ import annotations

from typing import Any

from sqlalchemy import true

from callcenter.auth.principal import Principal
from callcenter.errors import Forbidden
from callcenter.models import Call
from callcenter.models.enums import Role

# Who reviews calls and plays any call's recording.
REVIEWERS = frozenset({Role.SUPERVISOR, Role.MANAGER, Role.ADMIN})


def require_reviewer(principal: Principal) -> None:
    if principal.role not in REVIEWERS:
        raise Forbidden("Only supervisors, managers and admins review calls.")


def require_listener(principal: Principal, call: Call) -> None:
    """Reviewers, and the operator who took (or made) the call: its recording and its reviews."""
    if principal.role not in REVIEWERS and call.operator_id != principal.user_id:
        raise Forbidden("Only supervisors, managers and the call's own operator may listen to it or read its reviews.")


def listenable(principal: Principal) -> Any:
    """:func:`require_listener` as a condition on ``calls``: the calls whose recording and transcript they may have."""
    if principal.role in REVIEWERS:
        return true()
    return Call.operator_id == principal.user_id
