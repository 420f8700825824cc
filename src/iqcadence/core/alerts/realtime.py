"""Real-time notifications without ever blocking the change that caused them.

A change only writes outbox rows, inside its own transaction. When it queued
a real-time row, the commit starts one detached `iqcadence automations run`
(a separate process, its output discarded) and returns at once: the CLI
command, the TUI or an import never waits for an endpoint, however slow or
dead, and the runner's claims keep every notification single even when
several runners (or cron's) overlap. A runner that cannot start changes
nothing: cron's next `automations run` sends the row.

Switch it off with `config alerts set send_on_change=0`, or for one process
with `IQCADENCE_SEND_ON_CHANGE=0` (scripts and tests that run
`automations run` themselves).
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from sqlalchemy import event
from sqlmodel import Session

from iqcadence.core.base.actor import SYSTEM_USER

_PENDING = "iqcadence.send_after_commit"


def enabled(session: Session, client_id: int) -> bool:
    override = os.environ.get("IQCADENCE_SEND_ON_CHANGE", "").strip().lower()
    if override:
        return override not in ("0", "false", "no", "off")
    from iqcadence.core.alerts.config import load_alert_config

    return bool(load_alert_config(session, client_id).send_on_change)


def send_after_commit(session: Session, client_id: int, acting_user: str | None) -> None:
    """Arrange one detached runner after this session's next commit."""
    if session.info.get(_PENDING) or not enabled(session, client_id):
        return
    bind = session.get_bind()
    url = bind.engine.url
    session.info[_PENDING] = True

    def kick(committed: Session) -> None:
        committed.info.pop(_PENDING, None)
        start_runner(url, acting_user)

    event.listen(session, "after_commit", kick, once=True)


def start_runner(url: Any, acting_user: str | None) -> bool:
    """Start `iqcadence automations run` in the background; False if it could
    not be started (an in-memory database, or no process allowed)."""
    env = dict(os.environ)
    command = [sys.executable, "-m", "iqcadence"]
    if url.drivername.startswith("sqlite"):
        if not url.database or url.database == ":memory:":
            return False
        command += ["--db", str(url.database)]
    else:
        env["IQCADENCE_DATABASE_URL"] = url.render_as_string(hide_password=False)
        env.pop("IQCADENCE_DB", None)
    # The system (a decay refresh) is no user: the runner then acts as the
    # user this program runs as (IQCADENCE_USER, else the login name).
    if acting_user and acting_user != SYSTEM_USER:
        command += ["--as", acting_user]
    command += ["automations", "run", "--json"]
    env["IQCADENCE_SEND_ON_CHANGE"] = "0"  # the runner itself never starts another
    try:
        subprocess.Popen(  # noqa: S603 - our own command line
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
            close_fds=True,
        )
    except OSError:
        return False
    return True
