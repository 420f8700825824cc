"""A command kept waiting by another program's write: it waits its turn
and succeeds; a person at a terminal is told it is waiting, cron is not."""

from __future__ import annotations

import os
import pty
import select
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

WAITING = "Waiting for another program to finish writing to the database"


@pytest.fixture
def steady(database: Any, actor: Any, session: Any) -> None:
    from iqcadence.core.accounts import customers

    customers.apply_changes(session, actor, "Steady", {"logins": 10})


@contextmanager
def another_writer(path: Path, *, until: threading.Event | None = None) -> Iterator[None]:
    """Another program holding the write lock, then committing a write: when
    `until` is set, else after a few seconds."""
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE client SET name = name")
    release = until or threading.Event()

    def commit() -> None:
        release.wait(timeout=5.0)
        other.execute("COMMIT")

    thread = threading.Thread(target=commit)
    thread.start()
    try:
        yield
    finally:
        thread.join()
        other.close()


def _log(db_path: Path, title: str, *, stderr: int) -> subprocess.Popen[bytes]:
    env = dict(os.environ, IQCADENCE_SEND_ON_CHANGE="0")
    argv = ["--db", str(db_path), "log", "Steady", "--kind", "note", "--title", title]
    return subprocess.Popen(
        [sys.executable, "-m", "iqcadence", *argv],
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        env=env,
    )


def test_at_a_terminal_the_wait_is_announced_and_the_write_goes_through(
    db_path: Path, steady: None
) -> None:
    leader, follower = pty.openpty()
    said = b""
    told = threading.Event()
    try:
        with another_writer(db_path, until=told):
            process = _log(db_path, "waited", stderr=follower)
            deadline = time.monotonic() + 30
            while WAITING.encode() not in said and time.monotonic() < deadline:
                ready, _, _ = select.select([leader], [], [], 0.5)
                if ready:
                    said += os.read(leader, 4096)
            told.set()  # the other program commits: the command goes on
            code = process.wait(timeout=30)
        while select.select([leader], [], [], 0.2)[0]:
            said += os.read(leader, 4096)
    finally:
        os.close(leader)
        os.close(follower)
    assert code == 0, said
    assert said.decode().count(WAITING) == 1


def test_without_a_terminal_the_wait_is_silent(db_path: Path, steady: None) -> None:
    with another_writer(db_path):
        process = _log(db_path, "quietly", stderr=subprocess.PIPE)
        _out, err = process.communicate(timeout=60)
    assert process.returncode == 0
    assert err.decode() == ""
