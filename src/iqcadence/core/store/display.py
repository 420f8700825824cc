"""How a client wants amounts shown: the currency symbol (`display` block).

It lives with the other settings, so backups carry it and every change is
audited; the app, the CLI and the reports read it here and hand it to
`base.money`. Only admins change it, as they do report branding.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import InvalidValue
from iqcadence.core.base.money import DEFAULT_CURRENCY, check_currency
from iqcadence.core.store import settings

DISPLAY_KEY = "display"


@dataclass(frozen=True)
class DisplaySettings:
    currency: str = DEFAULT_CURRENCY

    @classmethod
    def from_dict(cls, block: Mapping[str, Any]) -> DisplaySettings:
        """The block as stored; a value that could not have been set is refused."""
        currency = block.get("currency", DEFAULT_CURRENCY)
        if not isinstance(currency, str):
            raise InvalidValue("currency: expected text such as $, € or CHF.")
        return cls(currency=check_currency(currency))

    def to_dict(self) -> dict[str, Any]:
        return {"currency": self.currency}


def load_display(session: Session, client_id: int) -> DisplaySettings:
    block = settings.get_block(session, client_id, DISPLAY_KEY) or {}
    try:
        return DisplaySettings.from_dict(block)
    except InvalidValue:
        # A hand-edited database must not stop every screen from opening;
        # the default symbol is shown until a valid one is set again.
        return DisplaySettings()


def currency(session: Session, client_id: int) -> str:
    """The symbol amounts of this client are shown with (`$` until set)."""
    return load_display(session, client_id).currency


def set_currency(session: Session, actor: Actor, symbol: str) -> DisplaySettings:
    """Choose the currency symbol (admins only); audited, then committed."""
    actor.require_admin("change the currency")
    chosen = DisplaySettings(currency=check_currency(symbol))
    block = dict(settings.get_block(session, actor.client_id, DISPLAY_KEY) or {})
    block.update(chosen.to_dict())
    settings.put_block(session, actor, DISPLAY_KEY, block, action="config.display")
    session.commit()
    return chosen
