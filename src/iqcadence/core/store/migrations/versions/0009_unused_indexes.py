"""customers: drop the indexes on domain and e-mail

No query looks a customer up by domain or e-mail: matching by them (import
--key domain|email, meetings and e-mails of `import events`) reads every
customer's values once into memory. The two indexes only cost every write,
and a second each at a million rows in a bulk import.

Revision ID: 0009_unused_indexes
Revises: 0008_tier_mrr
"""

from alembic import op

revision = "0009_unused_indexes"
down_revision = "0008_tier_mrr"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customer") as batch_op:
        batch_op.drop_index("ix_customer_domain")
        batch_op.drop_index("ix_customer_email")


def downgrade() -> None:
    with op.batch_alter_table("customer") as batch_op:
        batch_op.create_index("ix_customer_domain", ["domain"], unique=False)
        batch_op.create_index("ix_customer_email", ["email"], unique=False)
