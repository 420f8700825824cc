"""What every screen shares: typed access to the app and its core runner."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from textual.screen import Screen

if TYPE_CHECKING:
    from iqcadence.tui.app import IQCadenceApp


class BaseScreen(Screen[Any]):
    @property
    def iq(self) -> IQCadenceApp:
        return cast("IQCadenceApp", self.app)

    def refresh_data(self) -> None:
        """Re-read what the screen shows (after a change made elsewhere)."""

    def on_screen_resume(self) -> None:
        self.refresh_data()
