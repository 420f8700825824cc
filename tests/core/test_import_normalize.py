"""Normalisation of spreadsheet cells: each rule and its refusals."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from iqcadence.core.io.imports.normalize import CellError, Normalizer

TODAY = date(2026, 11, 27)


def read(field: str, value: str, **kwargs: Any) -> Any:
    return Normalizer(today=TODAY, **kwargs).reader_for(field)(value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$5,000", 5000.0),
        ("5000.50", 5000.5),
        ("1.2k", 1200.0),
        ("3M", 3_000_000.0),
        ("USD 900", 900.0),
        ("£1,234,567.8", 1234567.8),
        ("  750 ", 750.0),
        ("", None),
        ("-", None),
        ("N/A", None),
    ],
)
def test_money(text: str, expected: float | None) -> None:
    assert read("mrr", text) == expected


def test_money_with_decimal_comma() -> None:
    assert read("mrr", "€3.400", decimal_comma=True) == 3400.0
    assert read("arr", "1.234,50", decimal_comma=True) == 1234.5
    assert read("mrr", "3,5", decimal_comma=True) == 3.5
    assert read("adoption", "75,5%", decimal_comma=True) == 75.5


@pytest.mark.parametrize(
    ("field", "text", "reason"),
    [
        ("mrr", "lots", "expected a number"),
        ("mrr", "-5", "must not be negative"),
        ("mrr", "3,5", "commas must group thousands"),
        ("mrr", "nan", "expected a finite number"),
        ("logins", "NaN", "expected a finite number"),
        ("mrr", "99999999999999999999999", "must be at most 1,000,000,000,000"),
        ("logins", "9223372036854775808", "must be at most 1,000,000,000"),
        ("renewal_date", "9999-12-31", "must be between 1900-01-01 and 2199-12-31"),
        ("adoption", "150%", "must be at most 100"),
        ("logins", "12.5", "expected a whole number"),
        ("tickets", "-1", "must be at least 0"),
        ("csat", "7", "must be at most 5"),
        ("days", "soon", "expected a number"),
        ("score", "101", "must be at most 100"),
    ],
)
def test_number_refusals(field: str, text: str, reason: str) -> None:
    with pytest.raises(CellError, match=reason):
        read(field, text)


def test_percentages_and_whole_numbers() -> None:
    assert read("adoption", "75%") == 75.0
    assert read("adoption", "75 %") == 75.0
    assert read("adoption", "0.75") == 0.75
    assert read("logins", "1,234") == 1234
    assert read("logins", "12.0") == 12
    assert read("tickets", "") is None
    assert read("csat", "4.5") == 4.5


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9", 9),
        ("0", 0),
        ("Promoter", 10),
        ("promoters", 10),
        ("PASSIVE", 8),
        ("Detractor", 0),
        ("", None),
    ],
)
def test_nps_numbers_and_words(text: str, expected: int | None) -> None:
    assert read("nps", text) == expected


def test_nps_refusals() -> None:
    for bad in ("11", "fan", "7.5"):
        with pytest.raises(CellError):
            read("nps", bad)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Strong", "strong"),
        ("mild", "mild"),
        ("None", "none"),
        ("N/A", "na"),
        ("n/a", "na"),
        ("", None),
        ("High", "strong"),
    ],
)
def test_growth_words(text: str, expected: str | None) -> None:
    assert read("growth", text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Enterprise", "enterprise"),
        ("Mid-Market", "mid"),
        ("mid market", "mid"),
        ("mid", "mid"),
        ("SMB", "smb"),
        ("Small Business", "smb"),
        ("", None),
    ],
)
def test_tier_words(text: str, expected: str | None) -> None:
    assert read("tier", text) == expected


def test_lifecycle_and_sentiment_any_case() -> None:
    assert read("lifecycle", "ACTIVE") == "active"
    assert read("lifecycle", "At Risk") == "atrisk"
    assert read("lifecycle", "at-risk") == "atrisk"
    assert read("lifecycle", "Onboarding") == "onboarding"
    assert read("lifecycle", "Churned") == "churned"
    assert read("lifecycle", "Won") == "won"
    assert read("sentiment", "Positive") == "positive"
    assert read("sentiment", "NEGATIVE") == "negative"
    assert read("sentiment", "neutral") == "neutral"
    with pytest.raises(CellError, match="not one of onboarding"):
        read("lifecycle", "dormant")
    with pytest.raises(CellError, match="not one of positive"):
        read("sentiment", "ecstatic")
    with pytest.raises(CellError, match="not one of smb"):
        read("tier", "galactic")


def test_tags_split_on_pipe_or_comma() -> None:
    assert read("tags", "vip|beta") == "vip|beta"
    assert read("tags", "vip, beta , vip") == "vip|beta"
    assert read("tags", " a | b,c ") == "a|b|c"
    assert read("tags", "") == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2027-03-15", "2027-03-15"),
        ("15 Mar 2027", "2027-03-15"),
        ("15 March 2027", "2027-03-15"),
        ("Mar 15, 2027", "2027-03-15"),
        ("March 15, 2027", "2027-03-15"),
        ("2027/03/15", "2027-03-15"),
        ("15-Mar-2027", "2027-03-15"),
        ("2027-03-15T10:30:00", "2027-03-15"),
        ("2027-03-15 10:30", "2027-03-15"),
        ("", None),
    ],
)
def test_dates(text: str, expected: str | None) -> None:
    assert read("renewal_date", text) == expected


def test_dates_with_a_format_and_ambiguity() -> None:
    with pytest.raises(CellError, match="ambiguous date; pass --date-format"):
        read("renewal_date", "03/04/2027")
    assert read("renewal_date", "03/04/2027", date_format="%d/%m/%Y") == "2027-04-03"
    assert read("renewal_date", "03/04/2027", date_format="%m/%d/%Y") == "2027-03-04"
    assert read("renewal_date", "2027-03-15", date_format="%m/%d/%Y") == "2027-03-15"
    with pytest.raises(CellError, match="not a date in the format"):
        read("renewal_date", "31/31/2027", date_format="%d/%m/%Y")
    with pytest.raises(CellError, match="not a date"):
        read("next_touch", "someday")


def test_months_to_renewal_counts_from_today() -> None:
    assert read("months_to_renewal", "3") == "2027-02-27"
    assert read("months_to_renewal", "0") == "2026-11-27"
    assert read("months_to_renewal", "") is None
    assert Normalizer(today=date(2027, 1, 31)).months_ahead("1") == "2027-02-28"
    with pytest.raises(CellError):
        read("months_to_renewal", "-2")


def test_text_name_email_domain_profile() -> None:
    assert read("name", "  Acme   Corp ") == "Acme Corp"
    assert read("name", "") is None
    with pytest.raises(CellError, match="at most 200"):
        read("name", "x" * 201)
    assert read("email", " Bob@Acme.com ") == "Bob@Acme.com"
    assert read("email", "n/a") is None
    with pytest.raises(CellError, match="not an e-mail"):
        read("email", "bob at acme")
    assert read("domain", "https://www.acme.com/about") == "https://www.acme.com/about"
    with pytest.raises(CellError, match="not a domain"):
        read("domain", "acme")
    normalizer = Normalizer(today=TODAY, profiles={"enterprise weights": "Enterprise Weights"})
    assert normalizer.reader_for("scoring_profile")("enterprise WEIGHTS") == "Enterprise Weights"
    with pytest.raises(CellError, match="no scoring profile"):
        normalizer.reader_for("scoring_profile")("nope")
    assert read("notes", "  n/a ") == "n/a"


def test_every_path_reads_currency_and_thousands_suffix() -> None:
    from iqcadence.core.base.errors import InvalidValue
    from iqcadence.core.scoring.fields import parse_money

    assert parse_money("mrr", "$5,000") == 5000.0
    assert parse_money("mrr", "1.2k") == 1200.0
    assert parse_money("mrr", "€900") == 900.0
    assert parse_money("mrr", "2M") == 2_000_000.0
    with pytest.raises(InvalidValue, match="expected a number"):
        parse_money("mrr", "k")
    with pytest.raises(InvalidValue, match="at least 0"):
        parse_money("mrr", "-1k")


def _slow(reader: Any, value: str) -> Any:
    """What a reader gives, or the reason it refuses, by its checks alone."""
    try:
        return reader(value)
    except CellError as exc:
        return ("refused", exc.reason)


@pytest.mark.parametrize(
    "value",
    [
        "Acme Corp",
        "  Acme Corp",
        "Acme Corp ",
        "Acme  Corp",
        "'=Acme",
        "'Acme",
        "Acme\tCorp",
        "Acme\u202eCorp",
        "Chloé SA",
        "A" * 200,
        "A" * 201,
        "x",
        " ",
        "",
        "ACME ' Corp",
        "mailto:ana@example.com",
        "ana@example.com",
        " ana@example.com",
        "'ana@example.com",
        "'-ana@example.com",
        "Ana@Example.COM",
        "ana @example.com",
        "ana@example",
        "n/a",
    ],
)
def test_plain_names_and_emails_read_as_the_checks_read_them(value: str) -> None:
    """Most cells skip the checks that could change or refuse them; those
    that skip them come out as the checks alone would give them."""
    from iqcadence.core.accounts.customers import clean_name
    from iqcadence.core.io.imports.cells import cell_text, checked
    from iqcadence.core.scoring.fields import is_email

    def name(text: str) -> str | None:
        if not text.strip():
            return None
        return checked(lambda: clean_name(cell_text(text)))

    def email(text: str) -> str | None:
        stripped = cell_text(text)
        if stripped.casefold() in ("", "n/a"):
            return None
        if stripped.lower().startswith("mailto:"):
            stripped = stripped[7:].strip()
        if not is_email(stripped):
            raise CellError("not an e-mail address")
        return stripped

    normalizer = Normalizer(today=TODAY)
    assert _slow(normalizer.name, value) == _slow(name, value)
    assert _slow(normalizer.email, value) == _slow(email, value)


def test_an_integer_beyond_any_float_is_one_sentence() -> None:
    """A 400-digit integer (from JSON, e.g. the API) is refused, not an OverflowError."""
    from iqcadence.core.base.errors import InvalidValue
    from iqcadence.core.scoring.fields import parse_number

    with pytest.raises(InvalidValue, match="logins: expected a finite number, got a 400-digit"):
        parse_number("logins", 10**399)
