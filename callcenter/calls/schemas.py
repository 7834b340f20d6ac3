"""What the outside world may send to find calls, and the wrap-up of a call.

``from``/``to`` bound ``started_at`` (from inclusive, to exclusive) and carry a time zone (see
:mod:`callcenter.when`); ``operator`` is the answering user's id or login; ``team_id`` the team of the
answering user; the talk bounds are inclusive.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from callcenter.claims.schemas import Subject
from callcenter.claims.schemas import Text as ClaimText
from callcenter.deals.schemas import Money
from callcenter.deals.schemas import Title as DealTitle
from callcenter.ids import INT32_MAX, Id
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
    team_id: Id | None = None  # answered by a member of this team
    result_id: Id | None = None  # the disposition set as the call's result
    min_talk_seconds: int | None = Field(default=None, ge=0, le=INT32_MAX)
    max_talk_seconds: int | None = Field(default=None, ge=0, le=INT32_MAX)
    reviewed: bool | None = None  # scored by at least one reviewer, or not yet
    answered: bool | None = None  # taken by an operator (answered or transferred), or not
    has_result: bool | None = None  # the call's contact has a result set, or not
    result_counts: bool | None = None  # its result counts as a result in the catalogue, or not (or none set)
    campaign_id: Id | None = None  # placed by this campaign's dialer (an attempt's channel id is the linkedid)
    q: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None = None  # words said


class CallbackIn(BaseModel):
    """A callback promised during the call: a task for the operator, due at ``due_at`` (in the future)."""

    model_config = ConfigDict(extra="forbid")

    due_at: Instant
    note: Annotated[str, StringConstraints(max_length=300)] = ""


class DealDraft(BaseModel):
    """A deal opened from the call, in the first open funnel stage."""

    model_config = ConfigDict(extra="forbid")

    title: DealTitle
    amount: Annotated[Money, Field(ge=0)] = Decimal("0")


class ClaimDraft(BaseModel):
    """A complaint the caller made."""

    model_config = ConfigDict(extra="forbid")

    subject: Subject
    description: ClaimText = ""


class WrapUpIn(BaseModel):
    """The result of a call and its next step; a deal or a claim needs the call to have a client."""

    model_config = ConfigDict(extra="forbid")

    linkedid: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    disposition_id: Id
    notes: Annotated[str, StringConstraints(max_length=20000)] = ""
    callback: CallbackIn | None = None
    deal: DealDraft | None = None
    claim: ClaimDraft | None = None
