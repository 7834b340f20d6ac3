"""What the outside world may send about contact persons (the person itself is ``ContactIn``/``ContactPatch``)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from callcenter.clients.schemas import ContactIn, ContactPatch
from callcenter.ids import Id

__all__ = ["ContactFilter", "ContactIn", "ContactPatch", "ContactRoleIn"]


class ContactRoleIn(BaseModel):
    """The role in which an existing person represents a client (linking, or changing the role)."""

    model_config = ConfigDict(extra="forbid")

    role: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""


class ContactFilter(BaseModel):
    """Contact persons by name fragment, phone in any format or e-mail, and by the client they represent."""

    model_config = ConfigDict(extra="forbid")

    q: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    client_id: Id | None = None
