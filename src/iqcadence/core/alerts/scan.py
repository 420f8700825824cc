"""Reading customers for the rules: the active customers of a client, a
chunk at a time in id order, with only the columns events compare unless
whole rows are needed, and the id filters (ranges or IN lists) that select
a chunk."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

# Customers compared per round trip: large enough that the per-chunk queries
# cost little, small enough that a million changed customers stay a few MiB.
CHUNK = 5000
# The columns events read (and the scope's manager); a whole row is read only
# for customers whose notification is written, or when a custom rule needs it.
_EVENT_COLUMNS = (
    "id",
    "name",
    "manager",
    "score",
    "band",
    "lifecycle",
    "nps",
    "days_baseline",
    "days_as_of",
    "renewal_date",
)
# Ids bound per IN list (and outbox keys per lookup): well under the drivers'
# limits on bound parameters.
IN_LIST = 500


def row_chunks(
    session: Session, client_id: int, customer_ids: Sequence[int] | None, *, full: bool
) -> Iterator[list[dict[str, Any]]]:
    """The active customers (all of the client when `customer_ids` is None),
    CHUNK at a time in id order; whole typed rows when `full`, else only
    `_EVENT_COLUMNS`."""
    from iqcadence.core.store.rows import typed_row

    conn = session.connection()
    columns = "*" if full else ", ".join(_EVENT_COLUMNS)
    sql = f"SELECT {columns} FROM customer WHERE client_id = :client_id AND status = 'active'"

    def shaped(result: Any) -> list[dict[str, Any]]:
        if full:
            return [typed_row(dict(r)) for r in result.mappings().all()]
        return [dict(zip(_EVENT_COLUMNS, r, strict=True)) for r in result.all()]

    if customer_ids is None:
        last = None
        while True:
            params: dict[str, Any] = {"client_id": client_id, "limit": CHUNK}
            where = ""
            if last is not None:
                where, params["after"] = " AND id > :after", last
            rows = shaped(conn.execute(text(f"{sql}{where} ORDER BY id LIMIT :limit"), params))
            if not rows:
                return
            yield rows
            last = rows[-1]["id"]
            if len(rows) < CHUNK:
                return
    for start in range(0, len(customer_ids), CHUNK):
        chunk = [int(cid) for cid in customer_ids[start : start + CHUNK]]
        rows = []
        for condition, params, wanted in _id_filters("id", chunk):
            params["client_id"] = client_id
            result = conn.execute(text(f"{sql} AND {condition} ORDER BY id"), params)
            found = shaped(result)
            rows.extend(found if wanted is None else [r for r in found if r["id"] in wanted])
        if rows:
            yield rows


def _id_filters(
    column: str, ids: Sequence[int]
) -> Iterator[tuple[str, dict[str, Any], set[int] | None]]:
    """Conditions on `column` selecting `ids`, with their parameters: one range
    when the ids are dense (the set returned with it drops the rows between
    them), else IN lists of a few hundred."""
    if not ids:
        return
    low, high = min(ids), max(ids)
    if high - low < 2 * len(ids):
        yield f"{column} BETWEEN :id_low AND :id_high", {"id_low": low, "id_high": high}, set(ids)
        return
    for start in range(0, len(ids), IN_LIST):
        part = ids[start : start + IN_LIST]
        marks = ", ".join(f":id{n}" for n in range(len(part)))
        yield f"{column} IN ({marks})", {f"id{n}": cid for n, cid in enumerate(part)}, None


def select_ids(
    conn: Any, sql: str, column: str, ids: Sequence[int], params: Mapping[str, Any]
) -> Iterator[Any]:
    """The rows of `sql` (a SELECT ending in a WHERE clause, its first column
    `column`) whose `column` is one of `ids`."""
    for condition, bound, wanted in _id_filters(column, ids):
        for row in conn.execute(text(f"{sql} AND {condition}"), {**params, **bound}).all():
            if wanted is None or row[0] in wanted:
                yield row


def full_rows(
    session: Session, client_id: int, rows: list[dict[str, Any]], wanted: set[int]
) -> dict[int, dict[str, Any]]:
    """Whole typed rows of the `wanted` customers (for their notifications)."""
    from iqcadence.core.store.rows import typed_row

    if rows and "status" in rows[0]:  # already whole rows
        return {int(r["id"]): r for r in rows if int(r["id"]) in wanted}
    sql = "SELECT * FROM customer WHERE client_id = :client_id"
    conn = session.connection()
    out: dict[int, dict[str, Any]] = {}
    for condition, params, keep in _id_filters("id", sorted(wanted)):
        params["client_id"] = client_id
        for r in conn.execute(text(f"{sql} AND {condition}"), params).mappings():
            if keep is None or r["id"] in keep:
                out[int(r["id"])] = typed_row(dict(r))
    return out
