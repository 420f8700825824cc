"""Command palette provider: jump to any customer by fuzzy name."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from iqcadence.core.base.labels import label
from iqcadence.core.base.text import printable
from iqcadence.core.read import customer_list
from iqcadence.tui import runner
from iqcadence.tui.widgets.common import band_label

if TYPE_CHECKING:
    from iqcadence.tui.app import IQCadenceApp


class CustomerProvider(Provider):
    """Customers whose name holds the typed letters in order."""

    @property
    def iq(self) -> IQCadenceApp:
        return cast("IQCadenceApp", self.app)

    def _lookup(self, query: str) -> list[customer_list.NameHit]:
        app = self.iq
        try:
            return app.call_db(lambda s: customer_list.find_names(s, app.actor.client_id, query))
        except runner.Failed:
            return []

    async def search(self, query: str) -> Hits:
        if not query.strip():
            return
        hits = await asyncio.to_thread(self._lookup, query)
        matcher = self.matcher(query)
        for rank, hit in enumerate(hits):
            name = printable(hit.name)  # stored text may hold control characters
            score = max(matcher.match(name), 0.5 - rank / 100)
            yield Hit(
                score,
                matcher.highlight(name),
                partial(self.iq.open_customer, hit.id),
                text=name,
                help=_describe(hit),
            )

    async def discover(self) -> Hits:
        yield DiscoveryHit(
            "Customers…", self.iq.action_jump, help="Type a customer's name to open it (ctrl+k)"
        )


def _describe(hit: customer_list.NameHit) -> str:
    score = band_label(None) if hit.score is None else f"{hit.score:g} {band_label(hit.band)}"
    return score + ("" if hit.status == "active" else f" · {label('status', hit.status)}")
