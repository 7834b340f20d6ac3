"""What the outside world may send about users, teams and the run-time switches an admin sets.

Password hashes never leave the server: no output model carries them.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from callcenter.ids import Id
from callcenter.models.enums import Role

Login = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=r"^\S+$")]
Password = Annotated[str, StringConstraints(max_length=200)]
FullName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Extension = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d{2,10}$")]
Interface = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=100, pattern=r"^\S+/\S+$")]
Locale = Annotated[str, StringConstraints(pattern=r"^(ru|en)$")]
TeamName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class UserIn(BaseModel):
    """A new user; the agent interface defaults to ``PJSIP/<extension>``."""

    model_config = ConfigDict(extra="forbid")

    login: Login
    password: Password
    role: Role
    full_name: FullName = ""
    extension: Extension | None = None
    agent_interface: Interface | None = None
    team_id: Id | None = None
    locale: Locale | None = None


class UserPatch(BaseModel):
    """A change; a new password or deactivation logs the user out everywhere."""

    model_config = ConfigDict(extra="forbid")

    full_name: FullName | None = None
    role: Role | None = None
    extension: Extension | None = None
    agent_interface: Interface | None = None
    team_id: Id | None = None
    locale: Locale | None = None
    is_active: bool | None = None
    password: Password | None = None


class UserFilter(BaseModel):
    """``q`` matches a fragment of the login or full name, ignoring case in any alphabet ("ё" read as "е")."""

    model_config = ConfigDict(extra="forbid")

    q: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None
    role: Role | None = None
    team_id: Id | None = None
    active: bool | None = None


class TeamIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: TeamName


class CallbackPolicyIn(BaseModel):
    """How late an open callback may get before it goes to another operator of the team; null: never."""

    model_config = ConfigDict(extra="forbid")

    reassign_after_minutes: int | None = Field(..., ge=1, le=90 * 24 * 60)


class AdminSettingsPatch(BaseModel):
    """Run-time switches; ``operators_own_clients_only`` limits operators to the clients they own."""

    model_config = ConfigDict(extra="forbid")

    operators_own_clients_only: bool | None = None
