"""What the browser may ask of the PBX from the operator's desk."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

from callcenter.ids import Id


class DialIn(BaseModel):
    """Click-to-call: ``phone`` in any written form (normalised to E.164)."""

    model_config = ConfigDict(extra="forbid")

    phone: Annotated[str, StringConstraints(min_length=1, max_length=64)]


class PauseIn(BaseModel):
    """Pause (or unpause) the operator in their queues; the reason shows on the supervisors' live view."""

    model_config = ConfigDict(extra="forbid")

    paused: bool
    # No control characters: the reason travels to the PBX as an AMI header value.
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=80, pattern=r"^[^\x00-\x1f\x7f]*$")] = ""


class SpyIn(BaseModel):
    """How a supervisor joins a live call: listen, whisper (only the operator hears them) or barge (both do)."""

    model_config = ConfigDict(extra="forbid")

    mode: Literal["listen", "whisper", "barge"] = "listen"


class PreviewIn(BaseModel):
    """The operator's answer to a campaign's preview: dial the client now (``dial``) or skip them."""

    model_config = ConfigDict(extra="forbid")

    lead_id: Id
    dial: bool
