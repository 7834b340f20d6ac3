"""What a metrics request may ask for."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from callcenter.ids import Id


class OperatorMetricsQuery(BaseModel):
    """``from`` and ``to`` are whole days (YYYY-MM-DD), both included, in the CRM's time zone."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: date = Field(alias="from")
    to: date
    team: Id | None = None
