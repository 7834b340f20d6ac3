"""When a call's recording was deleted under the retention setting

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06

``CALLCENTER_RECORDINGS_RETENTION_DAYS`` deletes the audio of older calls and keeps the calls themselves;
``recording_deleted_at`` says when, so the recording is answered as gone rather than not yet arrived. The
partial index holds the calls whose audio is still kept, by start, for the retention's rounds.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEPT = "recording_path IS NOT NULL AND recording_deleted_at IS NULL"


def upgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.add_column(sa.Column("recording_deleted_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_calls_recording_kept", "calls", ["started_at"], unique=False,
                    postgresql_where=sa.text(KEPT), sqlite_where=sa.text(KEPT))


def downgrade() -> None:
    op.drop_index("ix_calls_recording_kept", table_name="calls")
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("recording_deleted_at")
