"""What each figure in the reports means, written once.

Every report ends with a "Notes" section that prints the definition of each
figure it shows, from here, with the client's own thresholds and settings, so
two reports that show the same figure say the same thing about it (and the
figure comes from the same function: `Portfolio.revenue_at_risk`,
`risk.expected_mrr_loss`, ...).
"""

from __future__ import annotations

from iqcadence.core.reports.model import Section, Text
from iqcadence.core.scoring.formula import ScoringConfig


def _n(value: float) -> str:
    return f"{value:g}"


def revenue_at_risk(config: ScoringConfig) -> str:
    return (
        "Revenue at risk: the MRR of the accounts in the Critical or At Risk band "
        f"(a score below {_n(config.thresholds['watch'])}), the accounts the at-risk report lists."
    )


def expansion_opportunity(config: ScoringConfig) -> str:
    return (
        f"Expansion opportunity: {_n(config.expansion_pct)} % of the MRR of the accounts "
        f"in the Expansion band (a score of {_n(config.thresholds['expansion'])} or more)."
    )


EXPECTED_MRR_LOSS = (
    "Expected MRR loss: the sum, over every scored account, of its churn estimate × its MRR; "
    "healthy accounts count too, at their low estimate, so it differs from revenue at risk."
)

AVERAGE_SCORE = "Average score: the mean score of the scored accounts (unscored ones are left out)."
ARR = "ARR: MRR × 12."
MOMENTUM = "7d: the score now minus the score 7 days earlier (blank without that history)."
RISK_SHARE = "At risk %: the share of accounts in the Critical or At Risk band."

URGENCY = (
    "Urgency (0–100): half the score's gap to 100, plus 30, 20 or 10 points for a renewal "
    "within 30, 60 or 90 days, plus up to 20 points in proportion to the account's MRR "
    "against the largest MRR in the list."
)


def quiet(config: ScoringConfig) -> str:
    return (
        f"Quiet: no logged contact for {config.quiet_after} days or more (the quiet-after setting)."
    )


def renewal_flags(config: ScoringConfig) -> str:
    return (
        f"Flags: low score (below {_n(config.thresholds['watch'])}), falling (down 10 points "
        f"or more in 7 days), quiet (no contact for {config.quiet_after} days or more), "
        "negative sentiment. A flagged renewal has at least one."
    )


def overdue(config: ScoringConfig) -> str:
    days = ", ".join(f"{tier} {limits[1]}" for tier, limits in config.cadence.items())
    return f"Overdue: days since contact at or past the tier's overdue cadence ({days} days)."


def below_watch(config: ScoringConfig) -> str:
    return (
        "Below Watch: the share of scored accounts with a score below "
        f"{_n(config.thresholds['watch'])} (Critical or At Risk) on each day."
    )


NEWLY_AT_RISK = (
    "Newly at risk: in the Critical or At Risk band now, in another band 7 days ago. "
    "Recovered: Healthy or Expansion now, Critical or At Risk 7 days ago."
)

BAND_FLOW = (
    "Band flow: each account's band at the start of the period (its last score before "
    "it) against its band at the end. Moves: the score at the end minus the score at "
    "the start."
)

DROPS = "Drops of 10+: recorded changes that lowered a score by 10 points or more at once."


def notes(*definitions: str) -> Section:
    """The "Notes" section: one line per figure the report shows."""
    body = "\n".join(f"• {line}" for line in definitions)
    return Section("Notes", [Text(body, muted=True, size=7.5)])
