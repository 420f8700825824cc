"""Edit one field of a record in a dialog: the field's label, its type and
what it accepts, the value, and the core's sentence about what is typed.

The sentence comes from the field's own parser (`check`), run on every
change and again before saving; the save itself is the caller's (`save`),
which answers None when it is done or the sentence the core refused it
with, and the dialog then stays open showing that sentence. It dismisses
with the saved text, or None when cancelled."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from iqcadence.core.base.errors import IQError

# What `save` is handed to say how the save went: None (saved) or why not.
Answer = Callable[[str | None], None]
NONE_OPTION = "\x00none"  # the option that clears a choice (no token looks like it)


@dataclass(frozen=True)
class FieldToEdit:
    """One field, as the dialog shows it."""

    title: str  # "MRR — Initech"
    label: str  # "MRR"
    type_label: str  # "Number"
    accepts: str  # "monthly revenue ≥ 0", or the choices
    value: str  # the current value, as it is typed (a choice: its token)
    # The typed text → the value to be saved, as people read it; raises
    # IQError with the sentence when the text is refused.
    check: Callable[[str], str]
    options: tuple[tuple[str, str], ...] | None = None  # a choice: (token, label)
    required: bool = False


class FieldEditModal(ModalScreen[str | None]):
    """Enter (or ctrl+s, or Save) saves; Escape cancels."""

    CSS_PATH = "../styles/dialogs.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save"),
    ]

    def __init__(self, field: FieldToEdit, save: Callable[[str, Answer], None]) -> None:
        super().__init__(classes="modal")
        self.field = field
        self.save_with = save
        self.saving = False

    def compose(self) -> ComposeResult:
        field = self.field
        with Vertical(classes="dialog field-edit"):
            yield Label(field.title, classes="question")
            about = Text.assemble(
                ("Type ", "dim"),
                field.type_label,
                ("   Accepts ", "dim"),
                field.accepts,
                ("   required" if field.required else "", "dim"),
            )
            yield Static(about, id="edit-about")
            if field.options is not None:
                choices = [Option(shown, id=token) for token, shown in field.options]
                if not field.required:
                    choices.append(Option("(none: clear it)", id=NONE_OPTION))
                yield OptionList(*choices, id="edit-choice")
            else:
                yield Input(field.value, placeholder=field.accepts, id="edit-value")
            yield Static(id="edit-verdict")
            with Horizontal(classes="buttons"):
                yield Label("Enter saves · Esc cancels", classes="hint")
                yield Button("Save", variant="primary", id="save")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        choice = self.query(OptionList)
        if choice:
            options = choice.first()
            tokens = [token for token, _shown in self.field.options or ()]
            current = self.field.value
            options.highlighted = tokens.index(current) if current in tokens else 0
            options.focus()
        else:
            self.query_one("#edit-value", Input).focus()
        self.verdict(self.typed())

    # --- the value and what the core says about it ------------------------------------

    def typed(self) -> str:
        """The text that would be saved now."""
        choice = self.query(OptionList)
        if choice:
            options = choice.first()
            index = options.highlighted
            token = options.get_option_at_index(index).id if index is not None else None
            return "" if token in (None, NONE_OPTION) else str(token)
        return self.query_one("#edit-value", Input).value

    def verdict(self, text: str) -> str | None:
        """Show what the field's parser says about `text`; the sentence
        when it is refused, else None."""
        shown = self.query_one("#edit-verdict", Static)
        try:
            saved_as = self.field.check(text)
        except IQError as refusal:
            return self.refused(str(refusal))
        shown.set_class(False, "-refused")
        shown.update(Text.assemble(("✓ ", "bold"), f"Saves as {saved_as}"))
        return None

    def refused(self, sentence: str) -> str:
        shown = self.query_one("#edit-verdict", Static)
        shown.set_class(True, "-refused")
        shown.update(Text.assemble(("✗ ", "bold"), sentence))
        return sentence

    @on(Input.Changed, "#edit-value")
    def changed(self, event: Input.Changed) -> None:
        self.verdict(event.value)

    @on(OptionList.OptionHighlighted, "#edit-choice")
    def highlighted(self) -> None:
        self.verdict(self.typed())

    # --- saving ---------------------------------------------------------------------------

    @on(Input.Submitted, "#edit-value")
    @on(OptionList.OptionSelected, "#edit-choice")
    def submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        if self.saving:
            return
        text = self.typed()
        if self.verdict(text) is not None:
            return  # the sentence is on screen; nothing is sent
        self.saving = True
        self.query_one("#save", Button).disabled = True
        self.save_with(text, lambda refusal: self.answered(text, refusal))

    def answered(self, text: str, refusal: str | None) -> None:
        """The save's outcome: done (close) or refused (stay, with why)."""
        if not self.is_attached:
            return  # cancelled while the save was on its way
        self.saving = False
        if refusal is None:
            self.dismiss(text)
            return
        self.query_one("#save", Button).disabled = False
        self.refused(refusal)

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.action_cancel()

    def action_cancel(self) -> None:
        self.dismiss(None)
