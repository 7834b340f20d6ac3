"""Task events on the CRM's bus: a promised callback handed from one operator to another."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class CallbackReassigned:
    """A callback changed hands: by the team's lateness policy (``by`` is None) or by a manager (``by``)."""

    task_id: int
    title: str
    client_id: int | None
    client_name: str | None
    due_at: datetime | None
    from_user_id: int | None
    from_name: str | None
    to_user_id: int
    to_name: str
    by: str | None  # the manager's name; None for the policy
    at: datetime
