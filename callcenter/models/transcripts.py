"""A call's transcript: its lines with times and speakers, and the whole text for search."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db.base import Base, BigId, IdMixin, TimestampMixin
from callcenter.models._types import JsonDoc


class Transcript(IdMixin, TimestampMixin, Base):
    __tablename__ = "transcripts"

    call_id: Mapped[int] = mapped_column(BigId, ForeignKey("calls.id", ondelete="CASCADE"), unique=True)
    language: Mapped[str] = mapped_column(String(10))
    duration_seconds: Mapped[float] = mapped_column(Numeric(10, 3))
    # [{"start": s, "end": s, "text": "...", "speaker": "client" | "operator" | null}], in time order
    segments: Mapped[list[dict[str, object]]] = mapped_column(JsonDoc, default=list)
    text: Mapped[str] = mapped_column(Text, default="")
    model: Mapped[str] = mapped_column(String(200), default="")  # the model folder's name, for the record
