"""Score a customer: a two-column form (the account, then its signals, in
reading order from Name) with a live score, band and breakdown preview as
values change, MRR and ARR kept in step, a warning when the name already
exists (saving then updates that customer), and save."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Footer, Header, Input, Label, Select, Static

from iqcadence.core.accounts import customers
from iqcadence.core.base import labels
from iqcadence.core.base.errors import IQError
from iqcadence.core.base.labels import LabelKind
from iqcadence.core.scoring.fields import FIELDS, parse_field
from iqcadence.core.scoring.formula import (
    GROWTH_VALUES,
    LIFECYCLES,
    SENTIMENTS,
    SIGNALS,
    TIERS,
    ScoringConfig,
    compute_score,
)
from iqcadence.core.store import settings
from iqcadence.tui.screens.base import BaseScreen
from iqcadence.tui.widgets.common import band_label, band_style

SIGNAL_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("logins", "Logins (30 d)", "integer"),
    ("adoption", "Adoption %", "number"),
    ("tickets", "Open tickets", "integer"),
    ("nps", "NPS 0–10", "integer"),
    ("csat", "CSAT 1–5", "number"),
    ("days", "Days since contact", "integer"),
)
ACCOUNT_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("name", "Name *", "text"),
    ("mrr", "MRR", "number"),
    ("arr", "ARR", "number"),
    ("renewal_date", "Renewal", "text"),
    ("manager", "Manager", "text"),
    ("tags", "Tags", "text"),
)
SELECTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "growth": ("Growth", GROWTH_VALUES),
    "tier": ("Tier", TIERS),
    "lifecycle": ("Lifecycle", LIFECYCLES),
    "sentiment": ("Sentiment", SENTIMENTS),
}
# Typing in one of these sets the other (ARR = 12 × MRR).
MONEY_PAIR: dict[str, str] = {"mrr": "arr", "arr": "mrr"}
SELECT_KINDS: dict[str, LabelKind] = {
    "growth": "growth",
    "tier": "tier",
    "lifecycle": "lifecycle",
    "sentiment": "sentiment",
}


def _row(key: str, label: str, kind: str) -> Horizontal:
    placeholder = FIELDS[key].help if key in FIELDS else ""
    return Horizontal(
        Label(label),
        Input(
            placeholder=placeholder,
            type=kind if kind != "text" else "text",  # type: ignore[arg-type]
            id=f"in-{key}",
            compact=True,
        ),
        classes="field-row",
    )


def amount_text(value: float) -> str:
    """An amount as it is typed: to the cent, no trailing zeros, never in
    exponent form (`60000`, `416.67`)."""
    text = f"{round(value, 2):.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _select_row(key: str) -> Horizontal:
    label, options = SELECTS[key]
    return Horizontal(
        Label(label),
        Select(
            [(labels.label(SELECT_KINDS[key], o), o) for o in options],
            id=f"in-{key}",
            prompt="—",
            compact=True,
        ),
        classes="field-row",
    )


class ScoreScreen(BaseScreen):
    CSS_PATH = "../styles/forms.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save"),
        Binding("ctrl+n", "clear", "Clear form"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.config = ScoringConfig()
        self.exists: str | None = None
        # The amount the user typed last ("mrr" or "arr"): the one saved, the
        # other being worked out from it.
        self.money_source: str | None = None
        # Values this screen wrote into MRR / ARR whose Changed event has not
        # arrived yet: those events are echoes, not typing.
        self.echoes: dict[str, list[str]] = {"mrr": [], "arr": []}

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="score-body") as body:
            body.can_focus = False  # Tab goes from field to field, never to the page
            with Grid(classes="form-grid"):
                with Vertical(classes="form-col"):
                    yield Label("Account", classes="panel-title")
                    for key, label, kind in ACCOUNT_FIELDS:
                        yield _row(key, label, kind)
                    yield _select_row("tier")
                    yield _select_row("lifecycle")
                    yield _select_row("sentiment")
                with Vertical(classes="form-col"):
                    yield Label("Signals", classes="panel-title")
                    for key, label, kind in SIGNAL_FIELDS:
                        yield _row(key, label, kind)
                    yield _select_row("growth")
            yield Static(id="dup-warning", classes="form-error")
            yield Static(id="form-errors", classes="form-error")
            yield Label("Preview", classes="panel-title")
            yield Static(id="preview")
            with Horizontal(classes="buttons"):
                yield Button("Save (ctrl+s)", variant="primary", id="save")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Score a customer"
        app = self.iq
        app.run_db(lambda s: settings.load_scoring_config(s, app.actor.client_id), self.got_config)
        self.query_one("#in-name", Input).focus()
        self.update_preview()

    def got_config(self, config: ScoringConfig) -> None:
        self.config = config
        self.update_preview()

    # --- reading the form ------------------------------------------------------------

    def raw_values(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for key, _label, _kind in SIGNAL_FIELDS + ACCOUNT_FIELDS:
            values[key] = self.query_one(f"#in-{key}", Input).value
        for key in SELECTS:
            value = self.query_one(f"#in-{key}", Select).value
            values[key] = "" if value is Select.NULL else str(value)
        return values

    def parsed(self) -> tuple[dict[str, Any], list[str]]:
        """Typed values of the filled-in fields, and one sentence per bad one."""
        out: dict[str, Any] = {}
        errors: list[str] = []
        for key, raw in self.raw_values().items():
            if not raw.strip():
                continue
            try:
                out[key] = parse_field(key, raw)
            except IQError as exc:
                errors.append(str(exc))
        return out, errors

    def update_preview(self) -> None:
        values, errors = self.parsed()
        signals = {name: values.get(name) for name in SIGNALS}
        result = compute_score(signals, self.config.effective_weights(), self.config.thresholds)
        text = Text()
        if result.score is None:
            text.append("No signal yet: fill in at least one to see a score.", style="dim")
        else:
            style = band_style(result.band)
            text.append(f" {result.score:g} ", style=f"reverse {style}")
            text.append(f"  {band_label(result.band)}\n", style=style)
            for line in result.lines:
                if line.present and line.contribution is not None:
                    name = labels.label("signal", line.signal)
                    value = labels.field_value_text(line.signal, line.value)
                    text.append(
                        f"  {name:<18} {value:>7}  → {line.subscore or 0:5.1f} × "
                        f"{line.weight:>3}  = {line.contribution:6.2f}\n"
                    )
        self.query_one("#preview", Static).update(text)
        self.query_one("#form-errors", Static).update("\n".join(errors))

    # --- events ------------------------------------------------------------------------

    @on(Input.Changed)
    def changed(self, event: Input.Changed) -> None:
        key = (event.input.id or "").removeprefix("in-")
        if key in MONEY_PAIR and not self.is_echo(key, event.value):
            self.keep_in_step(key)
        if key == "name":
            self.check_name(event.value)
        self.update_preview()

    @on(Select.Changed)
    def select_changed(self) -> None:
        self.update_preview()

    def is_echo(self, key: str, value: str) -> bool:
        """Whether this change of `key` is one keep_in_step made (its events
        arrive in the order it made them, after any typing already queued)."""
        pending = self.echoes[key]
        if value not in pending:
            return False
        del pending[: pending.index(value) + 1]
        return True

    def keep_in_step(self, key: str) -> None:
        """Typing in MRR sets ARR to 12 × it, and typing in ARR sets MRR to a
        twelfth. Only the other field is written, from the typed field's
        value as it is now (not the event's, which may be a keystroke old),
        so the field being typed in is never rewritten."""
        other_key = MONEY_PAIR[key]
        other = self.query_one(f"#in-{other_key}", Input)
        typed = self.query_one(f"#in-{key}", Input).value
        try:
            value = parse_field(key, typed) if typed.strip() else None
        except IQError:
            return  # the error line says why; the other field keeps its value
        self.money_source = key if value is not None else None
        wanted = "" if value is None else amount_text(value * 12 if key == "mrr" else value / 12)
        if other.value != wanted:
            self.echoes[other_key].append(wanted)
            other.value = wanted

    def check_name(self, name: str) -> None:
        app = self.iq
        if not name.strip():
            self.query_one("#dup-warning", Static).update("")
            return

        def look(session: Any) -> str | None:
            found = customers.find_customer(session, app.actor.client_id, name)
            return found.name if found is not None else None

        app.run_db(look, self.show_duplicate, group="score-name", exclusive=True)

    def show_duplicate(self, existing: str | None) -> None:
        self.exists = existing
        self.query_one("#dup-warning", Static).update(
            f"A customer named {existing!r} already exists: saving updates it." if existing else ""
        )

    @on(Button.Pressed, "#save")
    def save_pressed(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        values, errors = self.parsed()
        if errors:
            self.iq.report_error(errors[0])
            return
        name = str(values.pop("name", "") or "")
        if not name.strip():
            self.iq.report_error("name: must not be empty.")
            return
        if "mrr" in values and "arr" in values:
            # The amount typed is saved; the core works out the other from it.
            values.pop("mrr" if self.money_source == "arr" else "arr")
        app = self.iq

        def saved(outcome: customers.ChangeOutcome) -> None:
            verb = "Created" if outcome.created else "Updated"
            score = outcome.customer.score
            shown = "—" if score is None else f"{score:.1f}"
            self.notify(f"{verb} {outcome.customer.name}: score {shown}.")
            self.check_name(outcome.customer.name)

        app.write_db(
            lambda s: customers.apply_changes(s, app.actor, name, values, cause="score"), saved
        )

    def action_clear(self) -> None:
        """Empty every field (MRR and ARR too) and start again at Name."""
        for key, _label, _kind in SIGNAL_FIELDS + ACCOUNT_FIELDS:
            self.query_one(f"#in-{key}", Input).value = ""
        self.money_source = None
        for key in SELECTS:
            self.query_one(f"#in-{key}", Select).clear()
        self.query_one("#in-name", Input).focus()
