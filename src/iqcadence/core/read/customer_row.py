"""One customer as a plain row, by id or by name, without building an ORM
object: the API's one-customer reads."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlmodel import Session

from iqcadence.core.store.models import Customer
from iqcadence.core.store.rows import typed_row


def customer_row(
    session: Session, client_id: int, *, customer_id: int | None = None, name: str | None = None
) -> dict[str, Any] | None:
    """One customer of the client as a plain row, by id or by name (any
    case), or None: the API's one-customer reads, without building an ORM
    object."""
    key: int | str
    if customer_id is not None:
        statement, key = _ROW_BY_ID, customer_id
    elif name is not None:
        from iqcadence.core.accounts.customers import name_key

        statement, key = _ROW_BY_NAME, name_key(name)
    else:
        return None
    found = (
        session.connection()
        .execute(statement, {"key": key, "client": client_id})
        .mappings()
        .first()
    )
    return typed_row(dict(found)) if found is not None else None


def _row_by(column: str) -> Select[Any]:
    # Built once: a select over the table's columns is compiled once, and
    # its rows come back typed without reading their description each time.
    table = Customer.__table__  # type: ignore[attr-defined]
    return select(table).where(
        table.c[column] == bindparam("key"), table.c.client_id == bindparam("client")
    )


_ROW_BY_ID = _row_by("id")
_ROW_BY_NAME = _row_by("name_key")
