"""Interactions (every contact with a client), their dispositions, and the telephony facts of calls."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from callcenter.db.base import Base, BigId, IdMixin, TimestampMixin, UTCDateTime, utcnow
from callcenter.models._types import enum_column_type
from callcenter.models.enums import CallOutcome, Direction, InteractionKind, InteractionStatus


class Disposition(IdMixin, Base):
    """A result an operator sets on a contact; the catalogue is editable."""

    __tablename__ = "dispositions"

    code: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    counts_as_result: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class Interaction(IdMixin, TimestampMixin, Base):
    __tablename__ = "interactions"
    __table_args__ = (
        # Carrying status and kind lets "contacts with a client up to a moment" be counted from the index alone
        # (the manager's lost-at-contact figure); PostgreSQL only.
        Index("ix_interactions_client_occurred", "client_id", "occurred_at", postgresql_include=["status", "kind"]),
        Index("ix_interactions_user_occurred", "user_id", "occurred_at"),
        Index("ix_interactions_occurred", "occurred_at"),
        # The metrics rollup's search for contacts changed since it last ran.
        Index("ix_interactions_updated", "updated_at"),
    )

    kind: Mapped[InteractionKind] = mapped_column(enum_column_type(InteractionKind, "interaction_kind"))
    direction: Mapped[Direction | None] = mapped_column(enum_column_type(Direction, "direction"), nullable=True)
    status: Mapped[InteractionStatus] = mapped_column(
        enum_column_type(InteractionStatus, "interaction_status"), default=InteractionStatus.DONE
    )
    subject: Mapped[str] = mapped_column(String(300), default="")
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    duration_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    client_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("clients.id", ondelete="CASCADE"), nullable=True
    )
    contact_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("contact_persons.id", ondelete="SET NULL"), nullable=True, index=True
    )
    disposition_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("dispositions.id", ondelete="RESTRICT"), nullable=True, index=True
    )
    notes: Mapped[str] = mapped_column(Text, default="")

    call: Mapped[Call | None] = relationship(back_populates="interaction", lazy="raise", uselist=False)


AWAITING_RESULT = "result_missing IS false AND result_at IS NULL AND answered_at IS NOT NULL AND operator_id IS NOT NULL"


RECORDING_KEPT = "recording_path IS NOT NULL AND recording_deleted_at IS NULL"


class Call(IdMixin, Base):
    """The telephony facts of one call (one Asterisk linkedid), beside its interaction."""

    __tablename__ = "calls"
    __table_args__ = (
        Index("ix_calls_started", "started_at"),
        # The results sweeper's search: answered calls still waiting for their result, by when they ended.
        Index("ix_calls_awaiting_result", "ended_at", postgresql_where=text(AWAITING_RESULT),
              sqlite_where=text(AWAITING_RESULT)),
        # The recordings' retention: calls whose audio is still kept, oldest first.
        Index("ix_calls_recording_kept", "started_at", postgresql_where=text(RECORDING_KEPT),
              sqlite_where=text(RECORDING_KEPT)),
    )

    interaction_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("interactions.id", ondelete="CASCADE"), unique=True
    )
    linkedid: Mapped[str] = mapped_column(String(64), unique=True)
    direction: Mapped[Direction] = mapped_column(enum_column_type(Direction, "call_direction"))
    caller: Mapped[str] = mapped_column(String(64), default="")
    callee: Mapped[str] = mapped_column(String(64), default="")
    queue: Mapped[str | None] = mapped_column(String(80), nullable=True)
    operator_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ring_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    wait_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    talk_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    hangup_cause: Mapped[int | None] = mapped_column(Integer, nullable=True)
    outcome: Mapped[CallOutcome | None] = mapped_column(
        enum_column_type(CallOutcome, "call_outcome"), nullable=True
    )
    recording_path: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # MixMonitor's r() and t() files when it keeps the directions apart: the client's side and the operator's.
    recording_in_path: Mapped[str | None] = mapped_column(String(500), nullable=True)
    recording_out_path: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # Set when the retention setting deleted the audio; the call and its reviews stay.
    recording_deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # True when the end was inferred after a lost AMI connection rather than seen.
    times_approximate: Mapped[bool] = mapped_column(Boolean, default=False)
    # The wrap-up: when the operator saved the call's result, and how long after the call's end the first
    # result came; ``result_missing`` is set when the result window passed without one.
    result_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    wrapup_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    result_missing: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    interaction: Mapped[Interaction] = relationship(back_populates="call", lazy="raise")


class CallTransfer(IdMixin, Base):
    """One hand-over within a call: who passed it on, who took it over, and when.

    The operators are resolved when the call is logged; the interfaces stay as the PBX named them, so a
    transfer to a device no user owns (or to an extension nobody answered) is still on record.
    """

    __tablename__ = "call_transfers"
    __table_args__ = (Index("ix_call_transfers_call", "call_id", "position", unique=True),)

    call_id: Mapped[int] = mapped_column(BigId, ForeignKey("calls.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(100))
    target: Mapped[str] = mapped_column(String(100))
    from_user_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True
    )
    to_user_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime)
