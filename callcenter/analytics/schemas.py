"""What a classification run may be asked for."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from callcenter.ids import Id
from callcenter.models.enums import Stage

Share = float


class ClassifyIn(BaseModel):
    """ABC and XYZ over sales from ``from`` to ``to`` (days, both included)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: date = Field(alias="from")
    to: date
    measure: Literal["revenue", "margin", "count"] = "revenue"
    abc_bounds: tuple[Share, Share] = (0.80, 0.95)  # cumulative shares ending A and B
    xyz_bounds: tuple[Share, Share] = (0.10, 0.25)  # coefficients of variation ending X and Y

    @model_validator(mode="after")
    def _sensible(self) -> ClassifyIn:
        if self.to < self.from_:
            raise ValueError("to must not be before from")
        for name, (low, high) in (("abc_bounds", self.abc_bounds), ("xyz_bounds", self.xyz_bounds)):
            if not 0 < low < high or (name == "abc_bounds" and high > 1):
                raise ValueError(f"{name} must rise, above 0" + (" and up to 1" if name == "abc_bounds" else ""))
        return self


class StagesQuery(BaseModel):
    """The transitions report: moves between lifecycle stages on whole days ``from``..``to``."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: date = Field(alias="from")
    to: date
    team: Id | None = None


class StageMovesQuery(StagesQuery):
    """The clients behind one number of the report: moves into ``stage`` (from ``from_stage``, if given)."""

    stage: Stage
    from_stage: Stage | None = None
    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0)
