"""Transcripts of calls, and on PostgreSQL a full-text index of their words in Russian and English

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "transcripts",
        sa.Column("call_id", BIG_ID, nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("duration_seconds", sa.Numeric(precision=10, scale=3), nullable=False),
        sa.Column("segments", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                  nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"], name=op.f("fk_transcripts_call_id_calls"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transcripts")),
        sa.UniqueConstraint("call_id", name=op.f("uq_transcripts_call_id")),
    )
    if op.get_bind().dialect.name == "postgresql":
        # The expression callcenter.transcripts.search writes, character for character.
        op.execute("CREATE INDEX ix_transcripts_words_fts ON transcripts USING gin "
                   "((to_tsvector('russian'::regconfig, transcripts.text) || "
                   "to_tsvector('english'::regconfig, transcripts.text)))")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_transcripts_words_fts")
    op.drop_table("transcripts")
