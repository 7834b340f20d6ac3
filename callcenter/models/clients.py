"""Clients, contact persons, phones, e-mails and relations between clients."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from callcenter.db.base import Base, BigId, IdMixin, TimestampMixin, UTCDateTime
from callcenter.models._types import JsonDoc, enum_column_type
from callcenter.models.enums import AbcClass, ClientKind, PhoneKind, RelationKind, Stage, XyzClass


class Client(IdMixin, TimestampMixin, Base):
    __tablename__ = "clients"

    kind: Mapped[ClientKind] = mapped_column(enum_column_type(ClientKind, "client_kind"))
    name: Mapped[str] = mapped_column(String(300))
    # Case-folded name: SQLite's lower() knows only ASCII, so search goes through this column.
    name_search: Mapped[str] = mapped_column(String(300), index=True)
    # Name with case, quotes, legal form and word order removed, for duplicate detection.
    name_key: Mapped[str] = mapped_column(String(300), index=True)
    legal_form: Mapped[str | None] = mapped_column(String(40), nullable=True)
    tax_id: Mapped[str | None] = mapped_column(String(20), nullable=True, index=True)
    addresses: Mapped[list[dict[str, str]]] = mapped_column(JsonDoc, default=list)
    notes: Mapped[str] = mapped_column(Text, default="")
    custom: Mapped[dict[str, object]] = mapped_column(JsonDoc, default=dict)
    owner_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True
    )
    stage: Mapped[Stage] = mapped_column(enum_column_type(Stage, "stage"), default=Stage.POTENTIAL)
    abc_class: Mapped[AbcClass | None] = mapped_column(enum_column_type(AbcClass, "abc_class"), nullable=True)
    xyz_class: Mapped[XyzClass | None] = mapped_column(enum_column_type(XyzClass, "xyz_class"), nullable=True)
    potential: Mapped[Decimal | None] = mapped_column(Numeric(14, 2), nullable=True)
    timezone: Mapped[str | None] = mapped_column(String(64), nullable=True)
    tags: Mapped[list[str]] = mapped_column(JsonDoc, default=list)
    # When the client withdrew their consent to be called: no campaign dials them from then on.
    calls_consent_withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    phones: Mapped[list[Phone]] = relationship(
        back_populates="client", lazy="raise", cascade="all, delete-orphan", foreign_keys="Phone.client_id"
    )
    emails: Mapped[list[Email]] = relationship(
        back_populates="client", lazy="raise", cascade="all, delete-orphan", foreign_keys="Email.client_id"
    )


class ContactPerson(IdMixin, TimestampMixin, Base):
    __tablename__ = "contact_persons"

    full_name: Mapped[str] = mapped_column(String(300))
    name_search: Mapped[str] = mapped_column(String(300), index=True)
    position: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")

    phones: Mapped[list[Phone]] = relationship(
        back_populates="contact", lazy="raise", cascade="all, delete-orphan", foreign_keys="Phone.contact_id"
    )
    emails: Mapped[list[Email]] = relationship(
        back_populates="contact", lazy="raise", cascade="all, delete-orphan", foreign_keys="Email.contact_id"
    )


class ClientContact(Base):
    """A person representing a client, in a role; one person may represent several clients."""

    __tablename__ = "client_contacts"

    client_id: Mapped[int] = mapped_column(BigId, ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("contact_persons.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(200), default="")


class Phone(IdMixin, Base):
    __tablename__ = "phones"
    __table_args__ = (
        CheckConstraint("client_id IS NOT NULL OR contact_id IS NOT NULL", name="has_owner"),
        Index("ix_phones_e164", "e164"),
    )

    client_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("clients.id", ondelete="CASCADE"), nullable=True, index=True
    )
    contact_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("contact_persons.id", ondelete="CASCADE"), nullable=True, index=True
    )
    raw: Mapped[str] = mapped_column(String(64))
    e164: Mapped[str] = mapped_column(String(20))
    kind: Mapped[PhoneKind] = mapped_column(enum_column_type(PhoneKind, "phone_kind"), default=PhoneKind.WORK)

    client: Mapped[Client | None] = relationship(back_populates="phones", lazy="raise", foreign_keys=[client_id])
    contact: Mapped[ContactPerson | None] = relationship(
        back_populates="phones", lazy="raise", foreign_keys=[contact_id]
    )


class Email(IdMixin, Base):
    __tablename__ = "emails"
    __table_args__ = (CheckConstraint("client_id IS NOT NULL OR contact_id IS NOT NULL", name="has_owner"),)

    client_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("clients.id", ondelete="CASCADE"), nullable=True, index=True
    )
    contact_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("contact_persons.id", ondelete="CASCADE"), nullable=True, index=True
    )
    # Stored lower-cased: addresses are matched case-insensitively.
    address: Mapped[str] = mapped_column(String(254), index=True)

    client: Mapped[Client | None] = relationship(back_populates="emails", lazy="raise", foreign_keys=[client_id])
    contact: Mapped[ContactPerson | None] = relationship(
        back_populates="emails", lazy="raise", foreign_keys=[contact_id]
    )


class ClientRelation(IdMixin, Base):
    __tablename__ = "client_relations"
    __table_args__ = (UniqueConstraint("client_id", "related_client_id", "kind", name="uq_client_relations_pair"),)

    client_id: Mapped[int] = mapped_column(BigId, ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    related_client_id: Mapped[int] = mapped_column(BigId, ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    kind: Mapped[RelationKind] = mapped_column(enum_column_type(RelationKind, "relation_kind"))
    note: Mapped[str] = mapped_column(String(300), default="")
