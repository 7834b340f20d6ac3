"""What the outside world may send to record, work on or find claims."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from callcenter.ids import Id
from callcenter.models.enums import ClaimStatus

Subject = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Text = Annotated[str, StringConstraints(max_length=20000)]


class ClaimIn(BaseModel):
    """A complaint from a client; ``owner_id`` (who handles it) defaults to the author."""

    model_config = ConfigDict(extra="forbid")

    client_id: Id
    contact_id: Id | None = None
    interaction_id: Id | None = None
    subject: Subject
    description: Text = ""
    owner_id: Id | None = None


class ClaimPatch(BaseModel):
    """Work on a claim. Resolving (``resolved``) needs a resolution; resolving or rejecting stamps ``resolved_at``."""

    model_config = ConfigDict(extra="forbid")

    subject: Subject | None = None
    description: Text | None = None
    contact_id: Id | None = None
    status: ClaimStatus | None = None
    investigation: Text | None = None
    resolution: Text | None = None
    owner_id: Id | None = None


class ClaimFilter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    client_id: Id | None = None
    status: ClaimStatus | None = None
    owner_id: Id | None = None
