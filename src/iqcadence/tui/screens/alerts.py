"""Alerts: grouped by category, severity or customer; the MRR exposed to
critical and warning alerts; snooze, dismiss and wake one or many.

The board is read from the current alerts, kept up to date as customers
change, in a worker; on the first look of a day (or after the alert
settings changed) they are worked out again first, which the screen says.
The exposure and each group's count cover every alert, the table lists the
most severe few hundred."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from typing import Any, ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Header, Static
from textual.worker import get_current_worker

from iqcadence.core.accounts.bulk import BulkOutcome
from iqcadence.core.alerts import state as alert_state
from iqcadence.core.base import labels
from iqcadence.core.base.text import printable
from iqcadence.core.read import alert_board
from iqcadence.core.read.alert_words import short_reason
from iqcadence.tui import runner
from iqcadence.tui.modals.choice import ChoiceModal
from iqcadence.tui.modals.confirm import ConfirmModal
from iqcadence.tui.screens.base import BaseScreen
from iqcadence.tui.widgets.common import Table, money, money_text, severity_style

GROUPINGS = ("category", "severity", "customer")
SNOOZES = [("1d", "1 day"), ("7d", "7 days"), ("30d", "30 days")]
# The reason last: it is the long one, so MRR and State stay on screen.
COLUMNS = (
    ("sel", " "),
    ("severity", "Severity"),
    ("category", "Category"),
    ("customer", "Customer"),
    ("mrr", "MRR"),
    ("state", "State"),
    ("reason", "Why"),
)


class AlertsScreen(BaseScreen):
    CSS_PATH = "../styles/alerts.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("g", "group", "Group by"),
        Binding("z", "snooze", "Snooze"),
        Binding("d", "dismiss", "Dismiss"),
        Binding("w", "wake", "Wake"),
        Binding("space", "toggle", "Select"),
        Binding("h", "hidden", "Show hidden"),
        Binding("r", "reload", "Refresh", show=False),
    ]

    # How much the table lists (every count and the exposure cover all alerts).
    FILL_BATCH = 120  # rows added to the table per turn of the event loop
    PER_GROUP = alert_board.PER_GROUP
    CUSTOMER_GROUPS = alert_board.CUSTOMER_GROUPS

    def __init__(self) -> None:
        super().__init__()
        self.grouping = "category"
        self.show_hidden = False
        self.board: alert_board.AlertBoard | None = None
        self.selected: set[str] = set()
        self.loading = False  # the board is being read
        self.progress = ""  # how far working the alerts out is (when they are)
        self.loads = 0  # boards listed in full (tests wait on it)
        self.fills = 0  # boards being listed, the newest last

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Reading the alerts…", id="exposure")
        yield Table(id="alerts-table", cursor_type="row")
        yield Static(id="alerts-status")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Alerts"
        table = self.query_one(DataTable)
        self.add_columns(table)
        table.focus()
        self.refresh_data()

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        # Only this handler: the base screen's would read the board a second
        # time, at once, while the first read is on its way.
        event.prevent_default()
        if not self.loading:  # a read already on its way (e.g. right after mounting)
            self.refresh_data()

    def add_columns(self, table: DataTable[Any]) -> None:
        for key, label in COLUMNS:
            table.add_column(Text(label, justify="right" if key == "mrr" else "left"), key=key)

    def refresh_data(self) -> None:
        app = self.iq
        hidden = self.show_hidden
        self.loading = True
        self.progress = ""
        self.update_status()
        per_group, customer_groups = self.PER_GROUP, self.CUSTOMER_GROUPS

        def progress(done: int, total: int) -> None:
            # A newer read replaced this one: stop working the alerts out
            # for nobody (a thread cannot be stopped from outside).
            if get_current_worker().is_cancelled:
                raise runner.Cancelled
            app.call_from_thread(self.show_progress, done, total)

        app.run_db(
            lambda s: alert_board.alert_board(
                s,
                app.actor,
                show_hidden=hidden,
                per_group=per_group,
                customer_groups=customer_groups,
                progress=progress,
            ),
            self.show,
            group="alerts",
            exclusive=True,
        )

    def show_progress(self, done: int, total: int) -> None:
        if self.is_attached and self.loading:
            self.progress = f"{done:,} of {total:,} customers"
            self.update_status()

    def show(self, board: alert_board.AlertBoard) -> None:
        self.board = board
        self.loading = False
        self.fills += 1
        table = self.query_one(DataTable)
        cursor = table.cursor_row
        # Columns anew: their widths fit this grouping's rows, not an earlier one's.
        table.clear(columns=True)
        self.add_columns(table)
        self.fill(table, self.board_rows(board), cursor, self.fills)
        self.show_figures(board)

    def fill(
        self, table: DataTable[Any], rows: Iterator[tuple[list[Any], str]], cursor: int, fill: int
    ) -> None:
        """Add FILL_BATCH rows, then let the app run (keys, timers) before the
        next ones: a board of a thousand rows added at once would hold the
        UI for a few hundred milliseconds. A newer board stops this one."""
        if fill != self.fills or not self.is_attached:
            return
        batch = list(islice(rows, self.FILL_BATCH))
        for cells, key in batch:
            table.add_row(*cells, key=key)
        if len(batch) == self.FILL_BATCH:
            self.set_timer(0.001, lambda: self.fill(table, rows, cursor, fill))
            return
        if table.row_count:
            table.move_cursor(row=min(cursor, table.row_count - 1), animate=False)
        self.loads += 1

    def board_rows(self, board: alert_board.AlertBoard) -> Iterator[tuple[list[Any], str]]:
        """The table's rows (cells, key) for the current grouping, in order."""
        slot = [key for key, _label in COLUMNS].index(self.grouping)
        counts = board.counts.get(self.grouping, {})
        for group, items in board.groups.get(self.grouping, {}).items():
            total = counts.get(group, len(items))
            name = self.group_name(group)
            label = (
                f"{name} ({total:,})"
                if total == len(items)
                else (f"{name} ({len(items):,} of {total:,} listed)")
            )
            yield self.group_cells(slot, label), f"group:{group}"
            for alert in items:
                key = f"{alert.customer_id}|{alert.category}"
                state = (
                    "dismissed"
                    if alert.dismissed
                    else (
                        f"snoozed to {alert.snoozed_until:%Y-%m-%d}" if alert.snoozed_until else ""
                    )
                )
                yield (
                    [
                        Text("●", style="bold magenta") if key in self.selected else " ",
                        Text(
                            labels.label("severity", alert.severity),
                            style=severity_style(alert.severity),
                        ),
                        Text(labels.label("category", alert.category)),
                        Text(printable(alert.customer)),  # as typed: a '[' is not markup
                        money_text(alert.mrr, self.iq.currency),
                        Text(state, style="dim"),
                        Text(printable(short_reason(alert.reason, alert.customer))),
                    ],
                    key,
                )
        listed_customers = len(board.groups.get("customer", {}))
        if self.grouping == "customer" and board.customers > listed_customers:
            more = board.customers - listed_customers
            yield self.group_cells(slot, f"… {more:,} more customers with alerts"), "group:more"

    def show_figures(self, board: alert_board.AlertBoard) -> None:
        """The MRR exposure above the table, and the status line below it."""
        exposure = board.exposure
        text = Text.assemble(
            ("MRR exposure ", "bold"),
            (money(exposure["total_mrr"], self.iq.currency), f"bold {severity_style('critical')}"),
            f" across {exposure['customers']} customers with a critical or warning alert",
        )
        parts = [
            f"{labels.label('category', category)} {money(item['mrr'], self.iq.currency)} "
            f"({item['customers']})"
            for category, item in exposure["by_category"].items()
        ]
        if parts:
            # One customer can be in several categories: these do not add up to the total.
            text.append("\nby category (a customer can be in several): " + " · ".join(parts), "dim")
        self.query_one("#exposure", Static).update(text)
        self.update_status()

    def group_name(self, group: str) -> str:
        """A group's heading: a category or severity in words, else the customer."""
        if self.grouping in ("category", "severity"):
            return labels.label("category" if self.grouping == "category" else "severity", group)
        return group

    @staticmethod
    def group_cells(slot: int, label: str) -> list[Text]:
        """A group's heading row: its name under the column it is grouped by."""
        cells = [Text("") for _ in COLUMNS]
        cells[slot] = Text(printable(label), style="bold underline")
        return cells

    def update_status(self) -> None:
        board = self.board
        if board is None:
            text = "Reading alerts…" + (
                f" working them out: {self.progress}" if self.progress else ""
            )
        else:
            text = f"{board.total:,} alerts"
            if board.truncated:
                text += f" ({len(board.alerts):,} most severe listed)"
            text += f" · grouped by {self.grouping}"
            if self.loading:
                text += " · refreshing…" + (f" {self.progress}" if self.progress else "")
        text += " · showing snoozed and dismissed" if self.show_hidden else ""
        if self.selected:
            text += f" · {len(self.selected)} selected"
        self.query_one("#alerts-status", Static).update(text)

    # --- actions ---------------------------------------------------------------------

    def current_key(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
        return None if key is None or key.startswith("group:") else key

    def targets(self) -> list[tuple[str, str]]:
        keys = set(self.selected) or ({k} if (k := self.current_key()) else set())
        if self.board is None:
            return []
        found = []
        for alert in self.board.alerts:
            if f"{alert.customer_id}|{alert.category}" in keys:
                found.append((alert.customer, alert.category))
        return found

    def action_group(self) -> None:
        self.grouping = GROUPINGS[(GROUPINGS.index(self.grouping) + 1) % len(GROUPINGS)]
        if self.board is not None:
            self.show(self.board)

    def action_hidden(self) -> None:
        self.show_hidden = not self.show_hidden
        self.refresh_data()

    def action_reload(self) -> None:
        self.refresh_data()

    def action_toggle(self) -> None:
        key = self.current_key()
        if key is None:
            return
        self.selected.symmetric_difference_update({key})
        table = self.query_one(DataTable)
        table.update_cell(
            key, "sel", Text("●", style="bold magenta") if key in self.selected else " "
        )
        if table.cursor_row < table.row_count - 1:
            table.move_cursor(row=table.cursor_row + 1)
        self.update_status()

    def do_alert_action(self, action: str, period: str | None = None) -> None:
        targets = self.targets()
        if not targets:
            self.notify(
                "Put the cursor on an alert (or select some with space).", severity="warning"
            )
            return
        app = self.iq

        def done(outcome: BulkOutcome) -> None:
            verb = {"snooze": "Snoozed", "dismiss": "Dismissed", "wake": "Woke"}[action]
            self.notify(
                outcome.summary(verb).replace("customer", "alert"),
                severity="warning" if outcome.failed else "information",
            )
            self.selected.clear()
            self.refresh_data()

        app.write_db(
            lambda s: alert_state.alert_action(s, app.actor, targets, action, period), done
        )

    def apply(self, action: str, period: str | None = None) -> None:
        count = len(self.targets())
        if count > 1:
            self.app.push_screen(
                ConfirmModal(f"{action.capitalize()} {count} alerts?"),
                lambda yes: yes and self.do_alert_action(action, period),
            )
        else:
            self.do_alert_action(action, period)

    def action_snooze(self) -> None:
        self.app.push_screen(
            ChoiceModal("Snooze for", SNOOZES), lambda p: p and self.apply("snooze", p)
        )

    def action_dismiss(self) -> None:
        self.apply("dismiss")

    def action_wake(self) -> None:
        self.apply("wake")

    @on(DataTable.RowSelected, "#alerts-table")
    def open_alert(self, event: DataTable.RowSelected) -> None:
        key: Any = event.row_key.value
        if key and not key.startswith("group:"):
            self.iq.open_customer(int(key.split("|")[0]))
