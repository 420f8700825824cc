"""The app: screens as modes (F1–F6 anywhere, 1–6 outside text fields), each
header with the app's icon and name, Customer 360 pushed on top, the command
palette with a jump-to-customer provider, and `make_app()` — the one factory
used by the CLI, `iqcadence demo` and the tests."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterable
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.command import CommandPalette
from textual.content import Content
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Header

from iqcadence.core.base import clock
from iqcadence.core.base.actor import Actor
from iqcadence.core.base.money import DEFAULT_CURRENCY
from iqcadence.core.runtime import wiring
from iqcadence.core.store import display
from iqcadence.core.store.db import Database
from iqcadence.core.store.users import resolve_actor
from iqcadence.tui import runner
from iqcadence.tui.commands import CustomerProvider
from iqcadence.tui.screens.alerts import AlertsScreen
from iqcadence.tui.screens.base import BaseScreen
from iqcadence.tui.screens.customer360 import Customer360Screen
from iqcadence.tui.screens.customers import CustomersScreen
from iqcadence.tui.screens.help import HelpScreen
from iqcadence.tui.screens.my_day import MyDayScreen
from iqcadence.tui.screens.score import ScoreScreen
from iqcadence.tui.screens.settings import SettingsScreen
from iqcadence.tui.stylesheet import ReusingStylesheet, parses_folder

if TYPE_CHECKING:
    from sqlmodel import Session

T = TypeVar("T")

SCREENS_BY_KEY: tuple[tuple[str, str, str], ...] = (
    ("1", "my_day", "My day"),
    ("2", "customers", "Customers"),
    ("3", "alerts", "Alerts"),
    ("4", "score", "Score"),
    ("5", "settings", "Settings"),
    ("6", "help", "Help"),
)
# A digit typed in a text field is text, so the digits switch screens only
# outside one. F1–F6 switch from anywhere, forms included, in every terminal;
# alt with the digit does too where the terminal sends it as such (kitty's
# keyboard protocol: kitty, WezTerm, foot, Ghostty...), as most others send
# alt+1 as "¡", which Textual reads as that character.
FORM_SAFE_KEYS = ("f{digit}", "alt+{digit}")
APP_NAME = "iqcadence"
APP_ICON = "◆"  # top left of every header; a click opens the command palette


class IQCadenceApp(App[None]):
    """A customer-success workbench over one database, acting as one user."""

    TITLE = APP_NAME
    # Shared rules only; each screen and dialog loads its own stylesheet when
    # it is first shown, so the first frame parses no other screen's CSS.
    CSS_PATH = "styles/app.tcss"
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]] | None] = [
        (0, "-narrow"),
        (110, "-wide"),
    ]
    MODES: ClassVar[dict[str, Any]] = {
        "my_day": MyDayScreen,
        "customers": CustomersScreen,
        "alerts": AlertsScreen,
        "score": ScoreScreen,
        "settings": SettingsScreen,
        "help": HelpScreen,
    }
    DEFAULT_MODE = "my_day"
    COMMANDS = App.COMMANDS | {CustomerProvider}
    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(key, f"go('{mode}')", label, show=False)  # listed in Help and the palette
            for key, mode, label in SCREENS_BY_KEY
        ),
        *(
            # The footer names them once ("F1–F6 Screens"): they work in forms too.
            Binding(
                pattern.format(digit=key),
                f"go('{mode}')",
                "Screens" if key == "1" else label,
                show=key == "1" and pattern == FORM_SAFE_KEYS[0],
                key_display="F1–F6" if key == "1" else None,
            )
            for pattern in FORM_SAFE_KEYS
            for key, mode, label in SCREENS_BY_KEY
        ),
        Binding("question_mark", "go('help')", "Help", key_display="?"),
        Binding("ctrl+k", "jump", "Jump to customer"),
        Binding("ctrl+t", "toggle_theme", "Light/dark", show=False),
        Binding("ctrl+g", "switch_client", "Switch client", show=False),
        Binding("escape", "back", "Back", show=False),
    ]

    def __init__(
        self,
        database: Database,
        actor: Actor,
        *,
        today: date | None = None,
        start: str = "my_day",
        currency: str = DEFAULT_CURRENCY,
    ) -> None:
        if start not in self.MODES:
            raise ValueError(f"start: {start!r} is not one of {', '.join(self.MODES)}.")
        self.database = database
        self.actor = actor
        # The client's symbol for every amount (`config currency set`); read
        # again when the client changes.
        self.currency = currency
        self.today_override = today
        self.start = start
        # What the first screen shows is read while Textual starts up (from
        # here, before Textual's own set-up), so its first frame already
        # holds real content (see first_content). A screen whose first read
        # returns many rows has it read first, alone (FIRST_CONTENT_ALONE;
        # see runner.Prefetch).
        self._prefetched: dict[str, runner.Prefetch[Any]] = {}
        screen = self.MODES[start]
        loader = getattr(screen, "first_content", None)
        if loader is not None:
            alone = getattr(screen, "FIRST_CONTENT_ALONE", False)
            self._prefetched[start] = runner.Prefetch(
                database, loader(self), wait=self.PREFETCH_WAIT if alone else 0.0
            )
        self.DEFAULT_MODE = start  # read by App.__init__: the screen the app opens on
        super().__init__()
        self.stylesheet = self.reusing_stylesheet = ReusingStylesheet(
            # The theme's variables, as App.__init__ just worked them out.
            variables=self.stylesheet._variables,
            folder=parses_folder(),
        )

    PREFETCH_WAIT = 0.3  # s: the longest the first frame waits for its content

    def take_prefetched(self, mode: str) -> Any:
        """The first content read for the `mode` screen while the app started
        (waiting up to PREFETCH_WAIT in all for it), once; None when there is
        none, it failed or it is slower than that (a very large or busy
        database): the screen then shows its frame and reads the content in
        a worker as usual."""
        job = self._prefetched.pop(mode, None)
        if job is None:
            return None
        return job.result(timeout=max(0.0, self.PREFETCH_WAIT - job.waited))

    # What start-up made (modules, styles, widgets) lives as long as the app:
    # once the first frame is out it is left out of the garbage collector's
    # full passes (gc.freeze), which otherwise walk all of it again now and
    # then, stalling a keystroke (80 ms at 100k customers). Only for a run of
    # its own (run / run_async), given back when it ends.
    freeze_after_start = False

    async def run_async(self, **kwargs: Any) -> None:
        self.freeze_after_start = True
        try:
            return await super().run_async(**kwargs)
        finally:
            gc.unfreeze()
            # The CSS parsed in this run is read back by the next one.
            self.reusing_stylesheet.parses.store()

    @property
    def today(self) -> date:
        return self.today_override or clock.today()

    # Said once as the app opens (the demo says who you are in it).
    greeting: str | None = None

    def on_mount(self) -> None:
        self.show_who()
        if self.greeting:
            self.notify(self.greeting, title="Welcome", timeout=12)
        self.screen_change_signal.subscribe(self, self.brand_headers)
        self.brand_headers(self.screen)
        if self.freeze_after_start:
            self.call_after_refresh(gc.freeze)

    def brand_headers(self, screen: Screen[Any]) -> None:
        """Give the headers of `screen` the app's icon (in place of Textual's
        placeholder), now and once the screen has been composed."""

        def brand() -> None:
            for header in screen.query(Header):
                header.icon = APP_ICON

        brand()
        screen.call_after_refresh(brand)

    def format_title(self, title: str, sub_title: str) -> Content:
        """The header's line: the app, the screen, then who (or which record)."""
        heading = super().format_title(title, sub_title)
        if title == APP_NAME:
            return heading
        return Content.assemble((f"{APP_NAME} · ", "dim"), heading)

    # --- running core calls ---------------------------------------------------------

    def call_db(self, fn: Callable[[Session], T]) -> T:
        """Run a core call now (in the calling thread); raises runner.Failed."""
        return runner.call(self.database, fn)

    def run_db(
        self,
        fn: Callable[[Session], T],
        done: Callable[[T], None] | None = None,
        *,
        group: str = "db",
        exclusive: bool = False,
        success: str | None = None,
    ) -> None:
        """Run a core call in a worker thread; `done(result)` then runs on the UI
        thread. A failure becomes an error notification instead of a crash."""

        def job() -> None:
            from textual.worker import get_current_worker

            worker = get_current_worker()
            try:
                result = runner.call(self.database, fn)
            except runner.Failed as failure:
                if not worker.is_cancelled:
                    self.call_from_thread(self.report_error, failure.message)
                return
            if worker.is_cancelled:
                return
            if done is not None:
                self.call_from_thread(self._deliver, done, result)
            if success:
                self.call_from_thread(self.notify, success)

        self.run_worker(job, thread=True, group=group, exclusive=exclusive)

    def write_db(
        self,
        fn: Callable[[Session], T],
        done: Callable[[T], None] | None = None,
        *,
        success: str | None = None,
        refused: Callable[[str], None] | None = None,
    ) -> None:
        """Run a core call that writes, in a worker thread, after the app's
        earlier writes (runner.write). While another program keeps the
        database busy the write waits its turn, and the user is told so,
        instead of failing; `done(result)` then runs on the UI thread.
        A failure is an error notification, or given to `refused(sentence)`
        (on the UI thread) when there is one. Leaving the screen does not
        cancel it."""

        def waiting() -> None:
            self.call_from_thread(
                self.notify,
                "Another program is writing to the database; "
                "your change is saved as soon as it has finished.",
                title="Waiting",
                timeout=6,
            )

        def job() -> None:
            try:
                result = runner.write(self.database, fn, on_wait=waiting)
            except runner.Failed as failure:
                self.call_from_thread(refused or self.report_error, failure.message)
                return
            if done is not None:
                self.call_from_thread(self._deliver, done, result)
            if success:
                self.call_from_thread(self.notify, success)

        self.run_worker(job, thread=True, group="db-write")

    def _deliver(self, done: Callable[[Any], None], result: Any) -> None:
        """Hand a result to its screen, unless that screen has gone meanwhile
        (e.g. a record deleted while it was being re-read)."""
        owner = getattr(done, "__self__", None)
        if isinstance(owner, Widget) and not owner.is_attached:
            return
        try:
            done(result)
        except NoMatches:
            # A popped screen is torn down while its last result arrives.
            if isinstance(owner, Screen) and any(
                owner in stack for stack in self._screen_stacks.values()
            ):
                raise

    def report_error(self, message: str) -> None:
        self.notify(message, title="Not done", severity="error", timeout=8)

    # --- navigation ------------------------------------------------------------------

    def action_go(self, mode: str) -> None:
        if self.current_mode != mode:
            self.switch_mode(mode)
        else:
            # Already there: drop a pushed record so the key always lands on the list.
            while len(self.screen_stack) > 1 and not isinstance(self.screen, self.MODES[mode]):
                self.pop_screen()

    def action_back(self) -> None:
        if len(self.screen_stack) > 1:
            self.pop_screen()
        elif self.current_mode != "my_day":
            self.switch_mode("my_day")

    def open_customer(self, customer_id: int) -> None:
        """Show a customer's record on top of the current screen."""
        self.push_screen(Customer360Screen(customer_id))

    def action_jump(self) -> None:
        if not CommandPalette.is_open(self):
            self.push_screen(
                CommandPalette(
                    providers=[CustomerProvider],
                    placeholder="Jump to a customer: type part of the name…",
                    id="--command-palette",
                )
            )

    def show_who(self) -> None:
        """Who is acting, in which client (the header's second line)."""
        actor = self.actor
        self.sub_title = f"{actor.name or actor.email} · {actor.role} · {actor.client_name}"

    def action_switch_client(self) -> None:
        """Work in another of the user's clients: every screen reads again."""
        from iqcadence.core.store import clients
        from iqcadence.tui.modals.choice import ChoiceModal

        names = [c.name for c in self.call_db(lambda s: clients.list_clients(s, self.actor))]
        if len(names) < 2:
            self.notify(f"{self.actor.email} works in one client: {names[0]}.")
            return

        def chosen(name: str | None) -> None:
            if name is None or name == self.actor.client_name:
                return
            email = self.actor.email
            self.actor = self.call_db(lambda s: resolve_actor(s, email, name))
            client_id = self.actor.client_id
            self.currency = self.call_db(lambda s: display.currency(s, client_id))
            self.show_who()
            while len(self.screen_stack) > 1:  # records of the other client
                self.pop_screen()
            current = self.screen
            if isinstance(current, BaseScreen):
                current.refresh_data()
            self.notify(f"Working in {name}.")

        current = self.actor.client_name
        options = [(n, f"{n}  (now)" if n == current else n) for n in names]
        self.push_screen(ChoiceModal("Work in which client?", options), chosen)

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.current_theme.dark else "textual-dark"

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for _key, mode, label in SCREENS_BY_KEY:
            yield SystemCommand(
                f"Go to {label}", f"Open the {label} screen", partial(self.action_go, mode)
            )
        yield SystemCommand("Jump to customer", "Find a customer by name", self.action_jump)
        yield SystemCommand(
            "Switch client", "Work in another client (ctrl+g)", self.action_switch_client
        )
        yield SystemCommand(
            "Light / dark", "Switch between light and dark", self.action_toggle_theme
        )
        seen: set[str] = set()
        for binding in getattr(screen, "BINDINGS", []):
            if not isinstance(binding, Binding) or not binding.description:
                continue
            if binding.description in seen:
                continue
            seen.add(binding.description)
            yield SystemCommand(
                binding.description,
                f"{screen.__class__.__name__.removesuffix('Screen')} action ({binding.key})",
                partial(self._screen_action, screen, binding.action),
            )

    def _screen_action(self, screen: Screen[Any], action: str) -> None:
        self.call_later(screen.run_action, action)


def make_app(
    database: Database,
    *,
    as_user: str | None = None,
    client: str | None = None,
    today: date | None = None,
    start: str = "my_day",
) -> IQCadenceApp:
    """The app on an open database, acting as `as_user` (else IQCADENCE_USER)
    in `client` (else IQCADENCE_CLIENT, else the user's first client),
    opening on the `start` screen (my_day, customers, alerts, score, settings, help).

    `today` fixes the date for the whole core (decay, windows, momentum) the
    same way IQCADENCE_TODAY does, so the app and its tests agree on it.
    """
    if today is not None:
        os.environ["IQCADENCE_TODAY"] = today.isoformat()
    wiring.install()
    with database.session() as session:
        actor = resolve_actor(session, as_user, client)
        currency = display.currency(session, actor.client_id)
    return IQCadenceApp(database, actor, today=today, start=start, currency=currency)
