"""My day (home): tasks due, renewals in the windows, my alerts, quiet
accounts, this week's biggest drops, and the portfolio KPIs. Every item
opens its customer."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Vertical
from textual.css.query import NoMatches
from textual.widget import MountError
from textual.widgets import Footer, Header, Label, OptionList, Static
from textual.widgets.option_list import Option

from iqcadence.core.base.text import printable
from iqcadence.core.read import getting_started, my_day
from iqcadence.core.read import kpis as kpi_figures
from iqcadence.tui.screens.base import BaseScreen
from iqcadence.tui.widgets.common import KpiStrip, band_style
from iqcadence.tui.widgets.phrases import wrap_phrases

PANELS: tuple[tuple[str, str], ...] = (
    ("tasks", "Tasks overdue and due today"),
    ("renewals", "Renewals coming up"),
    ("alerts", "My alerts"),
    ("quiet", "Quiet accounts"),
    ("drops", "Biggest drops this week"),
)
# What an empty list says (the panel shrinks to it on narrow terminals).
NOTHING: dict[str, str] = {
    "tasks": "No task due or overdue.",
    "renewals": "No renewal in the windows.",
    "alerts": "No alert on these accounts.",
    "quiet": "Every account contacted in time.",
    "drops": "No score fell this week.",
}


class MyDayScreen(BaseScreen):
    CSS_PATH = "../styles/my_day.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "reload", "Refresh"),
        Binding("tab", "focus_next", "Next list", show=False),
    ]

    built = False  # the lists are mounted and laid out (right after the first frame)
    # The KPI strip shows the portfolio's figures (its accounts by band; the
    # MRR figures may follow a moment later, see first_content).
    content_shown = False
    kpis: tuple[kpi_figures.Kpis, bool] | None = None  # the figures shown
    day: my_day.MyDay | None = None  # the lists shown (drawn again when resized)

    @staticmethod
    def first_content(app: Any) -> Any:
        """The KPI strip as the screen opens (read while the app starts).

        Of a whole portfolio, the accounts by band (and the health bar) come
        from one index; the MRR figures take several times longer (the MRR
        index, the inactive rows, then every At Risk, Critical and Expansion
        row), and on a busy machine a thread reading them slows Textual's
        start-up as much. The first frame shows the counts; the MRR figures
        are read right after it and fill in the strip (see fill_mrr)."""
        actor = app.actor
        return lambda session: (
            *kpi_figures.day_kpis(session, actor, mrr=False, everyone=None),
            getting_started.is_empty(session, actor.client_id),
        )

    def compose(self) -> ComposeResult:
        yield Header()
        yield KpiStrip(id="kpis")
        # Shown in place of the KPIs and lists while the database is empty.
        yield Static(getting_started_text(), id="getting-started")
        # The first frame shows the KPIs (read while the app started, when
        # this is the first screen); the panels with their titles and lists
        # are mounted right after it (bordered panels in a grid make the
        # first frame much slower to lay out and draw), then the lists are
        # fetched.
        yield Footer()

    def on_mount(self) -> None:
        self.title = "My day"
        first = self.iq.take_prefetched("my_day")
        if first is not None:
            figures, mine_only, empty = first
            self.set_class(empty, "-empty")
            self.show_kpis(figures, mine_only)
        # The first frame goes out before the rest is built.
        self.call_after_refresh(self.fill_mrr)
        self.call_after_refresh(self.build_rest)

    def show_kpis(self, figures: kpi_figures.Kpis, mine_only: bool) -> None:
        self.kpis = (figures, mine_only)
        self.query_one(KpiStrip).show(figures, self.iq.currency)
        self.sub_title = "your accounts" if mine_only else "all accounts"
        self.content_shown = True

    def fill_mrr(self) -> None:
        """Complete a first KPI strip read without its MRR figures (see
        first_content)."""
        if self.kpis is None or self.kpis[0].total_mrr is not None:
            return
        client_id = self.iq.actor.client_id

        def fill(result: tuple[float, float, float]) -> None:
            if self.kpis is not None and self.kpis[0].total_mrr is None:
                total, at_risk, expansion = result
                kpis, mine_only = self.kpis
                self.show_kpis(
                    replace(
                        kpis,
                        total_mrr=total,
                        revenue_at_risk=at_risk,
                        expansion_opportunity=expansion,
                    ),
                    mine_only,
                )

        self.iq.run_db(
            lambda session: kpi_figures.mrr_figures(session, client_id), fill, group="my-day-kpis"
        )

    async def build_rest(self) -> None:
        try:
            await self.mount(
                Grid(
                    *(
                        Vertical(
                            Label(title, classes="panel-title"),
                            OptionList(
                                Option(Text("loading…", style="dim"), disabled=True),
                                id=f"list-{key}",
                                classes="day-list",
                            ),
                            classes="panel",
                            id=f"panel-{key}",
                        )
                        for key, title in PANELS
                    ),
                    id="day-grid",
                ),
                before=self.query_one(Footer),
            )
        except (MountError, NoMatches):  # the screen went away first (the app quit at once)
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

        def read(session: Any) -> tuple[my_day.MyDay, bool]:
            day = my_day.build(session, app.actor, everyone=None, today=app.today)
            return day, getting_started.is_empty(session, app.actor.client_id)

        self.iq.run_db(
            read,
            self.show_day,
            group="my-day",
            exclusive=True,
        )

    def action_reload(self) -> None:
        self.refresh_data()

    def show_day(self, result: tuple[my_day.MyDay, bool]) -> None:
        day, empty = result
        self.set_class(empty, "-empty")
        self.show(day)

    def on_resize(self) -> None:
        if self.day is not None:  # the lines are wrapped to the lists' width
            self.call_after_refresh(self.show_lists)

    def show(self, day: my_day.MyDay) -> None:
        self.iq.currency = day.currency  # as set now, if it changed since the app opened
        self.show_kpis(day.kpis, day.mine_only)
        self.day = day
        self.show_lists()

    def show_lists(self) -> None:
        """Each item: the customer's name, then what to say about it, wrapped
        between phrases to the list's width (never "renews in 8 / d")."""
        if self.day is None:
            return
        lines = my_day.day_lines(self.day)
        lists: dict[str, list[my_day.DayItem]] = {
            "tasks": lines.tasks,
            "renewals": lines.renewals,
            "alerts": lines.alerts,
            "quiet": lines.quiet,
            "drops": lines.drops,
        }
        for key, items in lists.items():
            widget = self.query_one(f"#list-{key}", OptionList)
            highlighted = widget.highlighted
            widget.clear_options()
            if not items:
                widget.add_option(Option(Text(NOTHING[key], style="dim"), disabled=True))
                continue
            # The option's padding and the scrollbar take a few cells.
            width = max(widget.scrollable_content_region.width - 3, 12)
            widget.add_options(
                Option(item_text(item, width), id=f"{key}:{index}:{item.customer_id}")
                for index, item in enumerate(items)
            )
            widget.highlighted = (
                highlighted if highlighted is not None and highlighted < len(items) else 0
            )

    @on(OptionList.OptionSelected, ".day-list")
    def open_item(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.iq.open_customer(int(event.option.id.rsplit(":", 1)[1]))


def item_text(item: my_day.DayItem, width: int) -> Text:
    """One item of a list: the name on its line, the detail under it."""
    text = Text("\n".join(wrap_phrases(printable(item.name), width)))
    text.stylize(f"bold {band_style(item.band)}")
    for line in wrap_phrases(printable(item.detail), width - 2):
        text.append(f"\n  {line}")
    return text


def getting_started_text() -> Text:
    """The getting-started view: each step with its key and its command."""
    text = Text.assemble(
        (getting_started.TITLE, "bold"), "\n", (getting_started.INTRO, "dim"), "\n"
    )
    for number, step in enumerate(getting_started.STEPS, 1):
        title = f"{step.title} (later)" if step.later else step.title
        text.append(f"\n{number}. {title}\n", "bold dim" if step.later else "bold")
        text.append(f"   {step.how}\n")
        if step.later:
            text.append(f"   {step.command}\n", "dim italic")
            continue
        if step.key:
            text.append("   press ")
            text.append(f" {step.key} ", "bold reverse")
            text.append(f" (or F{step.key}) here\n   or run ")
        else:
            text.append("   run ")
        text.append(step.command, "bold")
        text.append("\n")
    return text
