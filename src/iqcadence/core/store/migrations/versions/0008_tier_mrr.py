"""customers: an index on (tier, mrr)

A list filtered by tier and sorted by MRR or ARR (ARR is 12 × MRR) walked the
MRR index past every customer of the other tiers: small customers are rare at
the top of MRR, so the first page of `--tier smb --sort arr --desc` read most
of the table.

Revision ID: 0008_tier_mrr
Revises: 0007_unique_names
"""

from alembic import op

revision = "0008_tier_mrr"
down_revision = "0007_unique_names"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customer") as batch_op:
        batch_op.create_index("ix_customer_tier_mrr", ["tier", "mrr"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("customer") as batch_op:
        batch_op.drop_index("ix_customer_tier_mrr")
