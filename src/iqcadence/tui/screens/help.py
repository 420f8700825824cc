"""Help: what each screen is for and its keys."""

from __future__ import annotations

from rich.markdown import Markdown
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Footer, Header, Static

from iqcadence.tui.screens.base import BaseScreen

HELP = """\
# iqcadence

A keyboard-first workbench for your customer portfolio. Every action has a key
(shown in the footer) and is also in the command palette (**ctrl+p**).

| Key | Where | Does |
|---|---|---|
| F1 … F6 | everywhere, in forms too | My day · Customers · Alerts · Score · Settings · Help |
| 1 … 6 | outside a text field | the same screens (in a field a digit is typed) |
| alt+1 … alt+6 | everywhere, in terminals that send them | the same screens |
| ctrl+k | outside a text field | jump to a customer by typing part of the name |
| ctrl+p | everywhere | command palette (every action, themes) |
| ctrl+t | everywhere | light / dark |
| Escape | everywhere | back (in a dialog: cancel) |
| ? | outside a text field | this page |
| ctrl+q | everywhere | quit |

In a form, **Tab** and **shift+Tab** move between fields (the field you are
in is highlighted) and letters, digits and **?** are typed into the field.

## My day
Your tasks due, renewals coming up, your alerts, quiet accounts, this week's
biggest drops and the portfolio numbers. **Enter** on any line opens the customer;
**Tab** moves between lists; **r** refreshes.

## Customers
All accounts. Type in the search box (**/**) to narrow as you type; **[ ]** or a
click switch band tabs; **s** picks the sort column (or click a header),
**r** reverses it (the **7d** column sorts by the 7-day score change, biggest
drops first); **f** sets filters (manager, tier, tag, lifecycle).
**space** or shift-click selects rows, **a** selects the visible page, **b** runs a
bulk action (rescore, add a tag, set lifecycle, archive) after asking.
**Enter** opens a customer.

## Customer 360
**Enter** on a field opens its editor, which names the field's type and what
it accepts and checks the value as you type (the sentence under it says what
is wrong, or what will be saved). Enter saves, Escape cancels; a choice field
lists only its options. A refused save stays open with the reason.
**n** note, **e** e-mail, **m** meeting (at your local time), **t** task, **p** start
a playbook, **b** briefing, **x** explain the score, **a** archive (or bring back),
**D** delete for ever (admins; you type the name to confirm), **f** filter the
timeline; **Enter** on a contact shows that contact's timeline alone (again
for everyone's). Viewers see the record read-only.

## Alerts
**g** changes the grouping (category, severity, customer). **z** snoozes
(1, 7 or 30 days), **d** dismisses, **w** wakes; **space** selects several alerts for
one action. The panel shows the monthly revenue exposed to critical and
warning alerts. On a large portfolio the counts cover every alert and the table
lists the most severe of each group.

## Score a customer
The form starts in Name; **Tab** goes through the account, then the signals,
then Save. The score, band and breakdown update as you type. Typing MRR fills
in ARR (× 12) and typing ARR fills in MRR; the amount you typed is the one
saved. **ctrl+s** saves, **ctrl+n** empties the form.

## Settings
Weights must add up to exactly 100 before they can be saved. Thresholds must
increase. Load a profile into the editor, or save the weights as a profile.
**ctrl+s** saves, **ctrl+r** rescores everyone with the saved model.
"""


class HelpScreen(BaseScreen):
    CSS_PATH = "../styles/help.tcss"

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="help-body"):
            # A rich renderable, not the Markdown widget: one widget, cheap to style.
            yield Static(Markdown(HELP), id="help-text")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Help"
