"""Settings: the scoring model. Weights with a running total (saving refuses
anything but 100), band thresholds, the CSAT switch, profiles (load one into
the editor, save the weights as one), contact cadence, renewal windows, and
"rescore all" with progress."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.widgets import (
    Button,
    Footer,
    Header,
    Input,
    Label,
    ProgressBar,
    Select,
    Static,
    Switch,
)

from iqcadence.core.base.errors import InvalidValue
from iqcadence.core.base.labels import label
from iqcadence.core.scoring.formula import SIGNALS, THRESHOLD_KEYS, TIERS, ScoringConfig
from iqcadence.core.store import settings
from iqcadence.tui.modals.confirm import ConfirmModal
from iqcadence.tui.modals.form import FormField, FormModal
from iqcadence.tui.screens.base import BaseScreen
from iqcadence.tui.widgets.api_log import ApiLogPanel

WINDOWS = ("critical", "warning", "upcoming")


def _num(key: str, label: str, kind: str = "integer") -> Horizontal:
    return Horizontal(
        Label(label),
        Input(type=kind, id=key, compact=True),  # type: ignore[arg-type]
        classes="field-row",
    )


class SettingsScreen(BaseScreen):
    CSS_PATH = "../styles/forms.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save"),
        Binding("ctrl+r", "rescore", "Rescore all"),
        Binding("ctrl+l", "load_profile", "Load profile", show=False),
        Binding("ctrl+o", "save_profile", "Save as profile", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.config = ScoringConfig()
        self.profiles: dict[str, dict[str, int]] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="settings-body"):
            with Grid(classes="form-grid"):
                with Vertical(classes="form-col"):
                    yield Label("Weights (must total 100)", classes="panel-title")
                    for signal in SIGNALS:
                        yield _num(f"w-{signal}", label("signal", signal))
                    yield Static(id="weights-total")
                    with Horizontal(classes="field-row"):
                        yield Label("CSAT on")
                        yield Switch(id="csat")
                    yield Label("Profiles", classes="panel-title")
                    with Horizontal(classes="field-row"):
                        yield Select([], id="profile", prompt="choose a profile", compact=True)
                        yield Button("Load", id="load-profile", compact=True)
                        yield Button("Save as…", id="save-profile", compact=True)
                with Vertical(classes="form-col"):
                    yield Label(
                        "Band thresholds (score at which a band starts)", classes="panel-title"
                    )
                    for key in THRESHOLD_KEYS:
                        yield _num(f"t-{key}", label("band", key), "number")
                    yield Label("Contact cadence: due soon / overdue (days)", classes="panel-title")
                    for tier in TIERS:
                        with Horizontal(classes="field-row"):
                            yield Label(label("tier", tier))
                            yield Input(type="integer", id=f"c-{tier}-soon", compact=True)
                            yield Input(type="integer", id=f"c-{tier}-over", compact=True)
                    yield Label("Renewal windows (days before renewal)", classes="panel-title")
                    for window in WINDOWS:
                        yield _num(f"r-{window}", label("renewal_window", window))
                    yield _num("quiet-after", "Quiet after (days)")
            yield Static(id="settings-error", classes="form-error")
            with Horizontal(classes="buttons"):
                yield Button("Save (ctrl+s)", variant="primary", id="save")
                yield Button("Rescore all (ctrl+r)", id="rescore")
            yield ProgressBar(id="rescore-progress", show_eta=False)
            yield Static(id="rescore-result")
            yield Label("API log (newest calls)", classes="panel-title")
            yield ApiLogPanel(id="api-log")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Settings"
        self.query_one("#rescore-progress").display = False
        self.refresh_data()

    def refresh_data(self) -> None:
        app = self.iq

        def load(session: Any) -> tuple[ScoringConfig, dict[str, dict[str, int]]]:
            cid = app.actor.client_id
            return settings.load_scoring_config(session, cid), settings.profile_weights(
                session, cid
            )

        app.run_db(load, self.fill, group="settings-load", exclusive=True)
        self.query_one(ApiLogPanel).reload(app)

    def fill(self, loaded: tuple[ScoringConfig, dict[str, dict[str, int]]]) -> None:
        config, profiles = loaded
        self.config, self.profiles = config, profiles
        self.set_weights(config.weights)
        self.query_one("#csat", Switch).value = config.csat_enabled
        for key in THRESHOLD_KEYS:
            self.query_one(f"#t-{key}", Input).value = f"{config.thresholds[key]:g}"
        for tier in TIERS:
            soon, over = config.cadence.get(tier, (0, 0))
            self.query_one(f"#c-{tier}-soon", Input).value = str(soon)
            self.query_one(f"#c-{tier}-over", Input).value = str(over)
        for window in WINDOWS:
            self.query_one(f"#r-{window}", Input).value = str(config.renewal_windows.get(window, 0))
        self.query_one("#quiet-after", Input).value = str(config.quiet_after)
        self.query_one("#profile", Select).set_options((name, name) for name in sorted(profiles))
        self.update_total()

    def set_weights(self, weights: dict[str, int]) -> None:
        for signal in SIGNALS:
            self.query_one(f"#w-{signal}", Input).value = str(weights.get(signal, 0))

    def weights(self) -> dict[str, int]:
        out = {}
        for signal in SIGNALS:
            raw = self.query_one(f"#w-{signal}", Input).value.strip() or "0"
            try:
                out[signal] = int(raw)
            except ValueError:
                raise InvalidValue(f"weights.{signal}: {raw!r} is not a whole number.") from None
        return out

    def update_total(self) -> None:
        try:
            total = sum(self.weights().values())
        except InvalidValue as exc:
            self.query_one("#weights-total", Static).update(Text(str(exc), style="red"))
            return
        ok = total == 100
        self.query_one("#weights-total", Static).update(
            Text(
                f"Total {total} / 100" + ("" if ok else f"  ({100 - total:+d} to go)"),
                style="bold green" if ok else "bold red",
            )
        )

    @on(Input.Changed)
    def changed(self, event: Input.Changed) -> None:
        if (event.input.id or "").startswith("w-"):
            self.update_total()

    def build(self) -> ScoringConfig:
        """The edited configuration, validated by the core (raises InvalidValue)."""

        def number(widget_id: str) -> float:
            raw = self.query_one(f"#{widget_id}", Input).value.strip()
            try:
                return float(raw)
            except ValueError:
                raise InvalidValue(f"{widget_id}: {raw!r} is not a number.") from None

        weights = self.weights()
        total = sum(weights.values())
        if total != 100:
            raise InvalidValue(f"weights: they total {total}; they must total exactly 100.")
        data = self.config.to_dict()
        data["weights"] = weights
        data["csat_enabled"] = self.query_one("#csat", Switch).value
        data["thresholds"] = {key: number(f"t-{key}") for key in THRESHOLD_KEYS}
        data["cadence"] = {
            tier: [int(number(f"c-{tier}-soon")), int(number(f"c-{tier}-over"))] for tier in TIERS
        }
        data["renewal_windows"] = {w: int(number(f"r-{w}")) for w in WINDOWS}
        data["quiet_after"] = int(number("quiet-after"))
        return ScoringConfig.from_dict(data)

    # --- actions ----------------------------------------------------------------------

    def action_save(self) -> None:
        try:
            config = self.build()
        except InvalidValue as exc:
            self.query_one("#settings-error", Static).update(str(exc))
            self.iq.report_error(str(exc))
            return
        self.query_one("#settings-error", Static).update("")
        app = self.iq

        def saved(result: ScoringConfig) -> None:
            self.config = result
            self.notify("Scoring model saved. Rescore all (ctrl+r) to apply it to every customer.")

        app.write_db(lambda s: settings.save_scoring_config(s, app.actor, config), saved)

    def action_load_profile(self) -> None:
        value = self.query_one("#profile", Select).value
        if value is Select.NULL or str(value) not in self.profiles:
            self.notify("Choose a profile first.", severity="warning")
            return
        self.set_weights(self.profiles[str(value)])
        self.notify(f"Loaded the weights of profile {value!r} into the editor (not saved).")

    def action_save_profile(self) -> None:
        try:
            weights = self.weights()
        except InvalidValue as exc:
            self.iq.report_error(str(exc))
            return
        app = self.iq

        def named(values: dict[str, str] | None) -> None:
            if not values:
                return
            name = values["name"]
            app.write_db(
                lambda s: settings.save_profile(s, app.actor, name, weights),
                lambda _p: self.refresh_data(),
                success=f"Profile {name!r} saved.",
            )

        app.push_screen(
            FormModal(
                "Save these weights as a profile",
                [FormField("name", "Profile name", required=True)],
            ),
            named,
        )

    def action_rescore(self) -> None:
        app = self.iq
        if not app.actor.can_write:
            app.report_error(f"{app.actor.email} is a viewer and cannot change data.")
            return

        def go(yes: bool | None) -> None:
            if not yes:
                return
            bar = self.query_one("#rescore-progress", ProgressBar)
            bar.display = True
            bar.update(total=None, progress=0)

            def rescore(session: Any) -> Any:
                from iqcadence.core.accounts.rescore import rescore_all

                return rescore_all(session, app.actor)

            def done(summary: Any) -> None:
                bar.update(total=1, progress=1)
                result = (
                    f"Rescored {summary.scored:,} customers: {summary.changed:,} changed, "
                    f"{summary.skipped_overrides:,} manual scores kept."
                )
                self.query_one("#rescore-result", Static).update(result)
                self.notify(result)

            app.write_db(rescore, done)

        app.push_screen(ConfirmModal("Rescore every customer with the saved model?"), go)

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        actions = {
            "save": self.action_save,
            "rescore": self.action_rescore,
            "load-profile": self.action_load_profile,
            "save-profile": self.action_save_profile,
        }
        if event.button.id in actions:
            actions[event.button.id]()
