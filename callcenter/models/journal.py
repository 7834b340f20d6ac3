"""What the call logger keeps besides the call log: the calls going on now, so that a restarted process
takes them up, and the calls that could not be written, kept aside with the reason."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db.base import Base, IdMixin, UTCDateTime, utcnow


class LiveCall(Base):
    """A call the connector follows, as the tracker's snapshot (JSON text: strings from the PBX may hold
    anything, and text keeps what JSONB would refuse). Deleted once the call is logged."""

    __tablename__ = "live_calls"

    # Each telephony process follows one PBX; a process taking up its calls must not close another's.
    pbx: Mapped[str] = mapped_column(String(200), primary_key=True)
    linkedid: Mapped[str] = mapped_column(String(150), primary_key=True)
    state: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class UnloggedCall(IdMixin, Base):
    """A finished call the logger could not write, with why: counted, shown, never silently dropped."""

    __tablename__ = "unlogged_calls"
    __table_args__ = (Index("ix_unlogged_calls_at", "at"),)

    linkedid: Mapped[str] = mapped_column(String(150))
    reason: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text)  # the call summary as JSON text
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
