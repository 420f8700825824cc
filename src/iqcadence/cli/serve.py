"""`serve`: the REST API over the database, until stopped."""

from __future__ import annotations

import typer

from iqcadence.cli import common


def serve(
    ctx: typer.Context,
    host: str = typer.Option(
        "127.0.0.1", "--host", help="Address to listen on (loopback unless told otherwise)."
    ),
    port: int = typer.Option(8765, "--port", min=1, max=65535, help="Port to listen on."),
    workers: int = typer.Option(
        1, "--workers", min=1, max=64, help="Server processes (SQLite in WAL or PostgreSQL)."
    ),
) -> None:
    """Serve the REST API (`/api-inbound`, `/v1`, docs at /docs) on the
    database chosen by --db / IQCADENCE_DB, one log line per request.
    SIGTERM or Ctrl-C stops it after the requests in flight.

    Requests need an API key: `iqcadence api-keys create NAME --role csm`.

    Example:

    \b
      iqcadence serve --port 8765 --workers 2
    """
    from iqcadence.api import server
    from iqcadence.core.base.errors import InvalidValue

    database = common.options(ctx).database()  # created or upgraded once, here
    location = database.location
    common.options(ctx).close()
    if location.is_sqlite and location.path is None and workers > 1:
        raise InvalidValue("--workers: an in-memory database cannot be shared by processes.")
    err = common.err_console()
    where = f"http://{host}:{port}" if ":" not in host else f"http://[{host}]:{port}"
    err.print(
        f"Serving {location.describe()} at {where} (docs at {where}/docs); stop with Ctrl-C.",
        markup=False,
        soft_wrap=True,
    )
    if not server.is_loopback(host):
        err.print(
            f"Note: {host} is reachable from other machines; every request still needs a key.",
            markup=False,
            soft_wrap=True,
        )
    server.serve(location, host=host, port=port, workers=workers)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
