"""What the outside world may send to add or change a disposition."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Code = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9][a-z0-9_.-]{0,49}$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class DispositionIn(BaseModel):
    """A new result. ``code`` is the stable machine name (lower-case letters, digits, ``_ . -``)."""

    model_config = ConfigDict(extra="forbid")

    code: Code
    name: Name
    counts_as_result: bool = False
    is_active: bool = True
    sort_order: int = Field(default=0, ge=-1_000_000, le=1_000_000)


class DispositionPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Code | None = None
    name: Name | None = None
    counts_as_result: bool | None = None
    is_active: bool | None = None
    sort_order: int | None = Field(default=None, ge=-1_000_000, le=1_000_000)


class DispositionFilter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    active: bool | None = None
