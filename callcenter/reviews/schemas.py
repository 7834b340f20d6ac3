"""What the outside world may send: scorecard criteria, a review of a call, a note on a moment of it."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from callcenter.catalogue.schemas import Code, Name

MAX_SCORE = 10  # each criterion is scored 0..10

Score = Annotated[int, Field(ge=0, le=MAX_SCORE, strict=True)]


class CriterionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Code
    name: Name
    weight: int = Field(default=1, ge=1, le=100)
    sort_order: int = Field(default=0, ge=-1_000_000, le=1_000_000)
    is_active: bool = True


class CriterionPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    weight: int | None = Field(default=None, ge=1, le=100)
    sort_order: int | None = Field(default=None, ge=-1_000_000, le=1_000_000)
    is_active: bool | None = None


class ReviewIn(BaseModel):
    """Scores by criterion code (0..10); criteria left out are not scored and do not count."""

    model_config = ConfigDict(extra="forbid")

    scores: dict[str, Score] = Field(min_length=1, max_length=100)
    comment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)] = ""


class NoteIn(BaseModel):
    """A comment; ``at_ms`` pins it to that moment of the recording (null: the whole call)."""

    model_config = ConfigDict(extra="forbid")

    at_ms: int | None = Field(default=None, ge=0, le=86_400_000)
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
