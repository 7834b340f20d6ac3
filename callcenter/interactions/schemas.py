"""What the outside world may send to record, change or find interactions.

Times are ISO 8601 with a time zone (``2024-05-01T10:00:00+03:00`` or ``...Z``); a time without one is
refused with a field error (see :mod:`callcenter.when`).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from callcenter.ids import Id
from callcenter.models.enums import Direction, InteractionKind, InteractionStatus
from callcenter.when import Instant

Subject = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)]
Notes = Annotated[str, StringConstraints(max_length=20000)]
Seconds = Annotated[int, Field(ge=0, le=7 * 86400)]


class InteractionIn(BaseModel):
    """A contact with a client. ``user_id`` defaults to the author; ``occurred_at`` to now.

    ``callback_at`` records a promised callback: a callback task for the interaction's user, due then,
    written in the same commit.
    """

    model_config = ConfigDict(extra="forbid")

    kind: InteractionKind
    direction: Direction | None = None
    status: InteractionStatus = InteractionStatus.DONE
    subject: Subject = ""
    occurred_at: Instant | None = None
    duration_seconds: Seconds | None = None
    user_id: Id | None = None
    client_id: Id | None = None
    contact_id: Id | None = None
    disposition_id: Id | None = None
    notes: Notes = ""
    callback_at: Instant | None = None


class InteractionPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: InteractionKind | None = None
    direction: Direction | None = None
    status: InteractionStatus | None = None
    subject: Subject | None = None
    occurred_at: Instant | None = None
    duration_seconds: Seconds | None = None
    user_id: Id | None = None
    contact_id: Id | None = None
    disposition_id: Id | None = None
    notes: Notes | None = None


class InteractionFilter(BaseModel):
    """``from``/``to`` bound ``occurred_at`` (from inclusive, to exclusive); ``disposition`` is a code."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    client_id: Id | None = None
    user_id: Id | None = None
    kind: InteractionKind | None = None
    direction: Direction | None = None
    status: InteractionStatus | None = None
    disposition: Annotated[str, StringConstraints(max_length=50)] | None = None
    disposition_id: Id | None = None
    from_: Instant | None = Field(default=None, alias="from")
    to: Instant | None = None
    team_id: Id | None = None  # done by a member of this team
    contacts_only: bool | None = None  # done and not a note: what the manager's figures count as contacts
    has_result: bool | None = None  # a result is set, or not
    result_counts: bool | None = None  # its result counts as a result in the catalogue, or not (or none set)
