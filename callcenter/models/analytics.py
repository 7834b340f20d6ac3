"""The runs of the client classification (what each one decided, how clients moved between classes) and the
clients' moves between lifecycle stages."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String
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


class StageChange(IdMixin, Base):
    """A client moved from one lifecycle stage to another: by the rules' run, or by hand."""

    __tablename__ = "stage_changes"
    __table_args__ = (Index("ix_stage_changes_changed_at", "changed_at", "to_stage"),)

    client_id: Mapped[int] = mapped_column(BigId, ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    from_stage: Mapped[str | None] = mapped_column(String(20), nullable=True)
    to_stage: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(20))  # rules, manual
    user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
