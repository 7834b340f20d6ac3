"""Call review: the scorecard's criteria (with a default set), reviews and notes pinned to moments

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

_criteria = sa.table(
    "score_criteria",
    sa.column("code", sa.String),
    sa.column("name", sa.String),
    sa.column("weight", sa.Integer),
    sa.column("sort_order", sa.Integer),
    sa.column("is_active", sa.Boolean),
)

# (code, name, weight): written out, so this revision inserts the same set whatever later code does.
CRITERIA = [
    ("greeting", "Приветствие и представление", 1),
    ("need_found", "Выявление потребности", 3),
    ("offer", "Презентация предложения", 2),
    ("objections", "Работа с возражениями", 2),
    ("closing", "Завершение и следующий шаг", 2),
]


def upgrade() -> None:
    op.create_table(
        "score_criteria",
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_score_criteria")),
        sa.UniqueConstraint("code", name=op.f("uq_score_criteria_code")),
    )
    op.create_table(
        "call_reviews",
        sa.Column("call_id", BIG_ID, nullable=False),
        sa.Column("reviewer_id", BIG_ID, nullable=True),
        sa.Column("scores", JSON, nullable=False),
        sa.Column("total", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"], name=op.f("fk_call_reviews_call_id_calls"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reviewer_id"], ["users.id"], name=op.f("fk_call_reviews_reviewer_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_reviews")),
        sa.UniqueConstraint("call_id", "reviewer_id", name=op.f("uq_call_reviews_call_id")),
    )
    op.create_index(op.f("ix_call_reviews_call_id"), "call_reviews", ["call_id"], unique=False)
    op.create_table(
        "call_review_notes",
        sa.Column("call_id", BIG_ID, nullable=False),
        sa.Column("author_id", BIG_ID, nullable=True),
        sa.Column("at_ms", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"], name=op.f("fk_call_review_notes_call_id_calls"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_call_review_notes_author_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_review_notes")),
    )
    op.create_index(op.f("ix_call_review_notes_call_id"), "call_review_notes", ["call_id"], unique=False)
    op.bulk_insert(_criteria, [
        {"code": code, "name": name, "weight": weight, "sort_order": (i + 1) * 10, "is_active": True}
        for i, (code, name, weight) in enumerate(CRITERIA)
    ])


def downgrade() -> None:
    op.drop_index(op.f("ix_call_review_notes_call_id"), table_name="call_review_notes")
    op.drop_table("call_review_notes")
    op.drop_index(op.f("ix_call_reviews_call_id"), table_name="call_reviews")
    op.drop_table("call_reviews")
    op.drop_table("score_criteria")
