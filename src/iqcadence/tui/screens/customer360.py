"""Customer 360: header, fields (Enter edits one in a dialog), contacts, the timeline, and
the health panel (breakdown, 30-day trend, tier benchmark, playbooks,
last-7-day signals, next action), with a key for every action."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Footer, Header, Label, Sparkline, Static

from iqcadence.core.accounts import custom_fields, customers
from iqcadence.core.base.labels import field_value_text, label
from iqcadence.core.base.text import printable
from iqcadence.core.read import customer360
from iqcadence.tui.modals.confirm import ConfirmModal, TypedConfirmModal
from iqcadence.tui.modals.field_edit import Answer, FieldEditModal
from iqcadence.tui.modals.text import TextModal
from iqcadence.tui.screens import record_actions, record_fields
from iqcadence.tui.screens.base import BaseScreen
from iqcadence.tui.widgets.common import Table, band_label, band_style, money, plain


class Customer360Screen(BaseScreen):
    CSS_PATH = "../styles/customer360.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "escape", "Back"),
        Binding("n", "note", "Note"),
        Binding("t", "task", "Task"),
        Binding("e", "email", "Email"),
        Binding("m", "meeting", "Meeting"),
        Binding("p", "playbook", "Playbook"),
        Binding("b", "brief", "Brief"),
        Binding("x", "explain", "Explain"),
        Binding("a", "archive", "Archive"),
        Binding("D", "delete", "Delete", key_display="D"),
        Binding("E", "export", "Export PDF", key_display="E"),
        Binding("r", "reload", "Refresh", show=False),
        Binding("f", "timeline_filter", "Timeline filter", show=False),
    ]

    def __init__(self, customer_id: int) -> None:
        super().__init__()
        self.customer_id = customer_id
        self.record: customer360.Record | None = None
        self.editing: str | None = None  # "std:<field>" or "cf:<key>", while its dialog is open
        self.timeline_filter: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Loading…", id="c360-head")
        with Horizontal(id="c360-body"):
            with VerticalScroll(id="c360-left", classes="c360-col"):
                yield Label("Fields", classes="panel-title")
                yield Table(id="fields", cursor_type="row", show_header=False)
                yield Label("Contacts", classes="panel-title")
                yield Table(id="contacts", cursor_type="row")
            with Vertical(id="c360-centre", classes="c360-col"):
                yield Label("Timeline", classes="panel-title", id="timeline-title")
                yield Table(id="timeline", cursor_type="row")
            with VerticalScroll(id="c360-right", classes="c360-col"):
                yield Label("Score breakdown", classes="panel-title")
                yield Table(id="breakdown", cursor_type="none")
                yield Label("30-day trend", classes="panel-title")
                yield Sparkline([], id="trend")
                yield Static(id="trend-text", classes="muted")
                yield Label("Active playbooks", classes="panel-title")
                yield Static(id="playbooks")
                yield Label("Last 7 days", classes="panel-title")
                yield Static(id="signals7")
                yield Label("Suggested next action", classes="panel-title")
                yield Static(id="next-action")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Customer 360"
        self.query_one("#fields", DataTable).add_columns("Field", "Value")
        self.query_one("#contacts", DataTable).add_columns("Name", "Role", "Last contact", "Health")
        self.query_one("#timeline", DataTable).add_columns("When", "What")
        self.query_one("#breakdown", DataTable).add_columns(
            "Signal", "Value", "Sub", "Wt", "Pts", "Tier"
        )
        self.query_one("#fields", DataTable).focus()
        self.load()

    def refresh_data(self) -> None:
        if self.record is not None and self.editing is None:
            self.load()

    def load(self) -> None:
        app = self.iq
        cid = self.customer_id
        wanted = dict(self.timeline_filter)
        app.run_db(
            lambda s: customer360.customer_record(
                s, app.actor, cid, today=app.today, timeline_filter=wanted
            ),
            self.show,
            group="c360",
            exclusive=True,
        )

    # --- display --------------------------------------------------------------------

    def show(self, record: customer360.Record) -> None:
        self.record = record
        data = record.data
        self.sub_title = printable(data["name"])
        self.set_class(not record.can_edit, "read-only")
        self.query_one("#c360-head", Static).update(self.header_text(record))
        self.show_fields(record)
        self.show_contacts(record)
        self.show_timeline(record)
        self.show_health(record)

    def header_text(self, record: customer360.Record) -> Text:
        data = record.data
        band = data.get("band")
        style = band_style(band)
        score = "—" if data.get("score") is None else f"{data['score']:.1f}"
        text = Text()
        text.append(f" {score} ", style=f"reverse {style}")
        text.append(f" {band_label(band)}", style=style)
        if data.get("score_source") == "manual":
            text.append(" (manual)", style="dim")
        text.append("   ")
        text.append(printable(data["name"]), style="bold")
        text.append(f"   {label('lifecycle', data.get('lifecycle'))}")
        if data.get("status") != "active":
            text.append(f" · {label('status', data.get('status'))}", style="bold yellow")
        text.append(f"   ARR {money(data.get('arr'), self.iq.currency)}")
        if data.get("renewal_date"):
            days = data.get("days_to_renewal")
            text.append(f"   renews {data['renewal_date']} ({days:+d} d)")
        primary = next((o for o in record.owners if o["role"] == "primary"), None)
        owner = primary["name"] or primary["email"] if primary else data.get("manager")
        text.append(f"   owner {printable(owner or '—')}")
        co = [o["name"] or o["email"] for o in record.owners if o["role"] == "co_owner"]
        if co:
            text.append(f" · co-owners {printable(', '.join(co))}")
        if not record.can_edit:
            text.append("   read-only", style="bold yellow")
        return text

    def show_fields(self, record: customer360.Record) -> None:
        table = self.query_one("#fields", DataTable)
        cursor = table.cursor_row
        table.clear()
        dim = "dim" if not record.can_edit else ""
        for name in customer360.RECORD_FIELDS:
            shown = record_fields.shown_value(record, name, self.iq.currency)
            table.add_row(
                Text(label("field", name), style="bold " + dim),
                Text(printable(shown), style=dim),
                key=f"std:{name}",
            )
        for item in record.custom_fields:
            table.add_row(
                Text(printable(item["label"]), style="italic " + dim),
                Text(printable(item["text"] or "—"), style=dim),
                key=f"cf:{item['key']}",
            )
        if table.row_count:
            table.move_cursor(row=min(cursor, table.row_count - 1), animate=False)

    def show_contacts(self, record: customer360.Record) -> None:
        table = self.query_one("#contacts", DataTable)
        cursor = table.cursor_row  # kept across a reload (e.g. after picking a contact)
        table.clear()
        chosen = self.timeline_filter.get("contact", "").casefold()
        for index, contact in enumerate(record.contacts):
            last = contact.get("last_contact")
            health = contact.get("health_score")
            name = str(contact.get("name") or "—")
            table.add_row(
                Text(printable(name), style="bold reverse" if name.casefold() == chosen else ""),
                label("contact_role", contact.get("role")),
                last[:10] if last else "—",
                "—" if health is None else f"{health:g} {band_label(contact.get('health'))}",
                key=f"contact:{index}",
            )
        if not record.contacts:
            table.add_row(Text("no contacts", style="dim"), "", "", "")
        elif 0 < cursor < table.row_count:
            table.move_cursor(row=cursor, animate=False)

    def show_timeline(self, record: customer360.Record) -> None:
        table = self.query_one("#timeline", DataTable)
        table.clear()
        for event in record.timeline:
            kind = str(event.get("kind"))
            title = str(event.get("title") or "")
            what = Text(f"{label('event_kind', kind)}: ", style="bold")
            what.append(
                printable(label("product_event", title) if kind == "product_event" else title)
            )
            extra = [x for x in (event.get("contact"), event.get("author")) if x]
            if extra:
                what.append(" · " + printable(", ".join(extra)), style="dim")
            table.add_row(str(event.get("at", ""))[:10], what)
        if not record.timeline:
            table.add_row("", Text("nothing logged yet (n: note)", style="dim"))
        words = {"days": "last {} days", "contact": "with {}", "author": "by {}"}
        parts = [
            label("event_kind", v) if k == "type" else words.get(k, "{}").format(v)
            for k, v in self.timeline_filter.items()
            if v
        ]
        self.query_one("#timeline-title", Label).update(
            "Timeline" + (f" ({', '.join(parts)})" if parts else "")
        )

    def show_health(self, record: customer360.Record) -> None:
        table = self.query_one("#breakdown", DataTable)
        table.clear()
        for line in record.breakdown["signals"]:
            sub, avg = line["subscore"], line["tier_average"]
            if sub is not None and avg is not None:
                mark = Text("▲" if sub > avg else ("▼" if sub < avg else "="))
                mark.stylize("green" if sub > avg else ("red" if sub < avg else "dim"))
                bench = Text.assemble(f"{avg:g} ", mark)
            else:
                bench = Text(plain(avg), style="dim")
            table.add_row(
                label("signal", line["signal"]),
                field_value_text(line["signal"], line["value"]),
                plain(sub),
                str(line["weight"]),
                plain(line["contribution"]),
                bench,
            )
        points = record.trend
        self.query_one("#trend", Sparkline).data = points or [0.0]
        self.query_one("#trend-text", Static).update(
            f"{points[0]:g} → {points[-1]:g} over {len(points)} d" if points else "no history yet"
        )
        running = "\n".join(
            f"• {p.get('playbook')}: {p.get('tasks_done')}/{p.get('tasks_total')} tasks done"
            for p in record.playbooks
        )
        self.query_one("#playbooks", Static).update(
            printable(running) or Text("none running (p: start one)", style="dim")
        )
        self.query_one("#signals7", Static).update(
            printable("\n".join(f"• {s}" for s in record.recent_signals))
            or Text("nothing new", style="dim")
        )
        self.query_one("#next-action", Static).update(
            printable(record.next_action or "") or Text("no suggestion", style="dim")
        )

    # --- inline editing ------------------------------------------------------------

    @on(DataTable.RowSelected, "#contacts")
    def filter_by_contact(self, event: DataTable.RowSelected) -> None:
        """Enter (or a click) on a contact shows that contact's timeline
        alone; on the contact already shown, everyone's again."""
        key = event.row_key.value
        if self.record is None or not key or not key.startswith("contact:"):
            return
        name = str(self.record.contacts[int(key.split(":", 1)[1])].get("name") or "")
        if not name:
            return
        wanted = dict(self.timeline_filter)
        if wanted.get("contact", "").casefold() == name.casefold():
            wanted.pop("contact")
            self.notify("Timeline: every contact.")
        else:
            wanted["contact"] = name
            self.notify(f"Timeline: {name} only (Enter on them again for everyone).")
        self.timeline_filter = wanted
        self.load()

    @on(DataTable.RowSelected, "#fields")
    def edit_field(self, event: DataTable.RowSelected) -> None:
        """Enter on a field: edit it in a dialog that names its type and what
        it accepts, and checks the value with the core's parser as it is typed."""
        record = self.record
        if record is None or event.row_key.value is None:
            return
        if not record.can_edit:
            self.notify("You can only read this record (viewer or observer).", severity="warning")
            return
        key = str(event.row_key.value)
        kind, name = key.split(":", 1)
        if kind == "std":
            field = record_fields.standard_field(record, name, self.iq.currency)
        else:
            field = record_fields.custom_field(record, name)

        def closed(_saved: str | None) -> None:
            self.editing = None

        def save(value: str, answer: Answer) -> None:
            self.save(name, field.label, value, answer)

        self.editing = key
        self.app.push_screen(FieldEditModal(field, save), closed)

    def save(self, name: str, shown_name: str, value: str, answer: Answer) -> None:
        """Save one field through the core; `answer` gets None when it is
        saved, or the sentence the core refused it with."""
        record = self.record
        if record is None:
            return
        app = self.iq
        current_name = record.customer.name

        def write(session: Any) -> None:
            # the same path as `customers edit --set` (standard and custom fields)
            custom_fields.edit_customer(session, app.actor, current_name, {name: value})

        def saved(_: None) -> None:
            answer(None)
            self.notify(f"{shown_name} saved.")
            self.load()

        app.write_db(write, saved, refused=answer)

    def action_escape(self) -> None:
        self.app.pop_screen()

    # --- actions ----------------------------------------------------------------------

    def action_reload(self) -> None:
        self.load()

    def action_explain(self) -> None:
        record = self.record
        if record is None:
            return
        app = self.iq
        name = record.customer.name

        def fetch(session: Any) -> str:
            from iqcadence.core.read.explain import explain_customer

            return record_actions.explanation_text(
                explain_customer(session, app.actor, name, today=app.today)
            )

        app.run_db(fetch, lambda body: app.push_screen(TextModal(f"Why {name} scores this", body)))

    def action_archive(self) -> None:
        record = self.record
        if record is None:
            return
        status = record.customer.status
        action = {"active": "archive", "archived": "unarchive", "trashed": "restore"}[status]
        name = record.customer.name
        app = self.iq

        def go(yes: bool | None) -> None:
            if yes:
                app.write_db(
                    lambda s: customers.set_status(s, app.actor, name, action),
                    lambda _c: self.load(),
                    success=f"{name}: {action}d.",
                )

        app.push_screen(ConfirmModal(f"{action.capitalize()} {name}?"), go)

    def action_delete(self) -> None:
        record = self.record
        if record is None:
            return
        app = self.iq
        if not app.actor.is_admin:
            app.report_error(
                f"only an admin can hard-delete customers; {app.actor.email} is a {app.actor.role}."
            )
            return
        name = record.customer.name

        def go(yes: bool | None) -> None:
            if yes:
                app.write_db(
                    lambda s: customers.delete_customer(s, app.actor, name),
                    lambda _r: self.app.pop_screen(),
                    success=f"{name} and all its records were deleted.",
                )

        app.push_screen(
            TypedConfirmModal(
                f"Delete {name} and every record of it? This cannot be undone.", name
            ),
            go,
        )

    def action_note(self) -> None:
        record_actions.log_entry(self, "note")

    def action_email(self) -> None:
        record_actions.log_entry(self, "email")

    def action_meeting(self) -> None:
        record_actions.log_entry(self, "meeting")

    def action_task(self) -> None:
        record_actions.new_task(self)

    def action_playbook(self) -> None:
        record_actions.start_playbook(self)

    def action_brief(self) -> None:
        record_actions.brief(self)

    def action_export(self) -> None:
        record_actions.export_pdf(self)

    def action_timeline_filter(self) -> None:
        record_actions.timeline_filter(self)
