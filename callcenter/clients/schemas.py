"""What the outside world may send to create or change a client or contact person."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StrictBool, StringConstraints

from callcenter.ids import Id
from callcenter.models.enums import AbcClass, ClientKind, PhoneKind, RelationKind, Stage, XyzClass
from callcenter.tags import MAX_TAGS, Tag

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]


def _known_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}; use an IANA name such as Europe/Moscow") from None
    return name


# A client's time zone decides when they may be called; only names the zone database knows.
TimeZoneName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=64), AfterValidator(_known_zone)]


# A number as written; an empty one is a field error here rather than later, in the services.
PhoneText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class PhoneIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: PhoneText
    kind: PhoneKind = PhoneKind.WORK


class AddressIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Annotated[str, StringConstraints(max_length=40)] = "legal"
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class ContactIn(BaseModel):
    """A contact person, created with the client or on their own."""

    model_config = ConfigDict(extra="forbid")

    full_name: Name
    position: Annotated[str, StringConstraints(max_length=200)] = ""
    role: Annotated[str, StringConstraints(max_length=200)] = ""
    notes: str = ""
    phones: list[PhoneText | PhoneIn] = Field(default_factory=list, max_length=20)
    emails: list[EmailStr] = Field(default_factory=list, max_length=20)


class ClientIn(BaseModel):
    """A new client. Phones may be written in any format; they are stored raw and as E.164."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    kind: ClientKind
    legal_form: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = None
    tax_id: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] | None = None
    phones: list[PhoneText | PhoneIn] = Field(default_factory=list, max_length=50)
    emails: list[EmailStr] = Field(default_factory=list, max_length=50)
    addresses: list[AddressIn] = Field(default_factory=list, max_length=20)
    notes: str = Field(default="", max_length=20000)
    custom: dict[str, str | int | float | bool | None] = Field(default_factory=dict)
    owner_id: Id | None = None
    stage: Stage = Stage.POTENTIAL
    abc_class: AbcClass | None = None
    xyz_class: XyzClass | None = None
    potential: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=2)
    timezone: TimeZoneName | None = None
    tags: list[Tag] = Field(default_factory=list, max_length=MAX_TAGS)
    # True: the client has said not to be called; campaigns skip them (when is kept).
    calls_consent_withdrawn: StrictBool = False
    contacts: list[ContactIn] = Field(default_factory=list, max_length=50)


class ClientPatch(BaseModel):
    """A change to a client: only the fields given are changed; lists given replace the old ones."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    kind: ClientKind | None = None
    legal_form: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = None
    tax_id: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] | None = None
    phones: list[PhoneText | PhoneIn] | None = Field(default=None, max_length=50)
    emails: list[EmailStr] | None = Field(default=None, max_length=50)
    addresses: list[AddressIn] | None = Field(default=None, max_length=20)
    notes: str | None = Field(default=None, max_length=20000)
    custom: dict[str, str | int | float | bool | None] | None = None
    owner_id: Id | None = None
    stage: Stage | None = None
    abc_class: AbcClass | None = None
    xyz_class: XyzClass | None = None
    potential: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=2)
    timezone: TimeZoneName | None = None
    tags: list[Tag] | None = Field(default=None, max_length=MAX_TAGS)
    calls_consent_withdrawn: StrictBool | None = None


class ContactPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    full_name: Name | None = None
    position: Annotated[str, StringConstraints(max_length=200)] | None = None
    notes: str | None = None
    phones: list[PhoneText | PhoneIn] | None = Field(default=None, max_length=20)
    emails: list[EmailStr] | None = Field(default=None, max_length=20)


class LinkIn(BaseModel):
    """Link an existing contact person to a client in a role."""

    model_config = ConfigDict(extra="forbid")

    contact_id: Id
    role: Annotated[str, StringConstraints(max_length=200)] = ""


class RelationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    related_client_id: Id
    kind: RelationKind
    note: Annotated[str, StringConstraints(max_length=300)] = ""
