"""Filters for reading the audit log. Times are ISO 8601 with a time zone (see :mod:`callcenter.when`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from callcenter.ids import Id
from callcenter.when import Instant


class AuditFilter(BaseModel):
    """``from`` inclusive, ``to`` exclusive."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    entity: Annotated[str, StringConstraints(max_length=60)] | None = None
    entity_id: Id | None = None
    user_id: Id | None = None
    action: Annotated[str, StringConstraints(max_length=40)] | None = None
    from_: Instant | None = Field(default=None, alias="from")
    to: Instant | None = None
