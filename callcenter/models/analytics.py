"""The runs of the client classification: what each one decided and how clients moved between classes."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db.base import Base, BigId, IdMixin, UTCDateTime, utcnow
from callcenter.models._types import JsonDoc


class ClassificationRun(IdMixin, Base):
    __tablename__ = "classification_runs"

    ran_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    first: Mapped[date] = mapped_column(Date)
    last: Mapped[date] = mapped_column(Date)
    measure: Mapped[str] = mapped_column(String(20))  # revenue, margin, count
    bounds: Mapped[dict[str, object]] = mapped_column(JsonDoc, default=dict)
    counts: Mapped[dict[str, object]] = mapped_column(JsonDoc, default=dict)  # clients per class and quadrant
    moves: Mapped[dict[str, object]] = mapped_column(JsonDoc, default=dict)  # "A→B": clients, since the last run
