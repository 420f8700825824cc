"""Alembic environment: runs inside the caller's connection and transaction."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import iqcadence.core.store.models  # noqa: F401  (registers every table)

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only `alembic` on the command line
    raise RuntimeError("iqcadence migrations run through iqcadence.core.store.migrations.upgrade()")

context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=True,
    transactional_ddl=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
