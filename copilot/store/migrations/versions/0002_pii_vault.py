"""pii vault: encrypted values behind the placeholders stored in messages, traces, audit and hand-offs

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('pii_vault',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('conversation_id', sa.String(length=64), nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('token', sa.String(length=24), nullable=False),
    sa.Column('entity_type', sa.String(length=40), nullable=False),
    sa.Column('ciphertext', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('purged_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('conversation_id', 'token', name='uq_vault_conversation_token')
    )
    with op.batch_alter_table('pii_vault', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pii_vault_conversation_id'), ['conversation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pii_vault_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pii_vault_created_at'), ['created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('pii_vault', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pii_vault_created_at'))
        batch_op.drop_index(batch_op.f('ix_pii_vault_customer_id'))
        batch_op.drop_index(batch_op.f('ix_pii_vault_conversation_id'))
    op.drop_table('pii_vault')
