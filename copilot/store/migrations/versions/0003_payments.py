"""payments: payees, scheduled payments (standing orders, one-offs, direct debits), step-up devices, and the client
devices conversations come from

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('payees',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('nickname', sa.String(length=60), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('bank', sa.String(length=80), nullable=False),
    sa.Column('last4', sa.String(length=4), nullable=False),
    sa.Column('account_ciphertext', sa.Text(), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id']),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_payees_customer_id', 'payees', ['customer_id'])
    op.create_table('scheduled_payments',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('from_account_id', sa.String(length=64), nullable=False),
    sa.Column('to_account_id', sa.String(length=64), nullable=True),
    sa.Column('payee_id', sa.String(length=64), nullable=True),
    sa.Column('merchant', sa.String(length=120), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('cadence', sa.String(length=16), nullable=False),
    sa.Column('next_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id']),
    sa.ForeignKeyConstraint(['from_account_id'], ['accounts.id']),
    sa.ForeignKeyConstraint(['to_account_id'], ['accounts.id']),
    sa.ForeignKeyConstraint(['payee_id'], ['payees.id']),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_scheduled_payments_customer_id', 'scheduled_payments', ['customer_id'])
    op.create_table('step_up_devices',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('secret_ciphertext', sa.Text(), nullable=False),
    sa.Column('failed_attempts', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_used_step', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id']),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_step_up_devices_customer_id', 'step_up_devices', ['customer_id'])
    op.create_table('client_devices',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('first_seen', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id']),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_client_devices_customer_id', 'client_devices', ['customer_id'])
    op.add_column('conversations', sa.Column('device_id', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('conversations') as batch:
        batch.drop_column('device_id')
    for table in ('client_devices', 'step_up_devices', 'scheduled_payments', 'payees'):
        op.drop_index(f'ix_{table}_customer_id', table_name=table)
        op.drop_table(table)
