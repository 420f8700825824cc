"""`--quiet` / `-q`, accepted by every command: nothing on standard output
when the command succeeds, so cron mails only failures.

Errors and warnings still go to standard error, and the exit code is the
same. Output that was asked for by name is still written: `--json`, and a
file written to `-`. The option is added to every registered command in one
place (`add_to_every_command`, called once the commands are registered), so
a new command has it without repeating it; a command that declares its own
`quiet` parameter keeps that one.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import typer

HELP = "Print nothing on success (errors still go to stderr; --json output is kept)."

_active = False


def active() -> bool:
    """Whether the running command was given --quiet."""
    return _active


def set_active(on: bool) -> None:
    global _active
    _active = on


def echo(text: str) -> None:
    """A plain line on stdout, unless --quiet (for lines not printed through
    `common.console()`, which is silenced by itself)."""
    if not _active:
        from iqcadence.core.base.text import printable

        typer.echo(printable(text))  # stored text loses control characters, as in console()


def add_to_every_command(app: typer.Typer) -> None:
    """Give each command registered under `app` (at any depth) --quiet / -q."""
    for command in app.registered_commands:
        if command.callback is not None:
            command.callback = _with_quiet(command.callback)
    for group in app.registered_groups:
        if group.typer_instance is not None:
            add_to_every_command(group.typer_instance)


def _with_quiet(command: Callable[..., Any]) -> Callable[..., Any]:
    signature = inspect.signature(command, eval_str=True)
    if "quiet" in signature.parameters:
        return command

    @functools.wraps(command)
    def run_quietly(*args: Any, quiet: bool = False, **kwargs: Any) -> Any:
        set_active(quiet)
        return command(*args, **kwargs)

    option = inspect.Parameter(
        "quiet",
        inspect.Parameter.KEYWORD_ONLY,
        default=typer.Option(False, "--quiet", "-q", help=HELP),
        annotation=bool,
    )
    run_quietly.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*signature.parameters.values(), option]
    )
    run_quietly.__annotations__ = {**command.__annotations__, "quiet": bool}
    return run_quietly
