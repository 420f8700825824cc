"""Every report's figures on a small fixed portfolio, against numbers worked
out by hand (not through the loaders the reports use, so a wrong figure
fails here), and the churn estimate's formula on hand-computed cases.

The portfolio: six accounts created on 2026-11-20 and scored again on
2026-11-27 (today). Default weights (logins 25, adoption 25, tickets 20,
nps 15, days 10, growth 5), thresholds 25/50/65/80, quiet after 30 days,
expansion 20 %. Scores now (sub-scores × weights / 100):

  Alpha   logins 30 adoption 92 tickets 0 nps 9 days 0  strong  98.0 expansion
  Bravo   logins 15 adoption 80 tickets 1 nps 8 days 18 mild    68.0 healthy
  Charlie logins 12 adoption 62 tickets 2 nps 7 days 36 none    54.0 watch   (49.0 a week ago)
  Delta   logins 6  adoption 42 tickets 3 nps 5 days 45 none    32.0 at risk (50.0 a week ago)
  Echo    logins 3  adoption 10 tickets 5 nps 2 days 90 none    11.0 critical (16.0 a week ago)
  Foxtrot logins 9  adoption 30 tickets 4 nps 6 days 54 mild    29.0 at risk

e.g. Delta: 25×20 + 25×42 + 20×40 + 15×0 + 10×75 + 5×20 = 3,200 → 32.0.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from pypdf import PdfReader

from iqcadence.core.reports import risk
from iqcadence.core.reports.data import Account
from iqcadence.core.reports.service import render

WEEK_AGO, TODAY = "2026-11-20", "2026-11-27"

COLUMNS = (
    "logins",
    "adoption",
    "tickets",
    "nps",
    "days",
    "growth",
    "mrr",
    "tier",
    "manager",
    "renewal_date",
    "sentiment",
    "tags",
)
ACCOUNTS: dict[str, dict[str, Any]] = {
    name: dict(zip(COLUMNS, values, strict=True))
    for name, *values in (
        ("Alpha", 30, 92, 0, 9, 0, "strong", 10000, "enterprise", "Sarah", "2027-06-30",
         "positive", "vip"),
        ("Bravo", 15, 80, 1, 8, 18, "mild", 5000, "mid", "Sarah", "2026-12-20", "neutral",
         "vip|beta"),
        ("Charlie", 12, 62, 2, 7, 36, "none", 3000, "mid", "Miguel", "2027-01-15", "neutral", ""),
        ("Delta", 6, 42, 3, 5, 45, "none", 2000, "smb", "Miguel", "2026-12-10", "neutral", ""),
        ("Echo", 3, 10, 5, 2, 90, "none", 1000, "smb", "Sarah", "2027-02-20", "negative", ""),
        ("Foxtrot", 9, 30, 4, 6, 54, "mild", 4000, "enterprise", "Aiko", "2027-09-01",
         "neutral", ""),
    )
}  # fmt: skip
# What differed a week ago: Charlie 49.0, Delta 50.0 (adoption 82, 1 ticket), Echo 16.0.
WEEK_AGO_CHANGES: dict[str, dict[str, Any]] = {
    "Charlie": {"adoption": 42},
    "Delta": {"adoption": 82, "tickets": 1},
    "Echo": {"adoption": 30},
}


@pytest.fixture
def six(session: Any, actor: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    from iqcadence.core.accounts.customers import apply_changes

    for day, changes in ((WEEK_AGO, WEEK_AGO_CHANGES), (TODAY, {})):
        monkeypatch.setenv("IQCADENCE_TODAY", day)
        monkeypatch.setenv("IQCADENCE_NOW", f"{day}T09:00")
        for name, values in ACCOUNTS.items():
            apply_changes(
                session, actor, name, {**values, **changes.get(name, {}), "lifecycle": "active"}
            )
    return session


def csv_of(session: Any, actor: Any, kind: str, **scope: Any) -> list[dict[str, str]]:
    content = render(session, actor.client_id, kind, fmt="csv", **scope).content
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"))))


def pdf_of(session: Any, actor: Any, kind: str, **scope: Any) -> str:
    content = render(session, actor.client_id, kind, **scope).content
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)


def test_portfolio_figures(six: Any, actor: Any) -> None:
    rows = csv_of(six, actor, "portfolio")
    total = next(r for r in rows if r["section"] == "total")
    # 10,000 + 5,000 + 3,000 + 2,000 + 1,000 + 4,000; (98 + 68 + 54 + 32 + 11 + 29) / 6
    assert (total["accounts"], total["mrr"], total["average_score"]) == ("6", "25000.0", "48.7")
    assert total["at_risk_accounts"] == "3"  # Delta, Echo, Foxtrot
    bands = {r["group"]: (r["accounts"], r["mrr"]) for r in rows if r["section"] == "band"}
    assert bands == {
        "critical": ("1", "1000.0"),
        "at_risk": ("2", "6000.0"),
        "watch": ("1", "3000.0"),
        "healthy": ("1", "5000.0"),
        "expansion": ("1", "10000.0"),
    }
    text = pdf_of(six, actor, "portfolio")
    assert "$25,000" in text and "48.7" in text
    assert "$7,000" in text  # revenue at risk: Delta 2,000 + Echo 1,000 + Foxtrot 4,000
    assert "$6,980" in text  # expected MRR loss, as in the churn report
    assert "$2,000" in text  # expansion opportunity: 20 % of Alpha's 10,000
    # renewing in 90 days: Delta (13 d), Bravo (23), Charlie (49), Echo (85)
    assert "4 · $11,000" in text


def test_amounts_are_in_the_clients_currency(six: Any, actor: Any) -> None:
    from iqcadence.core.store import display

    display.set_currency(six, actor, "€")
    for kind in ("portfolio", "at-risk", "churn-risk", "renewals"):
        text = pdf_of(six, actor, kind)
        assert "€7,000" in text or "€120,000" in text, kind
        assert "$" not in text, kind


def test_at_risk_figures(six: Any, actor: Any) -> None:
    rows = csv_of(six, actor, "at-risk")
    # urgency = half the gap to 100 + renewal points + 20 × MRR / 4,000:
    # Delta 34 + 30 + 10, Echo 44.5 + 10 + 5, Foxtrot 35.5 + 0 + 20
    assert [(r["name"], r["urgency"], r["momentum_7d"]) for r in rows] == [
        ("Delta", "74.0", "-18.0"),
        ("Echo", "59.5", "-5.0"),
        ("Foxtrot", "55.5", "0.0"),
    ]
    assert [r["why"] for r in rows] == ["3 open tickets, NPS 5", "5 open tickets, NPS 2",
                                        "4 open tickets, NPS 6"]  # fmt: skip
    text = pdf_of(six, actor, "at-risk")
    assert "$7,000" in text  # the same revenue at risk as the portfolio report


def test_churn_risk_figures(six: Any, actor: Any) -> None:
    rows = {r["name"]: float(r["probability_pct"]) for r in csv_of(six, actor, "churn-risk")}
    # Delta: 34 + 15 (fell 18, capped) + 8 + 6 + 5 = 68, × 1.25 (renews in 13 d) = 85
    # Echo: 44.5 + 5 + 8 + 6 + 6 + 5 + 5 + 4 = 83.5, × 1.25 = 104.4, capped at 95
    # Foxtrot: 35.5 + 8 + 6 + 5 = 54.5; Charlie: (23 + 5) × 1.25 = 35
    # Bravo: 16 × 1.25 = 20; Alpha: 1 (the floor)
    assert rows == {"Echo": 95.0, "Delta": 85.0, "Foxtrot": 54.5, "Charlie": 35.0,
                    "Bravo": 20.0, "Alpha": 1.0}  # fmt: skip
    text = pdf_of(six, actor, "churn-risk")
    # 0.95 × 1,000 + 0.85 × 2,000 + 0.545 × 4,000 + 0.35 × 3,000 + 0.2 × 5,000 + 0.01 × 10,000
    assert "$6,980" in text
    assert "$7,000" in text  # at 40 %+ (Echo, Delta, Foxtrot), and revenue at risk
    assert "45%" in text  # the median of 1, 20, 35, 54.5, 85, 95


def test_renewal_figures(six: Any, actor: Any) -> None:
    rows = csv_of(six, actor, "renewals")
    assert [(r["name"], r["arr"], r["flags"]) for r in rows] == [
        ("Delta", "24000.0", "low score|falling|quiet"),
        ("Bravo", "60000.0", ""),
        ("Charlie", "36000.0", "quiet"),
        ("Echo", "12000.0", "low score|quiet|negative"),
        ("Alpha", "120000.0", ""),
        ("Foxtrot", "48000.0", "low score|quiet"),
    ]
    text = pdf_of(six, actor, "renewals")
    assert "$300,000" in text and "$120,000" in text  # ARR renewing; ARR flagged
    # flagged renewals come first, soonest first; then the others due in 90 days
    order = [text.index(n) for n in ("Delta", "Charlie", "Echo", "Foxtrot", "Bravo")]
    assert order == sorted(order)
    assert "Alpha" not in text  # in 215 days, without flags: counted by month, in the CSV
    assert "The 1 later renewal without flags is counted" in " ".join(text.split())


def test_csm_figures(six: Any, actor: Any) -> None:
    rows = csv_of(six, actor, "csm")
    got = [
        [r[k] for k in ("manager", "accounts", "mrr", "average_score", "at_risk", "at_risk_pct",
                        "average_momentum", "overdue_contacts", "renewals_90d")]
        for r in rows
    ]  # fmt: skip
    # overdue: days at or past the tier's cadence (enterprise 21, mid 30, smb 45)
    assert got == [
        ["Sarah", "3", "16000.0", "59.0", "1", "33.3", "-1.7", "1", "2"],
        ["Miguel", "2", "5000.0", "43.0", "1", "50.0", "-6.5", "2", "2"],
        ["Aiko", "1", "4000.0", "29.0", "1", "100.0", "0.0", "1", "0"],
    ]
    bands = ("band_critical", "band_at_risk", "band_watch", "band_healthy", "band_expansion")
    assert [[r[b] for b in bands] for r in rows] == [
        ["1", "0", "0", "1", "1"],
        ["0", "1", "1", "0", "0"],
        ["0", "1", "0", "0", "0"],
    ]


def test_segment_figures(six: Any, actor: Any) -> None:
    rows = [r for r in csv_of(six, actor, "segments") if r["dimension"] == "tier"]
    assert [(r["segment"], r["accounts"], r["mrr"], r["average_score"], r["at_risk_pct"],
             r["average_momentum"]) for r in rows] == [
        ("smb", "2", "3000.0", "21.5", "100.0", "-11.5"),
        ("mid", "2", "8000.0", "61.0", "0.0", "2.5"),
        ("enterprise", "2", "14000.0", "63.5", "50.0", "0.0"),
    ]  # fmt: skip


def test_trend_figures(six: Any, actor: Any) -> None:
    rows = csv_of(six, actor, "trend")
    assert len(rows) == 90 and rows[-1]["date"] == TODAY
    by_day = {r["date"]: (r["average_score"], r["at_risk_share_pct"]) for r in rows}
    assert by_day["2026-11-19"] == ("", "")  # nothing scored yet
    # a week ago: (98 + 68 + 49 + 50 + 16 + 29) / 6; below 50: Charlie, Echo, Foxtrot
    assert by_day[WEEK_AGO] == ("51.7", "50.0")
    assert by_day[TODAY] == ("48.7", "50.0")  # Delta, Echo, Foxtrot


def test_digest_figures(six: Any, actor: Any) -> None:
    rows = csv_of(six, actor, "digest")
    sections = {}
    for r in rows:
        sections.setdefault(r["section"], []).append(r["name"])
    assert sections["drop"] == ["Delta", "Echo"]
    assert sections["gain"] == ["Charlie"]
    assert sections["newly_at_risk"] == ["Delta"]  # Watch a week ago
    assert sections["renewal"] == ["Delta", "Bravo"]  # 13 and 23 days
    text = pdf_of(six, actor, "digest")
    assert "Band mix, a week ago and now" in text


def test_history_figures(six: Any, actor: Any) -> None:
    rows = csv_of(six, actor, "history")
    # six first scores, then the three that moved
    assert len(rows) == 9
    moved = [(r["name"], r["from_score"], r["to_score"], r["change"]) for r in rows if r["change"]]
    assert moved == [("Charlie", "49.0", "54.0", "5.0"), ("Delta", "50.0", "32.0", "-18.0"),
                     ("Echo", "16.0", "11.0", "-5.0")]  # fmt: skip
    text = pdf_of(six, actor, "history")
    for expected in ("Biggest falls", "Biggest rises", "Band flow", "Changes week by week"):
        assert expected in text
    assert "-18.0" in text and "+5.0" in text


def account(**values: Any) -> Account:
    from datetime import date

    signals = {k: values.pop(k, None) for k in ("logins", "adoption", "tickets", "nps", "days")}
    return Account(
        id=1, name="A", manager=None, tier=None, lifecycle="active", status="active",
        mrr=1000.0, renewal_date=values.pop("renewal", None), tags=[],
        sentiment=values.pop("sentiment", None), score=values.pop("score"), band=None,
        score_manual=False, signals={**signals, "csat": None, "growth": None},
        day=date(2026, 11, 27), momentum=values.pop("momentum", None),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("values", "probability", "factor_points"),
    [
        # score 100, nothing else: 0, raised to the floor of 1 %
        ({"score": 100.0}, 1.0, [0.0]),
        # score 0: half the gap is 50
        ({"score": 0.0}, 50.0, [50.0]),
        # no score counts as 50: 25
        ({"score": None}, 25.0, [25.0]),
        # score 60 (20) + fell 7.5 (7.5) = 27.5
        ({"score": 60.0, "momentum": -7.5}, 27.5, [20.0, 7.5]),
        # a fall counts at most 15; a rise counts nothing
        ({"score": 60.0, "momentum": -30.0}, 35.0, [20.0, 15.0]),
        ({"score": 60.0, "momentum": 12.0}, 20.0, [20.0]),
        # every warning sign: 20 + 8 + 6 + 6 + 5 + 5 + 4 = 54
        (
            {"score": 60.0, "nps": 6, "tickets": 3, "adoption": 19, "days": 30,
             "sentiment": "negative", "logins": 4},
            54.0,
            [20.0, 8.0, 6.0, 6.0, 5.0, 5.0, 4.0],
        ),
        # just outside every sign: NPS 7, 2 tickets, adoption 20, 29 days, 5 logins
        ({"score": 60.0, "nps": 7, "tickets": 2, "adoption": 20, "days": 29, "logins": 5},
         20.0, [20.0]),
        # renewal in 90 days: × 1.25 (20 → 25); in 91 days: nothing
        ({"score": 60.0, "renewal": "2027-02-25"}, 25.0, [20.0, 5.0]),
        ({"score": 60.0, "renewal": "2027-02-26"}, 20.0, [20.0]),
        # a renewal already past is not near: nothing
        ({"score": 60.0, "renewal": "2026-11-26"}, 20.0, [20.0]),
        # kept within 95 %: 50 + 15 + 8 + 6 + 6 + 5 + 5 + 4 = 99, × 1.25
        (
            {"score": 0.0, "momentum": -20.0, "nps": 0, "tickets": 9, "adoption": 0,
             "days": 100, "sentiment": "negative", "logins": 0, "renewal": "2026-12-01"},
            95.0,
            [50.0, 15.0, 8.0, 6.0, 6.0, 5.0, 5.0, 4.0, 24.8],
        ),
    ],
)  # fmt: skip
def test_churn_estimate_by_hand(
    values: dict[str, Any], probability: float, factor_points: list[float]
) -> None:
    from datetime import date

    if "renewal" in values:
        values["renewal"] = date.fromisoformat(values["renewal"])
    estimate = risk.churn_estimate(account(**values), quiet_after=30)
    assert estimate.probability == probability
    assert [points for _, points in estimate.factors] == factor_points
