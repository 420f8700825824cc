"""The currency symbol: a client setting, admin-only, audited, validated."""

from __future__ import annotations

from typing import Any

import pytest

from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import InvalidValue, PermissionDenied
from iqcadence.core.store import audit, display, settings


def test_dollar_until_set(session: Any, actor: Actor) -> None:
    assert display.currency(session, actor.client_id) == "$"


def test_set_currency_is_kept_and_audited(session: Any, actor: Actor) -> None:
    display.set_currency(session, actor, " € ")
    assert display.currency(session, actor.client_id) == "€"
    assert settings.get_block(session, actor.client_id, display.DISPLAY_KEY) == {"currency": "€"}
    entry = audit.list_entries(session, actor, action="config", limit=1)[0]
    assert entry.action == "config.display"
    assert entry.details == {"key": "display", "before": None, "after": {"currency": "€"}}


def test_only_admins_change_it(session: Any, actor: Actor) -> None:
    from iqcadence.core.store.users import add_user

    add_user(session, actor, "csm@example.com", role="csm")
    csm = Actor(email="csm@example.com", role="csm", client_id=actor.client_id)
    with pytest.raises(PermissionDenied):
        display.set_currency(session, csm, "€")
    assert display.currency(session, actor.client_id) == "$"


def test_a_bad_symbol_is_refused_and_nothing_changes(session: Any, actor: Actor) -> None:
    display.set_currency(session, actor, "£")
    with pytest.raises(InvalidValue, match="currency"):
        display.set_currency(session, actor, "\x1b[2J")
    assert display.currency(session, actor.client_id) == "£"


def test_a_hand_edited_block_falls_back_to_the_default(session: Any, actor: Actor) -> None:
    """A stored symbol that could never have been set never reaches a screen."""
    settings.put_block(session, actor, display.DISPLAY_KEY, {"currency": "\x1b]0;x"}, action="t")
    session.commit()
    assert display.currency(session, actor.client_id) == "$"
    with pytest.raises(InvalidValue):
        display.DisplaySettings.from_dict({"currency": 5})
