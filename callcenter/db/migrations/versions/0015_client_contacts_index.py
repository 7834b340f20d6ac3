"""The index of a client's contacts by time carries their status and kind (PostgreSQL), so counting a
client's contacts up to a moment reads the index alone

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite has no covering indexes; its index stays as it was
    op.drop_index("ix_interactions_client_occurred", table_name="interactions")
    op.create_index("ix_interactions_client_occurred", "interactions", ["client_id", "occurred_at"],
                    postgresql_include=["status", "kind"])


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_interactions_client_occurred", table_name="interactions")
    op.create_index("ix_interactions_client_occurred", "interactions", ["client_id", "occurred_at"])
