"""customer names: a unique index instead of a table constraint

The same rule (one name per client, case-insensitive) held by an index that
a bulk import can drop and build once, sorted, after the rows are written:
inserting a million rows into a unique B-tree in file order costs more than
everything else the import does. `ix_customer_client_id` goes: the unique
index starts with client_id and serves every lookup it served.

Revision ID: 0007_unique_names
Revises: 0005_reports
"""

from alembic import op

from iqcadence.core.store import dialect

revision = "0007_unique_names"
down_revision = "0005_reports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    triggers = dialect.table_triggers(bind, "customer")  # a rebuild drops them
    with op.batch_alter_table("customer") as batch_op:
        batch_op.drop_constraint("uq_customer_client_name", type_="unique")
        batch_op.drop_index("ix_customer_client_id")
        batch_op.create_index("uq_customer_client_name", ["client_id", "name_key"], unique=True)
    for sql in triggers:
        op.execute(sql)


def downgrade() -> None:
    bind = op.get_bind()
    triggers = dialect.table_triggers(bind, "customer")
    with op.batch_alter_table("customer") as batch_op:
        batch_op.drop_index("uq_customer_client_name")
        batch_op.create_unique_constraint("uq_customer_client_name", ["client_id", "name_key"])
        batch_op.create_index("ix_customer_client_id", ["client_id"], unique=False)
    for sql in triggers:
        op.execute(sql)
