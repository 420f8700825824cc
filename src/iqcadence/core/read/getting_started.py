"""The getting-started view: what an empty database opens on (instead of
empty lists), and how to tell that it is empty.

The steps name the exact keys and commands; the app and the CLI show the
same words."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlmodel import Session

TITLE = "Welcome to iqcadence"
INTRO = "There are no customers here yet. Start with one of these:"


@dataclass(frozen=True)
class Step:
    title: str
    how: str  # one sentence: what it does
    key: str  # the key in the app ("" when there is none)
    command: str  # the command line
    later: bool = False  # not available yet


STEPS: tuple[Step, ...] = (
    Step(
        "Import a CSV",
        "Load your accounts from a spreadsheet (check it first with --dry-run).",
        "",
        "iqcadence import csv accounts.csv",
    ),
    Step(
        "Score one customer",
        "Enter one account's signals and see its health score as you type.",
        "4",
        'iqcadence score "Acme Corp" --logins 22 --mrr 5000',
    ),
    Step(
        "Open the demo",
        "A realistic portfolio in its own file, never mixed with your data.",
        "",
        "iqcadence demo",
    ),
    Step(
        "Connect an integration",
        "Stripe, HubSpot or Salesforce keep accounts up to date.",
        "",
        "coming in a later release",
        later=True,
    ),
)


def is_empty(session: Session, client_id: int) -> bool:
    """Whether the client has no customers at all (archived ones count)."""
    row = (
        session.connection()
        .execute(text("SELECT 1 FROM customer WHERE client_id = :c LIMIT 1"), {"c": client_id})
        .first()
    )
    return row is None
