"""customers: an index on lifecycle

The Customers screen sorts by any column; lifecycle was the only one without
an index, so its first page read and sorted the whole table (60-80 ms at
100,000 customers, over the 50 ms a keystroke may take).

Revision ID: 0010_lifecycle_index
Revises: 0009_unused_indexes
"""

from alembic import op

revision = "0010_lifecycle_index"
down_revision = "0009_unused_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customer") as batch_op:
        batch_op.create_index("ix_customer_lifecycle", ["lifecycle"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("customer") as batch_op:
        batch_op.drop_index("ix_customer_lifecycle")
