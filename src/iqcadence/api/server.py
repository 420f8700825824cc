"""Serving the API with uvicorn: one process, or several (`workers`).

The database is opened (created or upgraded) once by the command before
the server starts, then each server process opens its own connection to it
from `IQCADENCE_DB`. On SIGTERM (or Ctrl-C) the server stops accepting,
lets requests in flight finish, and writes the queued API call log.
"""

from __future__ import annotations

import ipaddress
import os
from typing import Any

from fastapi import FastAPI

from iqcadence.api.app import create_app
from iqcadence.core.runtime import wiring
from iqcadence.core.store.db import DatabaseLocation, open_database, resolve_location

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
GRACE_SECONDS = 30  # the longest a stopping server waits for requests in flight
# How long an idle connection stays open: a client that pauses between two
# requests (a poller, a busy machine) then rarely finds it closed under it.
KEEP_ALIVE_SECONDS = 30

LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(message)s"},
        "request": {"format": "%(asctime)s %(message)s"},
    },
    "handlers": {
        "plain": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "stream": "ext://sys.stderr",
        },
        "request": {
            "class": "logging.StreamHandler",
            "formatter": "request",
            "stream": "ext://sys.stderr",
        },
    },
    "loggers": {
        "uvicorn": {"handlers": ["plain"], "level": "INFO", "propagate": False},
        "uvicorn.error": {"level": "INFO"},
        "iqcadence.api": {"handlers": ["request"], "level": "INFO", "propagate": False},
    },
}


def app_from_environment() -> FastAPI:
    """The application of one server process, on the database in IQCADENCE_DB."""
    wiring.install()
    return create_app(open_database(resolve_location()))


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(location: DatabaseLocation, *, host: str, port: int, workers: int) -> None:
    import uvicorn

    os.environ["IQCADENCE_DB"] = str(location.path) if location.path else location.url
    uvicorn.run(
        "iqcadence.api.server:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,  # the API writes its own line, without the query string
        log_config=LOG_CONFIG,
        timeout_graceful_shutdown=GRACE_SECONDS,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        server_header=False,
    )
