"""My day (home): tasks due, renewals in the windows, my alerts, quiet
accounts, this week's biggest drops, and the portfolio KPIs. Every item
opens its customer."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Vertical
from textual.widget import MountError
from textual.widgets import Footer, Header, Label, OptionList
from textual.widgets.option_list import Option

from iqcadence.core import views
from iqcadence.tui import runner
from iqcadence.tui.screens.base import BaseScreen
from iqcadence.tui.widgets.common import BAND_STYLES, KpiStrip

PANELS: tuple[tuple[str, str], ...] = (
    ("tasks", "Tasks overdue and due today"),
    ("renewals", "Renewals coming up"),
    ("alerts", "My alerts"),
    ("quiet", "Quiet accounts"),
    ("drops", "Biggest drops this week"),
)


class MyDayScreen(BaseScreen):
    CSS_PATH = "../styles/my_day.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "reload", "Refresh"),
        Binding("tab", "focus_next", "Next list", show=False),
    ]

    built = False  # the lists are mounted and laid out (right after the first frame)
    content_shown = False  # the KPI strip shows the portfolio's figures

    @staticmethod
    def first_content(app: Any) -> Any:
        """The KPI strip as the screen opens (read while the app starts)."""
        actor = app.actor
        # The slowest part of the figures (the MRR of the At Risk, Critical and
        # Expansion accounts) is read at the same time on a connection of its own.
        band_mrr = runner.Prefetch(app.database, views.risk_band_mrr)
        return lambda s: views.day_kpis(s, actor, band_mrr=band_mrr.result)

    def compose(self) -> ComposeResult:
        yield Header()
        yield KpiStrip(id="kpis")
        # The first frame shows the KPIs (read while the app started, when
        # this is the first screen) and the panels' frames; their titles and
        # lists are mounted right after it, then the lists are fetched.
        with Grid(id="day-grid"):
            for key, _title in PANELS:
                yield Vertical(classes="panel", id=f"panel-{key}")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "My day"
        first = self.iq.take_prefetched("my_day")
        if first is not None:
            figures, mine_only = first
            self.show_kpis(figures, mine_only)
        # The first frame goes out before the rest is built.
        self.call_after_refresh(self.build_rest)

    def show_kpis(self, figures: views.Kpis, mine_only: bool) -> None:
        self.query_one(KpiStrip).show(figures)
        self.sub_title = "your accounts" if mine_only else "all accounts"
        self.content_shown = True

    async def build_rest(self) -> None:
        for key, title in PANELS:
            try:
                await self.query_one(f"#panel-{key}", Vertical).mount_all(
                    (
                        Label(title, classes="panel-title"),
                        OptionList(
                            Option(Text("loading…", style="dim"), disabled=True),
                            id=f"list-{key}",
                            classes="day-list",
                        ),
                    )
                )
            except MountError:  # the screen went away first (the app quit at once)
                return
        # The lists get their size before their first rows arrive.
        self.call_after_refresh(self.lists_ready)

    def lists_ready(self) -> None:
        self.built = True
        if self.focused is None:  # what the screen's auto-focus does for a composed list
            self.query_one("#list-tasks", OptionList).focus()
        self.refresh_data()

    def refresh_data(self) -> None:
        if not self.built:  # lists_ready reads the data once the lists exist
            return
        app = self.iq
        self.iq.run_db(
            lambda s: views.my_day(s, app.actor, today=app.today),
            self.show,
            group="my-day",
            exclusive=True,
        )

    def action_reload(self) -> None:
        self.refresh_data()

    def show(self, day: views.MyDay) -> None:
        self.show_kpis(day.kpis, day.mine_only)
        lists: dict[str, list[views.DayItem]] = {
            "tasks": day.tasks,
            "renewals": day.renewals,
            "alerts": day.alerts,
            "quiet": day.quiet,
            "drops": day.drops,
        }
        for key, items in lists.items():
            widget = self.query_one(f"#list-{key}", OptionList)
            highlighted = widget.highlighted
            widget.clear_options()
            if not items:
                widget.add_option(Option(Text("nothing here", style="dim"), disabled=True))
                continue
            widget.add_options(
                Option(
                    Text.assemble(
                        (item.name, BAND_STYLES.get(item.band or "", "bold")),
                        "  ",
                        item.detail,
                        no_wrap=True,
                        overflow="ellipsis",
                    ),
                    id=f"{key}:{index}:{item.customer_id}",
                )
                for index, item in enumerate(items)
            )
            widget.highlighted = (
                highlighted if highlighted is not None and highlighted < len(items) else 0
            )

    @on(OptionList.OptionSelected, ".day-list")
    def open_item(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.iq.open_customer(int(event.option.id.rsplit(":", 1)[1]))
