"""What the outside world may send to find calls.

``from``/``to`` bound ``started_at`` (from inclusive, to exclusive) and carry a time zone (see
:mod:`callcenter.when`); ``operator`` is the answering user's id or login.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from callcenter.ids import Id
from callcenter.models.enums import CallOutcome, Direction
from callcenter.when import Instant


class CallFilter(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: Instant | None = Field(default=None, alias="from")
    to: Instant | None = None
    operator: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] | None = None
    direction: Direction | None = None
    outcome: CallOutcome | None = None
    client_id: Id | None = None
    queue: Annotated[str, StringConstraints(max_length=80)] | None = None
