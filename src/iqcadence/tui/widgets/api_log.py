"""The REST API's newest calls, for the Settings screen (as `iqcadence api log`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

if TYPE_CHECKING:
    from iqcadence.tui.app import IQCadenceApp

SHOWN = 20


class ApiLogPanel(Static):
    """The last SHOWN calls: time, key, action, status, duration, customer."""

    shown: Table | Text | None = None

    def reload(self, app: IQCadenceApp) -> None:
        actor = app.actor

        def load(session: Any) -> list[dict[str, Any]]:
            from iqcadence.core.store import api_log

            calls = api_log.list_calls(session, actor, limit=SHOWN)
            return [api_log.call_to_dict(call) for call in calls]

        app.run_db(load, self.show_calls, group="api-log", exclusive=True)

    def show_calls(self, calls: list[dict[str, Any]]) -> None:
        if not calls:
            self.shown = Text("No API calls yet (`iqcadence serve` runs the API).", style="dim")
            self.update(self.shown)
            return
        table = Table(box=None, pad_edge=False, expand=True)
        for column in ("at", "key", "action", "status", "ms", "customer"):
            table.add_column(column, justify="right" if column in ("status", "ms") else "left")
        for call in calls:
            status = int(call["status"])
            table.add_row(
                call["at"].replace("T", " ")[:19],
                Text(call["key"] or "(no valid key)"),
                Text(call["action"]),
                Text(str(status), style="green" if status < 400 else "red"),
                f"{call['duration_ms']:.1f}",
                Text(call["customer"] or ""),
            )
        self.shown = table
        self.update(table)
