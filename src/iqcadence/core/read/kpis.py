"""The portfolio KPIs: accounts by band, total MRR, revenue at risk (MRR of
Critical and At Risk) and expansion opportunity (MRR × the expansion % of
the Expansion band), over the user's accounts or the whole portfolio.

This is what the app's first frame shows, so the whole-portfolio figures of
a one-client database are read from indexes alone where they can be.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from iqcadence.core.accounts.customers import RISK_BANDS
from iqcadence.core.base.actor import Actor
from iqcadence.core.read.scope import owns_accounts, scope_sql
from iqcadence.core.scoring.formula import BANDS, ScoringConfig
from iqcadence.core.store import settings


@dataclass
class Kpis:
    bands: dict[str, int]
    unscored: int
    accounts: int
    # The MRR figures are None while still being read (see day_kpis' `mrr`).
    total_mrr: float | None
    revenue_at_risk: float | None
    expansion_opportunity: float | None
    expansion_pct: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """The `kpis` object of `myday --json`."""
        return {
            "accounts": self.accounts,
            "by_band": {**self.bands, "unscored": self.unscored},
            "total_mrr": self.total_mrr,
            "revenue_at_risk": self.revenue_at_risk,
            "expansion_opportunity": self.expansion_opportunity,
            "expansion_pct": self.expansion_pct,
        }


def day_kpis(
    session: Session,
    actor: Actor,
    config: ScoringConfig | None = None,
    *,
    mrr: bool = True,
    everyone: bool | None = None,
) -> tuple[Kpis, bool]:
    """The KPI strip of My day and whether it covers the user's own accounts
    (True) or the whole portfolio (False: asked for with `everyone`, or,
    when `everyone` is None, because they own none).

    This is what the first frame of the app shows, so the whole-portfolio
    figures of a one-client database are read from indexes alone where they
    can be: counts from the (status, band) index, and the MRR figures as
    `mrr_figures` reads them — instead of one pass over every row.
    `mrr=False` leaves the MRR figures of that case out (None): only the
    counts are read, from the one index, for `mrr_figures` to fill in the
    rest later.
    """
    mine = owns_accounts(session, actor) if everyone is None else not everyone
    conn = session.connection()
    if not mine and conn.execute(text("SELECT COUNT(*) FROM client")).scalar_one() == 1:
        return _portfolio_kpis(session, actor.client_id, config, mrr), False
    config = config or settings.load_scoring_config(session, actor.client_id)
    where, params = scope_sql(session, actor, everyone=not mine)
    scoped = scoped_kpis(session, where, params, config)
    by_band = dict(scoped["by_band"])
    unscored = int(by_band.pop("unscored", 0))
    figures = Kpis(
        bands={band: int(by_band.get(band, 0)) for band in BANDS},
        unscored=unscored,
        accounts=int(scoped["accounts"]),
        total_mrr=float(scoped["total_mrr"]),
        revenue_at_risk=float(scoped["revenue_at_risk"]),
        expansion_opportunity=float(scoped["expansion_opportunity"]),
        expansion_pct=float(config.expansion_pct),
    )
    return figures, mine


def risk_band_mrr(session: Session) -> dict[str, float]:
    """MRR of the active At Risk, Critical and Expansion accounts by band (all
    clients: for the one-client case of day_kpis)."""
    return {
        str(band): float(mrr)
        for band, mrr in session.connection().execute(
            text(
                "SELECT band, COALESCE(SUM(mrr), 0) FROM customer WHERE status = 'active' "
                "AND band IN ('at_risk', 'critical', 'expansion') GROUP BY band"
            )
        )
    }


def _portfolio_kpis(
    session: Session,
    client_id: int,
    config: ScoringConfig | None,
    mrr: bool = True,
) -> Kpis:
    """Whole-portfolio KPIs of the only client in the database (see day_kpis)."""
    bands, unscored = _active_band_counts(session)
    config = config or settings.load_scoring_config(session, client_id)
    total, at_risk, expansion = (
        mrr_figures(session, client_id, config) if mrr else (None, None, None)
    )
    return Kpis(
        bands=bands,
        unscored=unscored,
        accounts=sum(bands.values()) + unscored,
        total_mrr=total,
        revenue_at_risk=at_risk,
        expansion_opportunity=expansion,
        expansion_pct=float(config.expansion_pct),
    )


def _active_band_counts(session: Session) -> tuple[dict[str, int], int]:
    """Active accounts by band, and the others (no band, or one not in
    BANDS): in one row, each a count of a range of the (status, band) index
    (each band's, and those before, between and after them), which reads no
    row and groups nothing — about half the time of a GROUP BY over it."""
    ordered = sorted(BANDS)
    others = (
        ["band IS NULL", "band < :b0"]
        + [f"band > :b{i} AND band < :b{i + 1}" for i in range(len(ordered) - 1)]
        + [f"band > :b{len(ordered) - 1}"]
    )
    conditions = [f"band = :b{i}" for i in range(len(ordered))] + others
    counts = (
        session.connection()
        .execute(
            text(
                "SELECT "
                + ", ".join(
                    f"(SELECT COUNT(*) FROM customer WHERE status = 'active' AND {condition})"
                    for condition in conditions
                )
            ),
            {f"b{i}": band for i, band in enumerate(ordered)},
        )
        .one()
    )
    by_band = {band: int(counts[i]) for i, band in enumerate(ordered)}
    return {band: by_band[band] for band in BANDS}, sum(int(c) for c in counts[len(ordered) :])


def mrr_figures(
    session: Session, client_id: int, config: ScoringConfig | None = None
) -> tuple[float, float, float]:
    """Total MRR, revenue at risk and expansion opportunity of the active
    accounts of the only client (what day_kpis leaves out with `mrr=False`):
    the total from the MRR index less the few inactive rows, and only the At
    Risk, Critical and Expansion rows read for their MRR."""
    conn = session.connection()
    total = float(conn.execute(text("SELECT COALESCE(SUM(mrr), 0) FROM customer")).scalar_one())
    total -= float(
        conn.execute(
            text(
                "SELECT COALESCE(SUM(mrr), 0) FROM customer "
                "WHERE status < 'active' OR status > 'active'"
            )
        ).scalar_one()
    )
    config = config or settings.load_scoring_config(session, client_id)
    by_band = risk_band_mrr(session)
    return (
        round(total, 2),
        round(by_band.get("at_risk", 0.0) + by_band.get("critical", 0.0), 2),
        round(by_band.get("expansion", 0.0) * config.expansion_pct / 100, 2),
    )


def scoped_kpis(
    session: Session, where: str, params: dict[str, Any], config: ScoringConfig
) -> dict[str, Any]:
    result = session.connection().execute(
        text(
            "SELECT customer.band, COUNT(*), COALESCE(SUM(customer.mrr), 0) "
            f"FROM customer WHERE {where} GROUP BY customer.band"
        ),
        params,
    )
    by_band = dict.fromkeys((*BANDS, "unscored"), 0)
    mrr_by_band: dict[str, float] = {}
    for band, count, mrr in result:
        key = band or "unscored"
        by_band[key] = by_band.get(key, 0) + int(count)
        mrr_by_band[key] = mrr_by_band.get(key, 0.0) + float(mrr)
    expansion_mrr = mrr_by_band.get("expansion", 0.0)
    return {
        "accounts": sum(by_band.values()),
        "by_band": by_band,
        "total_mrr": round(sum(mrr_by_band.values()), 2),
        "revenue_at_risk": round(sum(mrr_by_band.get(b, 0.0) for b in RISK_BANDS), 2),
        "expansion_opportunity": round(expansion_mrr * config.expansion_pct / 100, 2),
        "expansion_pct": config.expansion_pct,
    }
