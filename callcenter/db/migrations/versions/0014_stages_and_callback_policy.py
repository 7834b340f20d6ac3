"""Clients' moves between lifecycle stages, and each team's lateness after which overdue callbacks go to
another operator (and when a callback was last handed on)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "stage_changes",
        sa.Column("client_id", BIG_ID, nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("from_stage", sa.String(length=20), nullable=True),
        sa.Column("to_stage", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("user_id", BIG_ID, nullable=True),
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], name=op.f("fk_stage_changes_client_id_clients"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_stage_changes_user_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stage_changes")),
    )
    op.create_index("ix_stage_changes_changed_at", "stage_changes", ["changed_at", "to_stage"])
    op.create_index("ix_stage_changes_client_id", "stage_changes", ["client_id"])
    with op.batch_alter_table("teams") as batch:
        batch.add_column(sa.Column("callbacks_reassign_minutes", sa.Integer(), nullable=True))
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("reassigned_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("reassigned_at")
    with op.batch_alter_table("teams") as batch:
        batch.drop_column("callbacks_reassign_minutes")
    op.drop_index("ix_stage_changes_client_id", table_name="stage_changes")
    op.drop_index("ix_stage_changes_changed_at", table_name="stage_changes")
    op.drop_table("stage_changes")
