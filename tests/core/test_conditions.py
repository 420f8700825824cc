"""The condition language: parsing, errors with columns, precedence, each
operator and each field, and the facts built from a customer."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from iqcadence.core.base.errors import InvalidValue
from iqcadence.core.scoring.conditions.facts import (
    cadence_status,
    customer_facts,
    renewal_within,
)
from iqcadence.core.scoring.conditions.fields import FIELDS
from iqcadence.core.scoring.conditions.parse import check_condition, parse_condition
from iqcadence.core.scoring.formula import ScoringConfig

TODAY = date(2026, 11, 27)


def facts(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "score": 35.0,
        "band": "at_risk",
        "tier": "enterprise",
        "lifecycle": "atrisk",
        "status": "active",
        "logins": 4,
        "adoption": 22.5,
        "tickets": 3,
        "nps": 6,
        "csat": 3.5,
        "days": 25,
        "growth": "none",
        "mrr": 5000.0,
        "arr": 60000.0,
        "momentum": -12.0,
        "cadence_status": "overdue",
        "renewal_within": 45,
        "tags": ["VIP", "beta"],
        "manager": "Jane Doe",
        "sentiment": "negative",
        "name": "Acme Corp",
        "renewal_date": date(2027, 1, 11),
        "last_contact_date": date(2026, 11, 2),
    }
    base.update(overrides)
    return base


def holds(text: str, **overrides: Any) -> bool:
    return parse_condition(text).evaluate(facts(**overrides))


# --- parsing errors ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("scor < 40", "unknown field 'scor' at column 1 (did you mean score?); fields are score"),
        ("", "it is empty"),
        ("   ", "it is empty"),
        ("score", "expected an operator (= != < <= > >= contains in) after score at column 6"),
        ("score ~ 4", "unexpected character '~' at column 7"),
        ("score < abc", "score takes a number, but 'abc' at column 9"),
        ("score <", "expected a value for score at column 8, found the end of the condition"),
        ("(score < 4", "the '(' at column 1 is not closed"),
        ("score < 4)", "unexpected ')' at column 10"),
        ("score < 4 tier = mid", "expected 'and', 'or' or the end at column 11, found 'tier'"),
        ("tier < mid", "operator '<' at column 6 does not apply to tier; tier takes = != in"),
        ("tier = huge", "tier takes one of smb, mid, enterprise, got 'huge' at column 8"),
        ("band = fine", "band takes one of critical, at_risk, watch, healthy, expansion"),
        ("score contains 4", "operator 'contains' at column 7 does not apply to score"),
        ("tier in mid", "expected '(' after 'in' at column 9"),
        ("tier in (mid, smb", "expected ',' or ')' in the list at column 18"),
        ("name = 'open", "the string starting at column 8 is not closed"),
        ("and score < 4", "expected a field name at column 1, found 'and'"),
        ("score < 4 and", "expected a field name at column 14, found the end"),
        ("renewal_date < soon", "renewal_date takes a date (YYYY-MM-DD), got 'soon' at column 16"),
        ("score < 2026-01-01", "score takes a number, but '2026-01-01' at column 9"),
        ("cadence_status = late", "cadence_status takes one of ok, due_soon, overdue"),
    ],
)
def test_parse_errors_name_the_column_and_what_was_expected(text: str, expected: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        parse_condition(text)
    message = str(caught.value)
    assert message.startswith("condition: ")
    assert expected in message
    assert message.endswith(".")


def test_error_exit_code_is_usage() -> None:
    with pytest.raises(InvalidValue) as caught:
        parse_condition("bogus = 1")
    assert caught.value.exit_code == 2


# --- canonical text and precedence ------------------------------------------------


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        (
            "score < 40 and tier = ENT and renewal_within <= 60",
            "score < 40 and tier = enterprise and renewal_within <= 60",
        ),
        ("SCORE<40.50", "score < 40.5"),
        ("band = at risk", "band = at_risk"),
        ("band = 'At Risk'", "band = at_risk"),
        ('band in (critical, "at risk")', "band in (critical, at_risk)"),
        ("manager = Jane Doe", 'manager = "Jane Doe"'),
        ("(score < 4 or nps < 7) and tier = mid", "(score < 4 or nps < 7) and tier = mid"),
        ("score < 4 or (nps < 7 and tier = mid)", "score < 4 or nps < 7 and tier = mid"),
        ("not (score < 4 or nps < 7)", "not (score < 4 or nps < 7)"),
        ("not score < 4", "not score < 4"),
        ("((score < 4))", "score < 4"),
        ("score == 4 or score <> 5", "score = 4 or score != 5"),
        ("name = 'say \"hi\"'", 'name = "say \\"hi\\""'),
        ("name = 'and'", 'name = "and"'),
        ("renewal_date >= 2027-01-01", "renewal_date >= 2027-01-01"),
        ("momentum <= -10", "momentum <= -10"),
        ("tags contains vip", "tags contains vip"),
        ("cadence_status = due-soon", "cadence_status = due_soon"),
    ],
)
def test_canonical_text(text: str, canonical: str) -> None:
    condition = parse_condition(text)
    assert str(condition) == canonical
    assert str(parse_condition(str(condition))) == canonical  # stable round trip


def test_and_binds_tighter_than_or() -> None:
    # a or b and c == a or (b and c)
    text = "score > 90 or tier = smb and nps > 8"
    assert holds(text, score=95, tier="mid", nps=1)
    assert not holds(text, score=10, tier="smb", nps=1)
    assert holds(text, score=10, tier="smb", nps=9)


def test_not_binds_tighter_than_and() -> None:
    text = "not tier = smb and score < 40"
    assert holds(text, tier="mid", score=30)
    assert not holds(text, tier="smb", score=30)
    assert not holds(text, tier="mid", score=50)


def test_parentheses_override_precedence() -> None:
    text = "(score > 90 or tier = smb) and nps > 8"
    assert not holds(text, score=95, tier="mid", nps=1)
    assert holds(text, score=95, tier="mid", nps=9)


def test_fields_lists_what_is_read() -> None:
    condition = parse_condition("score < 4 or not (tier = mid and tags contains x) or score > 9")
    assert condition.fields() == {"score", "tier", "tags"}


def test_check_condition_blank_is_none() -> None:
    assert check_condition(None) is None
    assert check_condition("  ") is None
    assert check_condition("score<1") == "score < 1"


# --- operators ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("score = 35", True),
        ("score = 35.0", True),
        ("score != 35", False),
        ("score < 35", False),
        ("score <= 35", True),
        ("score > 34.9", True),
        ("score >= 35.1", False),
        ("score in (10, 35, 50)", True),
        ("score in (10, 50)", False),
        ("name contains corp", True),
        ("name contains CORP", True),
        ("name contains zzz", False),
        ("name = 'acme corp'", True),
        ("name != 'acme corp'", False),
        ("name in (globex, 'Acme Corp')", True),
        ("manager = 'jane doe'", True),
        ("manager contains doe", True),
        ("tier in (mid, ent)", True),
        ("tier != smb", True),
    ],
)
def test_each_operator(text: str, expected: bool) -> None:
    assert holds(text) is expected


def test_missing_value_makes_every_comparison_false() -> None:
    for text in (
        "score < 40",
        "score >= 0",
        "score != 40",
        "score = 35",
        "score in (35)",
        "manager contains a",
        "manager != x",
        "band = at_risk",
        "tier != smb",
    ):
        field = text.split()[0]
        assert not holds(text, **{field: None}), text
    # not of a false comparison is true
    assert holds("not score < 40", score=None)


# --- each field -------------------------------------------------------------------------


def test_band_aliases_and_order() -> None:
    assert holds("band = 'at risk'")
    assert holds("band = atrisk")
    assert holds("band <= at_risk")
    assert holds("band < watch")
    assert not holds("band < at_risk")
    assert holds("band > critical")
    assert not holds("band >= healthy")
    assert holds("band in (critical, at risk)")
    assert not holds("band = healthy", band=None)


def test_tier_lifecycle_status_growth_sentiment() -> None:
    assert holds("tier = enterprise and lifecycle = atrisk and status = active")
    assert holds("tier = ent")
    assert not holds("tier = mm")
    assert holds("tier = mm", tier="mid")
    assert holds("lifecycle = risk")
    assert holds("status != archived")
    assert holds("growth = none")
    assert holds("growth in (none, mild)")
    assert holds("growth = na", growth="na")
    assert holds("sentiment = negative")
    assert not holds("sentiment = positive")


@pytest.mark.parametrize(
    ("field", "value", "bigger"),
    [
        ("logins", 4, 5),
        ("adoption", 22.5, 30),
        ("tickets", 3, 4),
        ("nps", 6, 7),
        ("csat", 3.5, 4),
        ("days", 25, 30),
        ("mrr", 5000, 6000),
        ("arr", 60000, 70000),
        ("momentum", -12, -10),
        ("renewal_within", 45, 60),
        ("score", 35, 40),
    ],
)
def test_each_numeric_field(field: str, value: float, bigger: float) -> None:
    assert holds(f"{field} = {value}")
    assert holds(f"{field} < {bigger}")
    assert not holds(f"{field} > {bigger}")
    assert not holds(f"{field} < {bigger}", **{field: None})


def test_tags_use_the_list() -> None:
    assert holds("tags contains vip")  # case-insensitive whole tag
    assert holds("tags = VIP")
    assert not holds("tags contains vi")  # not a substring test
    assert holds("tags != churn-risk")
    assert not holds("tags != beta")
    assert holds("tags in (nope, beta)")
    assert not holds("tags in (nope, other)")
    assert not holds("tags contains vip", tags=[])
    assert holds("tags contains vip", tags="x|vip")  # a raw `|` string also works


def test_cadence_status_field() -> None:
    assert holds("cadence_status = overdue")
    assert holds("cadence_status >= due_soon")
    assert not holds("cadence_status = ok")
    assert holds("cadence_status < overdue", cadence_status="due_soon")


def test_date_fields() -> None:
    assert holds("renewal_date < 2027-02-01")
    assert holds("renewal_date = 2027-01-11")
    assert not holds("renewal_date > 2027-02-01")
    assert holds("last_contact_date <= '2026-11-02'")


def test_every_field_is_known() -> None:
    assert set(FIELDS) >= {
        "score",
        "band",
        "tier",
        "lifecycle",
        "status",
        "logins",
        "adoption",
        "tickets",
        "nps",
        "csat",
        "days",
        "growth",
        "mrr",
        "arr",
        "momentum",
        "cadence_status",
        "renewal_within",
        "tags",
        "manager",
        "sentiment",
        "name",
    }


# --- facts from a customer --------------------------------------------------------


def test_cadence_status_rules() -> None:
    config = ScoringConfig()  # enterprise 14/21
    assert cadence_status(13, "enterprise", config) == "ok"
    assert cadence_status(14, "enterprise", config) == "due_soon"
    assert cadence_status(21, "enterprise", config) == "overdue"
    assert cadence_status(30, "smb", config) == "due_soon"
    assert cadence_status(None, "smb", config) is None
    assert cadence_status(5, None, config) is None


def test_renewal_within_rules() -> None:
    assert renewal_within(date(2026, 12, 27), TODAY) == 30
    assert renewal_within(TODAY, TODAY) == 0
    assert renewal_within(date(2026, 11, 1), TODAY) is None
    assert renewal_within(None, TODAY) is None


def test_customer_facts_from_a_row() -> None:
    row = {
        "id": 1,
        "name": "Acme",
        "score": 42.0,
        "band": "at_risk",
        "tier": "mid",
        "lifecycle": "active",
        "status": "active",
        "logins": 10,
        "adoption": 50.0,
        "tickets": 1,
        "nps": 8,
        "csat": None,
        "days_baseline": 5,
        "days_as_of": "2026-11-07",  # raw SQL gives text on SQLite
        "growth": "mild",
        "mrr": 100.0,
        "arr": 1200.0,
        "renewal_date": "2027-01-26",
        "last_contact_date": None,
        "tags": "vip|beta",
        "manager": "jane@example.com",
        "sentiment": None,
    }
    got = customer_facts(None, row, today=TODAY, config=ScoringConfig(), momentum=-3.0)
    assert got["days"] == 25  # 5 + 20 days of decay
    assert got["cadence_status"] == "due_soon"  # mid: 21/30
    assert got["renewal_within"] == 60
    assert got["tags"] == ["vip", "beta"]
    assert got["momentum"] == -3.0
    assert got["csat"] is None
    assert got["renewal_date"] == date(2027, 1, 26)
    assert set(FIELDS) <= set(got)
    condition = parse_condition(
        "score < 50 and tier = mid and renewal_within <= 60 and tags contains vip"
    )
    assert condition.evaluate(got)
    assert not parse_condition("renewal_within <= 59").evaluate(got)


def test_customer_facts_from_a_customer(session: Any, actor: Any) -> None:
    from iqcadence.core.accounts import customers

    outcome = customers.apply_changes(
        session,
        actor,
        "Globex",
        {"logins": 30, "nps": 10, "tier": "ent", "days": 22, "renewal_date": "2027-02-01"},
    )
    got = customer_facts(session, outcome.customer, today=TODAY, config=ScoringConfig())
    assert got["name"] == "Globex"
    assert got["tier"] == "enterprise"
    assert got["days"] == 22
    assert got["cadence_status"] == "overdue"
    assert got["renewal_within"] == 66
    assert got["momentum"] is None
    assert got["tags"] == []
    assert parse_condition("cadence_status = overdue and band >= healthy").evaluate(got)
