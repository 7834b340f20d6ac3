"""Call review: the scorecard's criteria, a reviewer's scores of a call, and notes pinned to its moments."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db.base import Base, BigId, IdMixin, TimestampMixin
from callcenter.models._types import JsonDoc


class ScoreCriterion(IdMixin, Base):
    """One line of the scorecard (greeting, need found, ...) and its weight; managers edit the list."""

    __tablename__ = "score_criteria"

    code: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    weight: Mapped[int] = mapped_column(Integer, default=1)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class CallReview(IdMixin, TimestampMixin, Base):
    """A reviewer's scores of one call; one per reviewer and call, changed in place."""

    __tablename__ = "call_reviews"
    __table_args__ = (UniqueConstraint("call_id", "reviewer_id"),)

    call_id: Mapped[int] = mapped_column(BigId, ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    # The criteria as they were when scored ([{code, name, weight, score}]): a weight changed later leaves
    # past reviews as they were.
    scores: Mapped[list[dict[str, object]]] = mapped_column(JsonDoc, default=list)
    total: Mapped[Decimal] = mapped_column(Numeric(5, 2))  # weighted, in % of the best possible
    comment: Mapped[str] = mapped_column(Text, default="")


class ReviewNote(IdMixin, TimestampMixin, Base):
    """A comment on a call, pinned to a moment of its recording (or to the whole call)."""

    __tablename__ = "call_review_notes"

    call_id: Mapped[int] = mapped_column(BigId, ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    at_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    text: Mapped[str] = mapped_column(Text)
