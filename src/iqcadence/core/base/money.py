"""Money as people read it, the same on every surface.

`money(3500, currency="$")` is "$3,500": the currency symbol the client
chose (`iqcadence config currency set €`; `$` until then), thousands
separated, whole units from 100 up and cents below that. A symbol made of
letters stands apart ("CHF 3,500"); a negative amount leads with its sign
("-$1,200"); a missing one is "—".

`compact=True` is for where space is short (the app's KPI tiles): from
10,000 up the amount is rounded to thousands, millions or billions
("$169k", "$1.2M"); below that it is written in full. Where a compact amount
is shown, the full one is a hover or a record away.

Amounts are right-aligned wherever they stand in a column; that is the
front ends' part.
"""

from __future__ import annotations

from iqcadence.core.base.errors import InvalidValue

DEFAULT_CURRENCY = "$"
CURRENCY_MAX = 4  # characters: "$", "€", "CHF", "US$", "NZ$"
NO_AMOUNT = "—"
COMPACT_FROM = 10_000  # below this a compact amount is written in full
_STEPS = ((1_000_000_000, "B", 1), (1_000_000, "M", 1), (1_000, "k", 0))


def money(value: float | None, *, currency: str = DEFAULT_CURRENCY, compact: bool = False) -> str:
    """`value` with its currency symbol ("$3,500", "$12.50", "-$40", "$1.2M")."""
    if value is None:
        return NO_AMOUNT
    amount = abs(float(value))
    digits = _compact(amount) if compact and amount >= COMPACT_FROM else _full(amount)
    # A negative amount that rounds to nothing shows no sign ("$0.00").
    sign = "-" if value < 0 and any(c in "123456789" for c in digits) else ""
    gap = " " if any(c.isalpha() for c in currency) else ""
    return f"{sign}{currency}{gap}{digits}"


def _full(amount: float) -> str:
    whole = amount >= 100 or amount.is_integer()
    return f"{amount:,.0f}" if whole else f"{amount:,.2f}"


def _compact(amount: float) -> str:
    for index, (size, suffix, places) in enumerate(_STEPS):
        if amount >= size:
            scaled = round(amount / size, places)
            if scaled >= 1000 and index > 0:  # 999,600 is "1.0M", not "1000k"
                bigger, bigger_suffix, bigger_places = _STEPS[index - 1]
                return f"{amount / bigger:,.{bigger_places}f}{bigger_suffix}"
            return f"{scaled:,.{places}f}{suffix}"
    return _full(amount)


def check_currency(symbol: str) -> str:
    """A currency symbol people can choose: 1–4 characters (`$`, `€`, `£`,
    `CHF`, `US$`), no digits, spaces, signs or control characters."""
    cleaned = symbol.strip()
    if not cleaned:
        raise InvalidValue("currency: must not be empty (for example $, €, £ or CHF).")
    if len(cleaned) > CURRENCY_MAX:
        raise InvalidValue(
            f"currency: {cleaned!r} is longer than {CURRENCY_MAX} characters "
            "(a symbol or code, for example $, €, £ or CHF)."
        )
    for char in cleaned:
        if char.isdigit() or char.isspace() or char in "+-,." or not char.isprintable():
            raise InvalidValue(
                f"currency: {cleaned!r} may not hold digits, spaces, signs or control "
                "characters (for example $, €, £ or CHF)."
            )
    return cleaned
