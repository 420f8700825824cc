"""api: client assignments, API keys, the API call log, idempotent replays

Users can be assigned to clients; the REST API authenticates with keys kept
as hashes, logs every call, and keeps the response to a write sent with an
Idempotency-Key for a day.

Revision ID: 0011_api
Revises: 0010_lifecycle_index
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_api"
down_revision = "0010_lifecycle_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_client",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["client_id"], ["client.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "client_id"),
    )
    op.create_table(
        "api_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("prefix", sa.String(), nullable=False),
        sa.Column("key_hash", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["client_id"], ["client.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_id", "name", name="uq_api_key_client_name"),
    )
    with op.batch_alter_table("api_key") as batch_op:
        batch_op.create_index("ix_api_key_prefix", ["prefix"], unique=False)
    op.create_table(
        "api_call",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("key_name", sa.String(), nullable=True),
        sa.Column("method", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("customer_name", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("api_call") as batch_op:
        batch_op.create_index("ix_api_call_client_at", ["client_id", "at"], unique=False)
    op.create_table(
        "api_replay",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("api_key_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(), nullable=False),
        sa.Column("request_hash", sa.String(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["api_key_id"], ["api_key.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("api_key_id", "idempotency_key", name="uq_api_replay_key"),
    )
    with op.batch_alter_table("api_replay") as batch_op:
        batch_op.create_index("ix_api_replay_created", ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("api_replay") as batch_op:
        batch_op.drop_index("ix_api_replay_created")
    op.drop_table("api_replay")
    with op.batch_alter_table("api_call") as batch_op:
        batch_op.drop_index("ix_api_call_client_at")
    op.drop_table("api_call")
    with op.batch_alter_table("api_key") as batch_op:
        batch_op.drop_index("ix_api_key_prefix")
    op.drop_table("api_key")
    op.drop_table("user_client")
