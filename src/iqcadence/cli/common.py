"""What every command shares: the global options, opening the database as the
acting user, and output (rich tables for people, JSON for scripts).

Heavy modules (sqlmodel, the core) are imported inside functions so that
`iqcadence --help` stays fast.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import typer

from iqcadence.cli import quiet_mode
from iqcadence.core.base.labels import label
from iqcadence.core.base.money import DEFAULT_CURRENCY, money
from iqcadence.core.base.palette import Colour, band_colour, severity_colour

if TYPE_CHECKING:
    from rich.console import Console
    from sqlmodel import Session

    from iqcadence.core.base.actor import Actor
    from iqcadence.core.store.db import Database, DatabaseLocation


@dataclass
class GlobalOptions:
    db_path: str | None = None
    as_user: str | None = None
    client: str | None = None  # --client (else IQCADENCE_CLIENT)
    # Opening brings scores in line with today's decay (runtime.freshness);
    # a command that does it its own way (automations run) turns this off.
    refresh_on_open: bool = True
    _database: Database | None = None

    def database(self) -> Database:
        if self._database is None:
            from iqcadence.core.runtime import wiring
            from iqcadence.core.store.db import open_database, resolve_location

            wiring.install()
            self._database = open_database(resolve_location(self.db_path), acting_user=self.as_user)
            if sys.stderr.isatty():  # a person is watching; cron mails any output
                self._database.on_lock_wait = _say_waiting
            if self._database.upgraded_from is not None:
                saved = self._database.backup_path
                err_console().print(
                    f"Upgraded {self._database.location.describe()} from schema "
                    f"{self._database.upgraded_from}"
                    + (f"; the previous file is saved as {saved}." if saved else "."),
                    soft_wrap=True,
                    markup=False,
                )
            if self.refresh_on_open:
                from iqcadence.core.runtime import freshness

                freshness.ensure_scores_current(self._database)
        return self._database

    def location(self) -> DatabaseLocation:
        """Where the database is, without opening it (output paths are checked
        against it so that none can overwrite it)."""
        if self._database is not None:
            return self._database.location
        from iqcadence.core.store.db import resolve_location

        return resolve_location(self.db_path)

    def close(self) -> None:
        if self._database is not None:
            self._database.dispose()
            self._database = None


def _say_waiting() -> None:
    err_console().print(
        "Waiting for another program to finish writing to the database…",
        style="dim",
        soft_wrap=True,
        markup=False,
    )


def options(ctx: typer.Context) -> GlobalOptions:
    root = ctx.find_root()
    if not isinstance(root.obj, GlobalOptions):
        root.obj = GlobalOptions()
    return root.obj


FORCE_HELP = "Replace the output file if it exists (otherwise an existing file is refused)."


@contextmanager
def session_as(ctx: typer.Context, *, write: bool = True) -> Iterator[tuple[Session, Actor]]:
    """A session on the database and the acting user (`--as`, IQCADENCE_USER).

    A write session takes the write lock as each transaction begins, so
    commands writing at once wait their turn instead of failing. A command
    that only reads passes `write=False`: it never waits for writers, nor
    holds them up while it renders."""
    from iqcadence.core.store.users import resolve_actor

    opts = options(ctx)
    database = opts.database()
    with database.session(write=write) as session:
        actor = resolve_actor(session, opts.as_user, opts.client)
        yield session, actor


_console: Console | None = None
_err_console: Console | None = None


def console() -> Console:
    """Standard output for people; silent under --quiet (see `quiet_mode`)."""
    global _console
    if _console is None:
        _console = _printable_console(highlight=False)
    _console.quiet = quiet_mode.active()
    return _console


def err_console() -> Console:
    global _err_console
    if _err_console is None:
        _err_console = _printable_console(stderr=True, highlight=False)
    return _err_console


def _printable_console(**options: Any) -> Console:
    """A rich Console that drops control characters from every string it
    renders (printed text and table cells alike), so stored text cannot move
    the cursor, clear the screen or reverse a line (ESC, U+202E, ...)."""
    from rich.console import Console

    from iqcadence.core.base.text import printable

    class PrintableConsole(Console):
        def render_str(self, text: str, **kwargs: Any) -> Any:
            return super().render_str(printable(text), **kwargs)

    return PrintableConsole(**options)


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


# Characters JSON may carry raw that a terminal would act on (C1 controls,
# bidi overrides, line separators) or cannot print (lone surrogates).
_JSON_HIDDEN = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def print_json(data: Any) -> None:
    """The data as stored; JSON escapes C0 controls itself, and the
    characters above are written as \\u escapes too (the same JSON value)."""
    text = json.dumps(data, default=_default, ensure_ascii=False, indent=2)
    text = _JSON_HIDDEN.sub(lambda found: f"\\u{ord(found.group()):04x}", text)
    sys.stdout.write(text + "\n")


def fmt_money(value: float | None, currency: str = DEFAULT_CURRENCY) -> str:
    """An amount as every surface shows it (`base.money`); columns of them
    are right-aligned (`MONEY`)."""
    return money(value, currency=currency)


def currency_of(session: Session, actor: Actor) -> str:
    """The client's currency symbol (`config currency set`), read in the
    command's session and handed to whatever renders amounts."""
    from iqcadence.core.store import display

    return display.currency(session, actor.client_id)


# Table columns of amounts and counts line up on the right.
MONEY = "right"


def fmt_score(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def band_style(band: str | None) -> str:
    """The band's colour from core's palette (see `colour_style`)."""
    return colour_style(band_colour(band))


def severity_style(severity: str | None) -> str:
    """An alert severity's colour: the band colour of the same urgency."""
    return colour_style(severity_colour(severity))


def colour_style(colour: Colour) -> str:
    """A palette colour as a rich style: its hex value on a truecolor
    terminal, its 256-colour fallback elsewhere (rich maps that further
    down on a 16-colour one)."""
    truecolor = console().color_system == "truecolor"
    return colour.hex if truecolor else f"color({colour.xterm})"


def band_text(band: str | None) -> str:
    """The band's label in its colour, as markup ("At Risk", "Unscored")."""
    return f"[{band_style(band)}]{label('band', band)}[/]"


def warn_plaintext_keyring(secret: str | None) -> None:
    """After storing keyring entry `secret`: warn on stderr when the keyring
    backend keeps it in a plain-text file."""
    if not secret:
        return
    from iqcadence.core.store import secrets

    warning = secrets.storage_warning(secret)
    if warning:
        err_console().print(f"warning: {warning}", soft_wrap=True, markup=False)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print one sentence to stderr and return the Exit to raise."""
    from rich.markup import escape

    err_console().print(
        f"[red]error:[/] {escape(message)}", markup=True, highlight=False, soft_wrap=True
    )
    return typer.Exit(code)


def whole_number(
    name: str, minimum: int, maximum: int | None = None
) -> Callable[[int | None], int | None]:
    """A Typer callback bounding a whole-number option or argument (an id, a
    --limit): beyond its bounds it is one sentence and exit 2, not an
    overflow inside the database. `maximum` defaults to the largest id."""

    def check(value: int | None) -> int | None:
        if value is None:
            return None
        from iqcadence.core.scoring.fields import RECORD_ID_MAX, check_whole

        return check_whole(name, value, minimum, RECORD_ID_MAX if maximum is None else maximum)

    check.bounds = (minimum, maximum)  # type: ignore[attr-defined]  # checked by the tests
    return check
