"""How an alert's reason reads beside its customer's name: the name is
already in the row, so the reason does not say it again."""

from __future__ import annotations


def short_reason(reason: str, customer: str) -> str:
    """`reason` without a leading repeat of `customer` ("Globex is Critical
    with a score of 10.5." beside Globex reads "Is Critical with…" → "Critical
    with a score of 10.5.")."""
    text = reason.strip()
    if customer and text.lower().startswith(customer.lower() + " "):
        rest = text[len(customer) + 1 :]
        rest = rest.removeprefix("is ").removeprefix("has ")
        return rest[:1].upper() + rest[1:] if rest else text
    return text
