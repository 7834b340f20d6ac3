"""Outbound campaigns: segments, campaigns, their operators and leads, dial attempts, do-not-call lists;
clients' tags and withdrawn consent to calls

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('segments',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('filters', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_segments_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_segments'))
    )
    op.create_table('campaigns',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('segment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('state', sa.Enum('draft', 'running', 'paused', 'finished', name='campaign_state', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('mode', sa.Enum('preview', 'progressive', 'predictive', name='dial_mode', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('refresh_minutes', sa.Integer(), nullable=True),
    sa.Column('team_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('caller_id', sa.String(length=40), nullable=False),
    sa.Column('queue', sa.String(length=80), nullable=True),
    sa.Column('rules', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('refreshed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_campaigns_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['segment_id'], ['segments.id'], name=op.f('fk_campaigns_segment_id_segments'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_campaigns_team_id_teams'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaigns'))
    )
    op.create_index(op.f('ix_campaigns_segment_id'), 'campaigns', ['segment_id'], unique=False)
    op.create_table('campaign_leads',
    sa.Column('campaign_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('client_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('state', sa.Enum('pending', 'dialing', 'done', 'excluded', name='lead_state', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_outcome', sa.Enum('dialing', 'connected', 'abandoned', 'machine', 'busy', 'no_answer', 'failed', name='lead_last_outcome', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_leads_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_campaign_leads_client_id_clients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_leads')),
    sa.UniqueConstraint('campaign_id', 'client_id', name=op.f('uq_campaign_leads_campaign_id'))
    )
    op.create_index(op.f('ix_campaign_leads_client_id'), 'campaign_leads', ['client_id'], unique=False)
    op.create_index('ix_campaign_leads_due', 'campaign_leads', ['campaign_id', 'state', 'next_attempt_at'], unique=False)
    op.create_table('campaign_operators',
    sa.Column('campaign_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('joined_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_operators_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_campaign_operators_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('campaign_id', 'user_id', name=op.f('pk_campaign_operators'))
    )
    op.create_table('do_not_call',
    sa.Column('e164', sa.String(length=20), nullable=False),
    sa.Column('campaign_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('added_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_do_not_call_added_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_do_not_call_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_do_not_call')),
    sa.UniqueConstraint('e164', 'campaign_id', name=op.f('uq_do_not_call_e164'))
    )
    op.create_index(op.f('ix_do_not_call_e164'), 'do_not_call', ['e164'], unique=False)
    op.create_table('dial_attempts',
    sa.Column('campaign_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('lead_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('client_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('channel_id', sa.String(length=64), nullable=False),
    sa.Column('preview', sa.Boolean(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('live_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('connected_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.Enum('dialing', 'connected', 'abandoned', 'machine', 'busy', 'no_answer', 'failed', name='attempt_outcome', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('amd_status', sa.String(length=20), nullable=True),
    sa.Column('amd_cause', sa.String(length=60), nullable=True),
    sa.Column('operator_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('wait_for_operator_s', sa.Float(), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_dial_attempts_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_dial_attempts_client_id_clients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['lead_id'], ['campaign_leads.id'], name=op.f('fk_dial_attempts_lead_id_campaign_leads'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['operator_id'], ['users.id'], name=op.f('fk_dial_attempts_operator_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dial_attempts')),
    sa.UniqueConstraint('channel_id', name=op.f('uq_dial_attempts_channel_id'))
    )
    op.create_index('ix_dial_attempts_campaign_started', 'dial_attempts', ['campaign_id', 'started_at'], unique=False)
    op.create_index('ix_dial_attempts_client_started', 'dial_attempts', ['client_id', 'started_at'], unique=False)
    op.create_index(op.f('ix_dial_attempts_lead_id'), 'dial_attempts', ['lead_id'], unique=False)
    op.create_index(op.f('ix_dial_attempts_operator_id'), 'dial_attempts', ['operator_id'], unique=False)
    op.add_column('clients', sa.Column('tags', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False,
                                       server_default=sa.text("'[]'")))
    op.add_column('clients', sa.Column('calls_consent_withdrawn_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column('clients', 'calls_consent_withdrawn_at')
    op.drop_column('clients', 'tags')
    op.drop_index(op.f('ix_dial_attempts_operator_id'), table_name='dial_attempts')
    op.drop_index(op.f('ix_dial_attempts_lead_id'), table_name='dial_attempts')
    op.drop_index('ix_dial_attempts_client_started', table_name='dial_attempts')
    op.drop_index('ix_dial_attempts_campaign_started', table_name='dial_attempts')
    op.drop_table('dial_attempts')
    op.drop_index(op.f('ix_do_not_call_e164'), table_name='do_not_call')
    op.drop_table('do_not_call')
    op.drop_table('campaign_operators')
    op.drop_index('ix_campaign_leads_due', table_name='campaign_leads')
    op.drop_index(op.f('ix_campaign_leads_client_id'), table_name='campaign_leads')
    op.drop_table('campaign_leads')
    op.drop_index(op.f('ix_campaigns_segment_id'), table_name='campaigns')
    op.drop_table('campaigns')
    op.drop_table('segments')
