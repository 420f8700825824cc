"""alerts: the current alerts, kept on write, and what they were worked out for

The Alerts screen derived every alert of every active customer when it
opened (seconds at 100,000 customers); it now reads `alert_current`, kept
equal to that derivation by every change and by the daily refresh.
`alert_upkeep` says per client which day and settings the table was worked
out for, and which day and rules the rules' sweep last covered. Both start
empty: the first read of an upgraded database works the alerts out.

Revision ID: 0012_alert_current
Revises: 0011_api
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_alert_current"
down_revision = "0011_api"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_current",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(), nullable=False),
        sa.Column("severity", sa.String(), nullable=False),
        sa.Column("severity_rank", sa.Integer(), nullable=False),
        sa.Column("category_rank", sa.Integer(), nullable=False),
        sa.Column("customer_name", sa.String(), nullable=False),
        sa.Column("sort_name", sa.String(), nullable=False),
        sa.Column("manager", sa.String(), nullable=True),
        sa.Column("mrr", sa.Float(), nullable=True),
        sa.Column("mrr_order", sa.Float(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["client.id"]),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("customer_id", "category", name="uq_alert_current_customer_category"),
    )
    with op.batch_alter_table("alert_current") as batch_op:
        batch_op.create_index(
            "ix_alert_current_severity",
            [
                "client_id",
                "severity_rank",
                "mrr_order",
                "sort_name",
                "category_rank",
                "customer_id",
            ],
            unique=False,
        )
        batch_op.create_index(
            "ix_alert_current_category",
            ["client_id", "category_rank", "severity_rank", "mrr_order", "sort_name"],
            unique=False,
        )
        batch_op.create_index(
            "ix_alert_current_customer",
            ["client_id", "customer_id", "severity_rank", "mrr_order"],
            unique=False,
        )
    op.create_table(
        "alert_upkeep",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("alerts_on", sa.Date(), nullable=True),
        sa.Column("alerts_signature", sa.String(), nullable=True),
        sa.Column("swept_on", sa.Date(), nullable=True),
        sa.Column("sweep_signature", sa.String(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["client.id"]),
        sa.PrimaryKeyConstraint("client_id"),
    )


def downgrade() -> None:
    op.drop_table("alert_upkeep")
    with op.batch_alter_table("alert_current") as batch_op:
        batch_op.drop_index("ix_alert_current_customer")
        batch_op.drop_index("ix_alert_current_category")
        batch_op.drop_index("ix_alert_current_severity")
    op.drop_table("alert_current")
