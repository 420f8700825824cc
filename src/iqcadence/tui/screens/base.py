"""What every screen shares: typed access to the app and its core runner."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from textual._context import NoActiveAppError
from textual.screen import Screen

if TYPE_CHECKING:
    from iqcadence.tui.app import IQCadenceApp


class BaseScreen(Screen[Any]):
    def __init__(self) -> None:
        super().__init__()
        # Textual gives a screen its breakpoint class (-narrow / -wide) on its
        # first Resize, and styles every widget of it again for that; given
        # here from the app's size, the class is there from the start and the
        # first Resize changes nothing (a later one still does).
        try:
            width, height = self.app.size
        except NoActiveAppError:  # made outside a running app
            return
        for dimension, own, app_wide in (
            (width, self.HORIZONTAL_BREAKPOINTS, self.app.HORIZONTAL_BREAKPOINTS),
            (height, self.VERTICAL_BREAKPOINTS, self.app.VERTICAL_BREAKPOINTS),
        ):
            breakpoints = (app_wide if own is None else own) or []
            self.add_class(*self._get_breakpoint_classes(dimension, breakpoints), update=False)

    @property
    def iq(self) -> IQCadenceApp:
        return cast("IQCadenceApp", self.app)

    def refresh_data(self) -> None:
        """Re-read what the screen shows (after a change made elsewhere)."""

    def on_screen_resume(self) -> None:
        self.refresh_data()
