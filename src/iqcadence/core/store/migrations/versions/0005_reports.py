"""reports: scheduled report deliveries

Revision ID: 0005_reports
Revises: 0004_alerts
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_reports"
down_revision = "0004_alerts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_schedule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("report_type", sa.String(), nullable=False),
        sa.Column("every", sa.String(), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("format", sa.String(), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("last_period", sa.DateTime(), nullable=True),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["client.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("report_schedule") as batch_op:
        batch_op.create_index("ix_report_schedule_client_id", ["client_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("report_schedule") as batch_op:
        batch_op.drop_index("ix_report_schedule_client_id")
    op.drop_table("report_schedule")
