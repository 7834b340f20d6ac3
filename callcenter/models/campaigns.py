"""Outbound campaigns: saved segments of clients, campaigns over them, their leads and every dial attempt,
and the do-not-call lists.

A campaign's rules (call windows, retries, order, what to do with a machine) are one JSON document,
validated by ``callcenter.campaigns.schemas``: they are read whole by the dialer and edited whole on a page.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, SmallInteger, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db.base import Base, BigId, IdMixin, TimestampMixin, UTCDateTime, utcnow
from callcenter.enums import AttemptOutcome, CampaignState, DialMode, LeadState
from callcenter.models._types import JsonDoc, enum_column_type


class Segment(IdMixin, TimestampMixin, Base):
    """A saved filter over clients (``filters``: the document ``callcenter.segments.schemas`` validates)."""

    __tablename__ = "segments"

    name: Mapped[str] = mapped_column(String(200))
    filters: Mapped[dict[str, object]] = mapped_column(JsonDoc, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )


class Campaign(IdMixin, TimestampMixin, Base):
    __tablename__ = "campaigns"

    name: Mapped[str] = mapped_column(String(200))
    segment_id: Mapped[int] = mapped_column(BigId, ForeignKey("segments.id", ondelete="RESTRICT"), index=True)
    state: Mapped[CampaignState] = mapped_column(
        enum_column_type(CampaignState, "campaign_state"), default=CampaignState.DRAFT
    )
    mode: Mapped[DialMode] = mapped_column(enum_column_type(DialMode, "dial_mode"), default=DialMode.PROGRESSIVE)
    # None: the segment is frozen into leads at start; else its new members are added this often.
    refresh_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    team_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("teams.id", ondelete="SET NULL"), nullable=True)
    caller_id: Mapped[str] = mapped_column(String(40), default="")
    # A queue the dialplan hands live answers to; None: the dialer picks the operator itself.
    queue: Mapped[str | None] = mapped_column(String(80), nullable=True)
    rules: Mapped[dict[str, object]] = mapped_column(JsonDoc, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class CampaignOperator(Base):
    """An operator named for a campaign (besides its team), and whether they are taking its calls now."""

    __tablename__ = "campaign_operators"

    campaign_id: Mapped[int] = mapped_column(BigId, ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    # Set while the operator has joined the campaign from their desk; the dialer counts only those.
    joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class CampaignLead(IdMixin, Base):
    """A client of the campaign's segment, with where its dialling stands."""

    __tablename__ = "campaign_leads"
    __table_args__ = (
        UniqueConstraint("campaign_id", "client_id"),
        Index("ix_campaign_leads_due", "campaign_id", "state", "next_attempt_at"),
    )

    campaign_id: Mapped[int] = mapped_column(BigId, ForeignKey("campaigns.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(BigId, ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    state: Mapped[LeadState] = mapped_column(enum_column_type(LeadState, "lead_state"), default=LeadState.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_outcome: Mapped[AttemptOutcome | None] = mapped_column(
        enum_column_type(AttemptOutcome, "lead_last_outcome"), nullable=True
    )
    # Why a lead is done or excluded, for the campaign page ("reached", "dnc", "attempts").
    reason: Mapped[str] = mapped_column(String(40), default="")
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # What the campaign's order reads, taken when the client became a lead: ABC class (A 0, B 1, C 2, none 3),
    # the last contact made with them and their last activity (a sale or a contact they started).
    priority_class: Mapped[int] = mapped_column(SmallInteger, default=3, server_default=text("3"))
    last_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_active_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class DialAttempt(IdMixin, Base):
    """One call placed for a lead. ``channel_id`` is the Originate's ChannelId, so the Linkedid of the call
    the call log shows: the attempt and its call are joined on it."""

    __tablename__ = "dial_attempts"
    __table_args__ = (
        Index("ix_dial_attempts_campaign_started", "campaign_id", "started_at"),
        Index("ix_dial_attempts_client_started", "client_id", "started_at"),
        # Is a client being dialled now (by any campaign)?
        Index("ix_dial_attempts_open", "client_id", postgresql_where=text("ended_at IS NULL"),
              sqlite_where=text("ended_at IS NULL")),
    )

    campaign_id: Mapped[int] = mapped_column(BigId, ForeignKey("campaigns.id", ondelete="CASCADE"))
    lead_id: Mapped[int] = mapped_column(BigId, ForeignKey("campaign_leads.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[int] = mapped_column(BigId, ForeignKey("clients.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(20))  # E.164
    channel_id: Mapped[str] = mapped_column(String(64), unique=True)
    preview: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    live_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)  # AMD said a person
    connected_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    outcome: Mapped[AttemptOutcome] = mapped_column(
        enum_column_type(AttemptOutcome, "attempt_outcome"), default=AttemptOutcome.DIALING
    )
    amd_status: Mapped[str | None] = mapped_column(String(20), nullable=True)  # HUMAN, MACHINE, NOTSURE, HANGUP
    amd_cause: Mapped[str | None] = mapped_column(String(60), nullable=True)
    operator_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True
    )
    wait_for_operator_s: Mapped[float | None] = mapped_column(Float, nullable=True)


class DoNotCall(IdMixin, Base):
    """A number never to be dialled: by any campaign (``campaign_id`` None) or by one."""

    __tablename__ = "do_not_call"
    __table_args__ = (UniqueConstraint("e164", "campaign_id"),)

    e164: Mapped[str] = mapped_column(String(20), index=True)
    campaign_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=True
    )
    reason: Mapped[str] = mapped_column(String(200), default="")
    added_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
