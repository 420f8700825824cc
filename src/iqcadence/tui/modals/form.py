"""A small form in a dialog: note, task, e-mail, meeting, filters, add tag,
save profile as… Each field is text or a choice; the result is a dict of
the raw texts (the core validates them and says what is wrong)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, TextArea

from iqcadence.core.base import labels
from iqcadence.core.base.labels import LabelKind


@dataclass(frozen=True)
class FormField:
    key: str
    label: str
    placeholder: str = ""
    value: str = ""
    options: tuple[str, ...] | None = None  # a choice: only these (or blank)
    multiline: bool = False
    required: bool = False
    kind: LabelKind | None = None  # the options are tokens shown by their labels


class FormModal(ModalScreen[dict[str, str] | None]):
    """ctrl+s or the Save button submits; Escape cancels. Enter in the last
    one-line field submits too."""

    CSS_PATH = "../styles/dialogs.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "submit", "Save"),
    ]

    def __init__(self, title: str, fields: list[FormField], *, save_label: str = "Save") -> None:
        super().__init__(classes="modal")
        self.title_text = title
        self.fields = fields
        self.save_label = save_label

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog form"):
            yield Label(self.title_text, classes="question")
            with VerticalScroll(classes="form-fields"):
                for spec in self.fields:
                    yield Label(spec.label + (" *" if spec.required else ""), classes="form-label")
                    widget_id = f"field-{spec.key}"
                    if spec.options is not None:
                        yield Select(
                            [
                                (labels.label(spec.kind, option) if spec.kind else option, option)
                                for option in spec.options
                            ],
                            value=spec.value if spec.value in spec.options else Select.NULL,
                            id=widget_id,
                            prompt=spec.placeholder or "(any)",
                        )
                    elif spec.multiline:
                        yield TextArea(spec.value, id=widget_id, classes="form-text")
                    else:
                        yield Input(spec.value, placeholder=spec.placeholder, id=widget_id)
            with Horizontal(classes="buttons"):
                yield Button(self.save_label, variant="primary", id="save")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        if self.fields:
            self.query_one(f"#field-{self.fields[0].key}").focus()

    def values(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for spec in self.fields:
            widget: Any = self.query_one(f"#field-{spec.key}")
            if isinstance(widget, Select):
                value = widget.value
                out[spec.key] = "" if value is Select.NULL else str(value)
            elif isinstance(widget, TextArea):
                out[spec.key] = widget.text
            else:
                out[spec.key] = widget.value
        return out

    def action_submit(self) -> None:
        values = self.values()
        missing = [s.label for s in self.fields if s.required and not values[s.key].strip()]
        if missing:
            self.notify(f"{missing[0]}: must not be empty.", severity="warning")
            return
        self.dismiss(values)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    def enter(self, event: Input.Submitted) -> None:
        inputs = list(self.query(Input))
        if inputs and event.input is inputs[-1]:
            self.action_submit()
        else:
            self.focus_next()

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_submit()
        else:
            self.dismiss(None)
