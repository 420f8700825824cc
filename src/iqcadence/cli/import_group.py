"""The `iqcadence import` group, shared by every kind of import."""

from __future__ import annotations

import typer

import_app = typer.Typer(
    help=(
        "Load data from files: customers (csv), score history, timeline events.\n\n"
        "Example:\n\n  iqcadence import csv customers.csv --dry-run"
    ),
    no_args_is_help=True,
)
_registered = False


def ensure_registered(app: typer.Typer) -> typer.Typer:
    global _registered
    if not _registered:
        app.add_typer(import_app, name="import")
        _registered = True
    return import_app
