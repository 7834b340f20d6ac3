"""What the outside world may send about deals and sales. Money is a decimal with at most 2 places."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from callcenter.ids import Id
from callcenter.models.enums import DealStatus
from callcenter.when import Instant

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
CENTS = Decimal("0.01")
# Quantised so that an amount reads the same before and after the database has stored it.
Money = Annotated[Decimal, Field(max_digits=14, decimal_places=2), AfterValidator(lambda d: d.quantize(CENTS))]
Currency = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{3}$")]
Reason = Annotated[str, StringConstraints(max_length=300)]


class DealIn(BaseModel):
    """A new deal; ``stage_id`` defaults to the first open stage, ``owner_id`` to the author.

    The stage decides the status: open in an open stage; in a closed stage won or lost, as ``status`` says
    (when omitted: lost if the stage's code starts with "lost", else won).
    """

    model_config = ConfigDict(extra="forbid")

    client_id: Id
    title: Title
    stage_id: Id | None = None
    status: DealStatus | None = None
    amount: Annotated[Money, Field(ge=0)] = Decimal("0")
    currency: Currency = "RUB"
    owner_id: Id | None = None
    expected_close: dt.date | None = None
    lost_reason: Reason = ""


class DealPatch(BaseModel):
    """A change; moving to a closed stage closes the deal (won or lost, see :class:`DealIn`), back to an open one reopens it."""

    model_config = ConfigDict(extra="forbid")

    title: Title | None = None
    stage_id: Id | None = None
    status: DealStatus | None = None
    amount: Annotated[Money, Field(ge=0)] | None = None
    currency: Currency | None = None
    owner_id: Id | None = None
    expected_close: dt.date | None = None
    lost_reason: Reason | None = None


class DealFilter(BaseModel):
    """``stage`` is a stage code; ``stage_id`` its id."""

    model_config = ConfigDict(extra="forbid")

    client_id: Id | None = None
    status: DealStatus | None = None
    stage: Annotated[str, StringConstraints(max_length=50)] | None = None
    stage_id: Id | None = None
    owner_id: Id | None = None
    team_id: Id | None = None  # owned by a member of this team
    closed_from: Instant | None = None  # closed at or after
    closed_to: Instant | None = None  # closed before


class SaleIn(BaseModel):
    """A completed sale; ``external_ref`` (an accounting system's id) is unique when given."""

    model_config = ConfigDict(extra="forbid")

    client_id: Id
    deal_id: Id | None = None
    sold_on: dt.date
    amount: Annotated[Money, Field(gt=0)]
    margin: Money | None = None
    product: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    external_ref: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] | None = None


class SaleFilter(BaseModel):
    """``from``/``to`` bound ``sold_on``, both inclusive."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    client_id: Id | None = None
    deal_id: Id | None = None
    from_: dt.date | None = Field(default=None, alias="from")
    to: dt.date | None = None
