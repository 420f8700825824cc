"""Customers: every account in a windowed table over SQL, band tabs with
counts, incremental search, sort by any column, filters, multi-select and
bulk actions. Only ~100 rows are ever in the table; moving past either edge,
sorting, searching or switching tabs re-queries the database in a worker."""

from __future__ import annotations

import shutil
from dataclasses import replace
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Horizontal
from textual.css.query import NoMatches
from textual.timer import Timer
from textual.widget import MountError
from textual.widgets import DataTable, Footer, Header, Input, Static, Tab, Tabs

from iqcadence.core.accounts import bulk
from iqcadence.core.base import labels
from iqcadence.core.base.text import printable
from iqcadence.core.read import customer_list
from iqcadence.core.read.customer_pages import CustomerFilter
from iqcadence.core.scoring.formula import LIFECYCLES, TIERS
from iqcadence.tui import runner
from iqcadence.tui.modals.choice import ChoiceModal
from iqcadence.tui.modals.confirm import ConfirmModal
from iqcadence.tui.modals.form import FormField, FormModal
from iqcadence.tui.screens.base import BaseScreen
from iqcadence.tui.widgets.common import band_text, momentum_text, money_text, plain, score_text
from iqcadence.tui.widgets.customers import WindowTable

WINDOW = 100  # most rows held by the table at once (and the first page's size)
WINDOW_MIN = 50  # fewest: a window is about twice the rows the table shows
COUNT_DELAY = 0.3  # s: while typing a search, the tab counts wait for a pause

# (column key, label, sort key or None)
COLUMNS: tuple[tuple[str, str, str | None], ...] = (
    ("sel", " ", None),
    ("name", "Name", "name"),
    ("score", "Score", "score"),
    ("band", "Band", "band"),
    ("mrr", "MRR", "mrr"),
    ("tier", "Tier", "tier"),
    ("manager", "Manager", "manager"),
    ("renewal", "Renewal", "renewal"),
    ("momentum", "7d", "momentum"),
    ("lifecycle", "Lifecycle", "lifecycle"),
)
RIGHT = ("score", "mrr", "momentum")  # numbers line up on the right
BULK_ACTIONS: tuple[tuple[str, str], ...] = (
    ("rescore", "Rescore"),
    ("tag", "Add a tag…"),
    ("lifecycle", "Set lifecycle…"),
    ("archive", "Archive"),
)


class CustomersScreen(BaseScreen):
    CSS_PATH = "../styles/customers.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_search", "Search", key_display="/"),
        Binding("escape", "escape", "Back", show=False),
        Binding("s", "sort", "Sort"),
        Binding("r", "reverse", "Reverse"),
        Binding("f", "filters", "Filters"),
        Binding("b", "bulk", "Bulk actions"),
        Binding("a", "select_page", "Select page", show=False),
        Binding("ctrl+x", "clear_selection", "Clear selection", show=False),
        Binding("left_square_bracket", "tab(-1)", "Prev tab", show=False, key_display="["),
        Binding("right_square_bracket", "tab(1)", "Next tab", show=False, key_display="]"),
        Binding("n", "new", "New customer", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.tab = "all"
        self.filters = CustomerFilter()
        self.search = ""
        self.sort = "name"
        self.desc = False
        self.window_offset = 0
        self.page_size = WINDOW  # the rows asked for the window shown
        self.total_rows = 0
        self.counts: dict[str, int] | None = None  # per tab, for the current filters
        self.rows: list[dict[str, Any]] = []
        self.selected: set[int] = set()
        self.loads = 0  # pages shown (tests and the benchmark wait on it)
        self.built = False  # search box and tabs mounted (right after the first frame)
        self.content_shown = False  # the first page of rows is in the table
        self.count_timer: Timer | None = None
        self.slow_timer: Timer | None = None  # says "loading" when a page is slow

    # The first page is rows read one by one: read beside Textual's start-up
    # it and the start-up keep interrupting each other (see runner.Prefetch).
    FIRST_CONTENT_ALONE = True

    @staticmethod
    def first_content(app: Any) -> Any:
        """The first page as the screen opens (read while the app starts)."""
        client_id, today = app.actor.client_id, app.today
        filters = customer_list.tab_filter("all", CustomerFilter())
        # The app has no size yet: the terminal's tells how many rows fill it.
        lines = shutil.get_terminal_size((120, WINDOW_MIN // 2)).lines
        limit = max(WINDOW_MIN, min(WINDOW, 2 * lines))
        return lambda s: customer_list.customer_page(
            s, client_id, filters, sort="name", limit=limit, today=today
        )

    def compose(self) -> ComposeResult:
        # The first frame holds the table with its first page of rows (read
        # as the app started, when this is the first screen), between the
        # header and the footer. The search box with the band tabs above it
        # and the status line below it are mounted right after that frame
        # into the places its margins keep for them, with its scroll bar
        # (class -first-frame); then the tab counts are fetched.
        yield Header()
        yield WindowTable(id="cust-table", classes="-first-frame")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Customers"
        table = self.query_one(WindowTable)
        for key, label, _sort in COLUMNS:
            # Plain text: no markup to parse (and no emoji table to load) before the first frame.
            table.add_column(Text(label, justify="right" if key in RIGHT else "left"), key=key)
        table.fixed_columns = 2  # the selection mark and the name stay while scrolling sideways
        table.focus()
        page = self.iq.take_prefetched("customers")
        if page is not None:
            self.show(page)
        # The first frame goes out before the rest is built.
        self.call_after_refresh(self.build_rest)

    def build_rest(self) -> None:
        try:
            table = self.query_one(WindowTable)
            self.mount(
                Container(
                    Horizontal(
                        Input(placeholder="Search name, manager or tag…  (/)", id="search"),
                        Static(self.filters_text(), id="cust-filters"),
                        id="cust-top",
                    ),
                    Tabs(
                        *(Tab(label, id=f"tab-{key}") for key, label in customer_list.TABS),
                        id="bands",
                    ),
                    id="cust-head",
                ),
                before=table,
            )
            self.mount(Static(id="cust-status"), after=table)
        except (MountError, NoMatches):  # the screen went away first (the app quit at once)
            return
        table.remove_class("-first-frame")
        self.built = True
        self.update_status()
        if self.content_shown:
            self.call_after_refresh(self.load_counts)
        else:
            self.call_after_refresh(self.reload, counts=True)

    def refresh_data(self) -> None:
        if self.built:
            self.reload(counts=True, keep_cursor=True)

    # --- loading ----------------------------------------------------------------------

    def current_filter(self) -> CustomerFilter:
        base = replace(self.filters, search=self.search or None)
        return customer_list.tab_filter(self.tab, base)

    def window_size(self) -> int:
        """Rows to fetch for a window: about two screenfuls (fewer rows make
        each keystroke's query and redraw cheaper), within WINDOW_MIN–WINDOW."""
        height = self.query_one(WindowTable).size.height or self.app.size.height
        return max(WINDOW_MIN, min(WINDOW, 2 * height))

    def reload(
        self,
        *,
        counts: bool = False,
        offset: int = 0,
        cursor: int = 0,
        keep_cursor: bool = False,
        typing: bool = False,
    ) -> None:
        """Fetch the window at `offset` in a worker (a newer fetch discards an
        older one's result). `counts`: the tab counts are out of date and are
        fetched once the rows are shown — after a pause in typing when the
        change is a keystroke in the search box (`typing`)."""
        app = self.iq
        filters = self.current_filter()
        sort, desc = self.sort, self.desc
        limit = self.window_size()
        if keep_cursor:
            offset = self.window_offset
            cursor = self.query_one(WindowTable).cursor_row

        def fetch(session: Any) -> customer_list.Page:
            return customer_list.customer_page(
                session,
                app.actor.client_id,
                filters,
                sort=sort,
                desc=desc,
                limit=limit,
                offset=offset,
                today=app.today,
            )

        if counts:
            self.counts = None
            self.cancel_counts()

        def shown(page: customer_list.Page) -> None:
            self.show(page, cursor)
            if self.counts is None:  # counted after the rows are on screen, never competing
                if typing:
                    self.count_timer = self.set_timer(COUNT_DELAY, self.load_counts)
                else:
                    self.load_counts()

        if self.slow_timer is not None:
            self.slow_timer.stop()
        self.slow_timer = self.set_timer(0.2, self.show_loading)
        self.iq.run_db(fetch, shown, group="cust-page", exclusive=True)

    def show_loading(self) -> None:
        self.slow_timer = None
        if not self.built:
            return
        what = "sorting by 7-day momentum" if self.sort == "momentum" else "loading"
        self.query_one("#cust-status", Static).update(f"{what}…")

    def cancel_counts(self) -> None:
        """Drop a pending or running count (its filters are out of date)."""
        if self.count_timer is not None:
            self.count_timer.stop()
            self.count_timer = None
        self.app.workers.cancel_group(self.app, "cust-counts")

    def load_counts(self) -> None:
        if self.count_timer is not None:
            self.count_timer.stop()
            self.count_timer = None
        client_id = self.iq.actor.client_id
        base = replace(self.filters, search=self.search or None)

        def counted(counts: dict[str, int]) -> None:
            if base == replace(self.filters, search=self.search or None):  # not stale
                self.show_counts(counts)

        self.iq.run_db(
            lambda s: customer_list.tab_counts(s, client_id, base),
            counted,
            group="cust-counts",
            exclusive=True,
        )

    def show(self, page: customer_list.Page, cursor: int = 0) -> None:
        if self.slow_timer is not None:
            self.slow_timer.stop()
            self.slow_timer = None
        table = self.query_one(WindowTable)
        self.rows = page.rows
        if page.limit is not None:
            self.page_size = page.limit
        self.window_offset = page.offset
        if self.counts is not None:
            self.total_rows = self.counts.get(self.tab, 0)
        elif page.offset == 0 and len(page.rows) < self.page_size:  # the whole list is here
            self.total_rows = len(page.rows)
            self.label_tab(self.tab, self.total_rows)
        else:  # counts still on their way: assume more while the window is full
            full = len(page.rows) == self.page_size
            self.total_rows = page.offset + len(page.rows) + (1 if full else 0)
        table.clear()
        today = self.iq.today
        table.add_window((str(row["id"]), self.cells(row, today)) for row in page.rows)
        table.more_before = page.offset > 0
        table.more_after = page.offset + len(page.rows) < self.total_rows
        if page.rows:
            table.move_cursor(row=max(0, min(cursor, len(page.rows) - 1)), animate=False)
        self.loads += 1
        self.content_shown = True
        self.update_status()

    def cells(self, row: dict[str, Any], today: Any) -> list[Any]:
        renewal = row.get("renewal_date")
        # Every cell is a Text: names are shown as typed (a '[' is not markup)
        # and no cell is parsed for markup.
        return [
            Text("●", style="bold magenta") if row["id"] in self.selected else Text(" "),
            Text(printable(row["name"])),
            score_text(row.get("score"), row.get("band"), bool(row.get("score_manual"))),
            band_text(row.get("band")),
            money_text(row.get("mrr"), self.iq.currency),
            Text(labels.field_value_text("tier", row.get("tier"))),
            Text(printable(plain(row.get("manager")))),
            Text("—", style="dim")
            if renewal is None
            else Text(renewal.isoformat(), style="red" if (renewal - today).days <= 30 else ""),
            momentum_text(row.get("momentum")),
            Text(labels.field_value_text("lifecycle", row.get("lifecycle"))),
        ]

    def show_counts(self, counts: dict[str, int]) -> None:
        self.counts = counts
        self.total_rows = counts.get(self.tab, 0)
        table = self.query_one(WindowTable)
        table.more_after = self.window_offset + len(self.rows) < self.total_rows
        self.update_status()
        for key, _label in customer_list.TABS:
            self.label_tab(key, counts.get(key, 0))

    def label_tab(self, key: str, count: int) -> None:
        if self.built:
            label = dict(customer_list.TABS)[key]
            self.query_one(f"#tab-{key}", Tab).label = f"{label} {count:,}"

    def update_status(self) -> None:
        if not self.built:  # the status line comes right after the first frame
            return
        first = self.window_offset + 1 if self.rows else 0
        last = self.window_offset + len(self.rows)
        arrow = "↓" if self.desc else "↑"
        text = f"{first:,}–{last:,} of {self.total_rows:,} · sorted by {self.sort} {arrow}"
        if self.selected:
            text += f" · {len(self.selected)} selected (b: bulk actions)"
        self.query_one("#cust-status", Static).update(text)
        # (Mounted with the search box, possibly not yet: made with its text.)
        for shown in self.query("#cust-filters").results(Static):
            shown.update(self.filters_text())

    def filters_text(self) -> str:
        parts = [
            f"{labels.label('field', name)} {labels.field_value_text(name, value)}"
            for name in ("manager", "tier", "tag", "lifecycle")
            if (value := getattr(self.filters, name))
        ]
        return "filters: " + ", ".join(parts) if parts else "no filters (f)"

    # --- events -----------------------------------------------------------------------

    @on(Input.Changed, "#search")
    def searched(self, event: Input.Changed) -> None:
        search = event.value.strip()
        if search == self.search:
            # Only surrounding spaces changed: the table already shows this search.
            self.loads += 1
            return
        self.search = search
        self.reload(counts=True, typing=True)

    @on(Input.Submitted, "#search")
    def search_done(self, event: Input.Submitted) -> None:
        """enter: to the table; straight to the customer when one matches."""
        self.query_one(WindowTable).focus()
        single = event.value.strip() == self.search and self.total_rows == len(self.rows) == 1
        if self.search and single:
            self.iq.open_customer(int(self.rows[0]["id"]))

    @on(Tabs.TabActivated, "#bands")
    def tab_changed(self, event: Tabs.TabActivated) -> None:
        key = (event.tab.id or "tab-all").removeprefix("tab-")
        if key != self.tab:
            self.tab = key
            self.reload()

    @on(WindowTable.EdgeReached)
    def edge(self, event: WindowTable.EdgeReached) -> None:
        """Re-centre the window on the row the cursor is heading for."""
        table = self.query_one(WindowTable)
        wanted = max(
            0, min(self.window_offset + table.cursor_row + event.step, self.total_rows - 1)
        )
        size = self.window_size()
        new_offset = max(0, min(wanted - size // 2, self.total_rows - size))
        if new_offset != self.window_offset:
            self.reload(offset=new_offset, cursor=wanted - new_offset)

    @on(WindowTable.Jump)
    def jump(self, event: WindowTable.Jump) -> None:
        if event.where == "first":
            self.reload(offset=0, cursor=0)
        else:
            size = self.window_size()
            self.reload(offset=max(0, self.total_rows - size), cursor=size)

    @on(WindowTable.ToggleRow)
    def toggle(self, event: WindowTable.ToggleRow) -> None:
        if not 0 <= event.row < len(self.rows):
            return
        row = self.rows[event.row]
        cid = int(row["id"])
        if cid in self.selected:
            self.selected.discard(cid)
        else:
            self.selected.add(cid)
        table = self.query_one(WindowTable)
        table.update_cell(str(cid), "sel", self.cells(row, self.iq.today)[0])
        if event.row == table.cursor_row and event.row < len(self.rows) - 1:
            table.move_cursor(row=event.row + 1)
        self.update_status()

    @on(DataTable.RowSelected, "#cust-table")
    def open_row(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.iq.open_customer(int(event.row_key.value))

    @on(DataTable.HeaderSelected, "#cust-table")
    def header(self, event: DataTable.HeaderSelected) -> None:
        sort = {k: s for k, _label, s in COLUMNS}.get(str(event.column_key.value))
        if sort is None:
            self.notify("That column cannot be sorted.", severity="warning")
            return
        self.set_sort(sort, not self.desc if sort == self.sort else sort in ("score", "mrr"))

    # --- actions ----------------------------------------------------------------------

    def set_sort(self, sort: str, desc: bool) -> None:
        self.sort, self.desc = sort, desc
        self.reload()

    def action_focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_escape(self) -> None:
        """Escape leaves the search box for the table first (the search
        stays); from anywhere else it goes back."""
        if self.focused is self.query_one("#search", Input):
            self.query_one(WindowTable).focus()
        else:
            self.app.action_back()

    def action_reverse(self) -> None:
        self.set_sort(self.sort, not self.desc)

    def action_sort(self) -> None:
        options = [
            (s, "7-day momentum" if s == "momentum" else label)
            for _k, label, s in COLUMNS
            if s is not None
        ]

        def picked(value: str | None) -> None:
            if value:
                self.set_sort(value, value in ("score", "mrr"))

        self.app.push_screen(ChoiceModal("Sort by", options), picked)

    def action_tab(self, step: int) -> None:
        tabs = self.query_one(Tabs)
        keys = [k for k, _ in customer_list.TABS]
        tabs.active = f"tab-{keys[(keys.index(self.tab) + step) % len(keys)]}"

    def action_filters(self) -> None:
        f = self.filters
        client_id = self.iq.actor.client_id
        try:  # the filter matches a whole name: offer the names when they are few
            names = self.iq.call_db(lambda s: customer_list.managers(s, client_id))
        except runner.Failed:
            names = None
        current = f.manager or ""
        if names is not None and current:
            current = next((n for n in names if n.casefold() == current.casefold()), current)
            if current not in names:
                names = [current, *names]
        fields = [
            FormField(
                "manager",
                "Manager",
                "any manager",
                current,
                options=None if names is None else tuple(names),
            ),
            FormField("tier", "Tier", "any tier", f.tier or "", options=TIERS, kind="tier"),
            FormField("tag", "Tag", "any tag", f.tag or ""),
            FormField(
                "lifecycle",
                "Lifecycle",
                "any lifecycle",
                f.lifecycle or "",
                LIFECYCLES,
                kind="lifecycle",
            ),
        ]

        def apply(values: dict[str, str] | None) -> None:
            if values is None:
                return
            self.filters = CustomerFilter(
                manager=values["manager"].strip() or None,
                tier=values["tier"] or None,
                tag=values["tag"].strip() or None,
                lifecycle=values["lifecycle"] or None,
            )
            self.reload(counts=True)

        self.app.push_screen(FormModal("Filter customers", fields, save_label="Apply"), apply)

    def action_select_page(self) -> None:
        ids = {int(r["id"]) for r in self.rows}
        if ids <= self.selected:
            self.selected -= ids
        else:
            self.selected |= ids
        self.reload(keep_cursor=True)

    def action_clear_selection(self) -> None:
        self.selected.clear()
        self.reload(keep_cursor=True)

    def action_new(self) -> None:
        self.iq.action_go("score")

    def action_bulk(self) -> None:
        ids = sorted(self.selected)
        if not ids and self.rows:
            ids = [int(self.rows[self.query_one(WindowTable).cursor_row]["id"])]
        if not ids:
            self.notify("Select customers first (space, or shift-click).", severity="warning")
            return
        if not self.iq.actor.can_write:
            self.iq.report_error(f"{self.iq.actor.email} is a viewer and cannot change data.")
            return

        def picked(action: str | None) -> None:
            if action == "tag":
                self.app.push_screen(
                    FormModal("Add a tag", [FormField("value", "Tag", "e.g. vip", required=True)]),
                    lambda v: v and self.confirm_bulk(ids, "tag", v["value"]),
                )
            elif action == "lifecycle":
                self.app.push_screen(
                    ChoiceModal(
                        "Set lifecycle to", [(x, labels.label("lifecycle", x)) for x in LIFECYCLES]
                    ),
                    lambda v: v and self.confirm_bulk(ids, "lifecycle", v),
                )
            elif action:
                self.confirm_bulk(ids, action, "")

        count = f"{len(ids)} customer{'s' if len(ids) != 1 else ''}"
        self.app.push_screen(ChoiceModal(f"Bulk action on {count}", list(BULK_ACTIONS)), picked)

    def confirm_bulk(self, ids: list[int], action: str, value: str) -> None:
        label = dict(BULK_ACTIONS)[action].rstrip("…").lower()
        shown = labels.label("lifecycle", value) if action == "lifecycle" else value
        detail = f" {shown!r}" if value else ""
        question = f"{label.capitalize()}{detail} on {len(ids)} customer(s)?"

        def run(yes: bool | None) -> None:
            if yes:
                self.run_bulk(ids, action, value)

        self.app.push_screen(ConfirmModal(question), run)

    def run_bulk(self, ids: list[int], action: str, value: str) -> None:
        app = self.iq
        verbs = {
            "rescore": "Rescored",
            "tag": "Tagged",
            "lifecycle": "Updated",
            "archive": "Archived",
        }

        def done(outcome: bulk.BulkOutcome) -> None:
            severity = "warning" if outcome.failed else "information"
            self.notify(outcome.summary(verbs[action]), severity=severity)
            self.selected.clear()
            self.reload(counts=True, keep_cursor=True)

        app.write_db(lambda s: bulk.bulk_apply(s, app.actor, ids, action, value), done)
