"""One money formatter: currency symbol, separators, cents, sign, compact form."""

from __future__ import annotations

import pytest

from iqcadence.core.base.errors import InvalidValue
from iqcadence.core.base.money import check_currency, money


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "—"),
        (0, "$0"),
        (3500, "$3,500"),
        (16550.0, "$16,550"),
        (12.5, "$12.50"),
        (99.99, "$99.99"),
        (100.4, "$100"),
        (1_234_567.89, "$1,234,568"),
        (-1200, "-$1,200"),
        (-12.5, "-$12.50"),
        (-0.001, "$0.00"),
    ],
)
def test_full_amounts(value: float | None, expected: str) -> None:
    assert money(value, currency="$") == expected


@pytest.mark.parametrize(
    ("currency", "expected"),
    [("$", "$3,500"), ("€", "€3,500"), ("£", "£3,500"), ("CHF", "CHF 3,500"), ("US$", "US$ 3,500")],
)
def test_currency_symbol_from_settings(currency: str, expected: str) -> None:
    assert money(3500, currency=currency) == expected


def test_default_currency_is_the_dollar() -> None:
    assert money(3500) == "$3,500"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "—"),
        (9_999, "$9,999"),
        (10_000, "$10k"),
        (169_400, "$169k"),
        (999_499, "$999k"),
        (999_600, "$1.0M"),
        (1_000_000, "$1.0M"),
        (1_250_000, "$1.2M"),
        (999_960_000, "$1.0B"),
        (2_500_000_000, "$2.5B"),
        (-169_400, "-$169k"),
        (-1_500_000, "-$1.5M"),
    ],
)
def test_compact_amounts(value: float | None, expected: str) -> None:
    assert money(value, currency="$", compact=True) == expected


def test_compact_keeps_the_currency() -> None:
    assert money(1_000_000, currency="€", compact=True) == "€1.0M"
    assert money(169_000, currency="CHF", compact=True) == "CHF 169k"


@pytest.mark.parametrize("symbol", ["$", "€", "£", "¥", "CHF", "US$", "kr", " € "])
def test_currencies_people_can_choose(symbol: str) -> None:
    assert check_currency(symbol) == symbol.strip()


@pytest.mark.parametrize("symbol", ["", "   ", "EURO$", "1$", "$ $", "-", "\x1b[31m", "€\u202e"])
def test_currencies_refused(symbol: str) -> None:
    with pytest.raises(InvalidValue, match="currency"):
        check_currency(symbol)
