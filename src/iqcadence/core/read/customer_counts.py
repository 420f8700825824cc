"""How many customers a filter matches (the count line of a list)."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session

from iqcadence.core.read.customer_pages import CustomerFilter, filter_sql


def count_customers(session: Session, client_id: int, filters: CustomerFilter) -> int:
    where, params = filter_sql(session, client_id, filters)
    if _only_client(session, client_id):
        # every customer is this client's: without that test, a count by
        # status reads the (status, band) index alone instead of every row
        where = where.replace("customer.client_id = :client_id", "1 = 1", 1)
    result = session.connection().execute(
        text(f"SELECT COUNT(*) FROM customer WHERE {where}"), params
    )
    return int(result.scalar_one())


def _only_client(session: Session, client_id: int) -> bool:
    """Whether the database holds no client but this one."""
    low, high = session.connection().execute(text("SELECT MIN(id), MAX(id) FROM client")).one()
    return bool(low == high == client_id)
