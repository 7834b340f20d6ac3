"""Each direction's own recording file, when MixMonitor keeps them apart (its r() and t() options)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04

``recording_in_path`` holds what the client said, ``recording_out_path`` what the operator said (the tracker
maps MixMonitor's r() and t() to them by whose channel it records); the transcript labels each side's lines
by them.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.add_column(sa.Column("recording_in_path", sa.String(length=500), nullable=True))
        batch.add_column(sa.Column("recording_out_path", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("recording_out_path")
        batch.drop_column("recording_in_path")
