"""What the outside world may send to create, change or find tasks and callbacks.

Times are ISO 8601 with a time zone; a time without one is refused with a field error (see :mod:`callcenter.when`).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from callcenter.ids import Id
from callcenter.models.enums import TaskKind, TaskOrigin, TaskStatus
from callcenter.when import Instant

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Description = Annotated[str, StringConstraints(max_length=20000)]


class TaskIn(BaseModel):
    """A new task; ``owner_id`` defaults to the author. A callback needs ``due_at``."""

    model_config = ConfigDict(extra="forbid")

    title: Title
    description: Description = ""
    kind: TaskKind = TaskKind.TASK
    owner_id: Id | None = None
    client_id: Id | None = None
    contact_id: Id | None = None
    interaction_id: Id | None = None
    due_at: Instant | None = None
    origin: TaskOrigin = TaskOrigin.MANUAL


class TaskPatch(BaseModel):
    """A change: ``owner_id`` reassigns; ``status: done`` completes (and stamps ``completed_at``)."""

    model_config = ConfigDict(extra="forbid")

    title: Title | None = None
    description: Description | None = None
    owner_id: Id | None = None
    contact_id: Id | None = None
    due_at: Instant | None = None
    status: TaskStatus | None = None


class TaskFilter(BaseModel):
    """``overdue=true``: open tasks whose due time has passed (the "tails"); ``team_id``: tasks owned by the
    team's members now."""

    model_config = ConfigDict(extra="forbid")

    owner_id: Id | None = None
    team_id: Id | None = None
    client_id: Id | None = None
    status: TaskStatus | None = None
    kind: TaskKind | None = None
    overdue: bool | None = None
