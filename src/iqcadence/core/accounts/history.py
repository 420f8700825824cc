"""Score history: snapshots before a moment, scores as of a date, momentum."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, col, select

from iqcadence.core.base import clock
from iqcadence.core.scoring.formula import SIGNALS
from iqcadence.core.store.models import ScoreSnapshot

MOMENTUM_DAYS = 7


def snapshots_before(
    session: Session, customer_ids: list[int], moment: datetime
) -> dict[int, dict[str, Any]]:
    """The last snapshot of each customer strictly before `moment`."""
    if not customer_ids:
        return {}
    # The latest moment per customer comes from the (customer_id, taken_at)
    # index alone; joining back fetches those rows (ties: highest id wins).
    latest = (
        "SELECT s.* FROM score_snapshot s JOIN (SELECT customer_id, MAX(taken_at) AS last_at "
        "FROM score_snapshot WHERE taken_at < :moment{filter} GROUP BY customer_id) m "
        "ON s.customer_id = m.customer_id AND s.taken_at = m.last_at ORDER BY s.id"
    )
    out: dict[int, dict[str, Any]] = {}
    conn = session.connection()
    if len(customer_ids) > 1000:
        # One pass over the table beats many IN-lists for a whole portfolio.
        wanted = set(customer_ids)
        rows = conn.execute(text(latest.format(filter="")), {"moment": moment}).mappings()
        for row in rows:
            if int(row["customer_id"]) in wanted:
                out[int(row["customer_id"])] = dict(row)
        return out
    for start in range(0, len(customer_ids), 500):
        chunk = customer_ids[start : start + 500]
        marks = ", ".join(f":i{n}" for n in range(len(chunk)))
        params: dict[str, Any] = {f"i{n}": cid for n, cid in enumerate(chunk)}
        params["moment"] = moment
        query = latest.format(filter=f" AND customer_id IN ({marks})")
        for row in conn.execute(text(query), params).mappings():
            out[int(row["customer_id"])] = dict(row)
    return out


def scores_as_of(session: Session, customer_ids: list[int], moment: datetime) -> dict[int, float]:
    """The last recorded score of each customer strictly before `moment`."""
    return {
        cid: float(snap["score"])
        for cid, snap in snapshots_before(session, customer_ids, moment).items()
        if snap["score"] is not None
    }


def momentum_for(
    session: Session, rows: list[dict[str, Any]], today: date | None = None
) -> dict[int, float | None]:
    """Score now minus the score 7 days ago (None without that much history)."""
    today = today or clock.today()
    cutoff = clock.start_of(today - timedelta(days=MOMENTUM_DAYS - 1))
    past = scores_as_of(session, [int(r["id"]) for r in rows], cutoff)
    out: dict[int, float | None] = {}
    for row in rows:
        old = past.get(int(row["id"]))
        now_score = row.get("score")
        out[int(row["id"])] = (
            round(float(now_score) - old, 1) if old is not None and now_score is not None else None
        )
    return out


def history(session: Session, customer_id: int, limit: int = 10) -> list[ScoreSnapshot]:
    return list(
        session.exec(
            select(ScoreSnapshot)
            .where(ScoreSnapshot.customer_id == customer_id)
            .order_by(col(ScoreSnapshot.taken_at).desc(), col(ScoreSnapshot.id).desc())
            .limit(limit)
        ).all()
    )


def snapshot_to_dict(snapshot: ScoreSnapshot) -> dict[str, Any]:
    return {
        "taken_at": snapshot.taken_at.isoformat(timespec="seconds"),
        "score": snapshot.score,
        "band": snapshot.band,
        "source": snapshot.source,
        "signals": {name: getattr(snapshot, name) for name in SIGNALS},
    }
