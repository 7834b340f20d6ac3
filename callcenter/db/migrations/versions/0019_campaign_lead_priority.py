"""Campaign leads keep what they are ordered by (class, last contact, last activity); open dial attempts
are found by client

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = "ended_at IS NULL"


def upgrade() -> None:
    with op.batch_alter_table("campaign_leads") as batch:
        batch.add_column(sa.Column("priority_class", sa.SmallInteger(), nullable=False, server_default=sa.text("3")))
        batch.add_column(sa.Column("last_contact_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("last_active_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_dial_attempts_open", "dial_attempts", ["client_id"], unique=False,
                    postgresql_where=sa.text(OPEN), sqlite_where=sa.text(OPEN))


def downgrade() -> None:
    op.drop_index("ix_dial_attempts_open", table_name="dial_attempts")
    with op.batch_alter_table("campaign_leads") as batch:
        batch.drop_column("last_active_at")
        batch.drop_column("last_contact_at")
        batch.drop_column("priority_class")
