"""Output files: never over the database, never over a file without force,
never half a file, one sentence for any failure, and private to their owner."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from iqcadence.core.base.errors import RefusedFile
from iqcadence.core.store.db import DatabaseLocation, resolve_location
from iqcadence.core.store.output_files import (
    check_output,
    fill_output,
    open_output,
    open_text_output,
    write_output,
)
from tests.full_device import full_device  # noqa: F401  (a fixture)


@pytest.fixture
def live(tmp_path: Path) -> DatabaseLocation:
    """A database location whose file (and WAL side files) exist."""
    path = tmp_path / "live.db"
    for name in ("live.db", "live.db-wal", "live.db-shm"):
        (tmp_path / name).write_bytes(b"precious")
    return resolve_location(path)


@pytest.fixture
def usual_umask() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def one_sentence(message: str) -> bool:
    return "\n" not in message and message.endswith(".")


@pytest.mark.parametrize("name", ["live.db", "live.db-wal", "live.db-shm", "live.db-journal"])
def test_the_database_and_its_side_files_are_refused(
    live: DatabaseLocation, tmp_path: Path, name: str
) -> None:
    with pytest.raises(RefusedFile) as caught:
        write_output(tmp_path / name, b"x", database=live, force=True)
    assert "that is the database" in str(caught.value) and one_sentence(str(caught.value))
    assert (tmp_path / "live.db").read_bytes() == b"precious"
    assert leftovers(tmp_path) == []


def test_links_to_the_database_are_refused(live: DatabaseLocation, tmp_path: Path) -> None:
    (tmp_path / "sym.db").symlink_to(tmp_path / "live.db")
    (tmp_path / "sym-wal").symlink_to(tmp_path / "live.db-wal")
    os.link(tmp_path / "live.db", tmp_path / "hard.db")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "up").symlink_to(tmp_path)
    for target in ("sym.db", "sym-wal", "hard.db", "sub/up/live.db"):
        with pytest.raises(RefusedFile, match="that is the database"):
            write_output(tmp_path / target, b"x", database=live, force=True)
    assert (tmp_path / "live.db").read_bytes() == b"precious"


def test_a_database_named_through_a_symlink_is_found(tmp_path: Path) -> None:
    (tmp_path / "real.db").write_bytes(b"precious")
    (tmp_path / "alias.db").symlink_to(tmp_path / "real.db")
    location = resolve_location(tmp_path / "alias.db")
    for target in ("real.db", "real.db-wal", "alias.db-wal"):
        with pytest.raises(RefusedFile, match="that is the database"):
            write_output(tmp_path / target, b"x", database=location, force=True)
    assert (tmp_path / "real.db").read_bytes() == b"precious"


def test_an_existing_file_needs_force(live: DatabaseLocation, tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old")
    with pytest.raises(RefusedFile) as caught:
        write_output(target, b"new", database=live)
    assert str(caught.value) == f"--out {target}: the file exists; add --force to replace it."
    assert target.read_text() == "old"
    write_output(target, b"new", database=live, force=True)
    assert target.read_text() == "new"
    assert leftovers(tmp_path) == []


def test_a_symlinked_output_replaces_the_file_it_points_to(tmp_path: Path) -> None:
    (tmp_path / "real.csv").write_text("old")
    (tmp_path / "link.csv").symlink_to(tmp_path / "real.csv")
    write_output(tmp_path / "link.csv", b"new", database=None, force=True)
    assert (tmp_path / "link.csv").is_symlink()
    assert (tmp_path / "real.csv").read_text() == "new"


def test_folders(tmp_path: Path) -> None:
    with pytest.raises(RefusedFile, match="it is a folder"):
        write_output(tmp_path, b"x", database=None, force=True)
    missing = tmp_path / "missing" / "deeper" / "out.csv"
    with pytest.raises(RefusedFile, match="there is no folder"):
        write_output(missing, b"x", database=None)
    assert not (tmp_path / "missing").exists()
    write_output(missing, b"x", database=None, create_folders=True)
    assert missing.read_bytes() == b"x"


def test_a_failed_write_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    with pytest.raises(ZeroDivisionError), open_output(target, database=None) as sink:
        sink.write(b"half a file")
        _ = 1 / 0
    assert not target.exists() and leftovers(tmp_path) == []
    target.write_text("old")
    with pytest.raises(ZeroDivisionError), open_output(target, database=None, force=True) as sink:
        sink.write(b"half a file")
        _ = 1 / 0
    assert target.read_text() == "old" and leftovers(tmp_path) == []


def test_an_oserror_of_the_callers_own_is_not_called_a_write_failure(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError), open_output(tmp_path / "o.csv", database=None):
        (tmp_path / "input-that-is-not-there.csv").read_text()
    assert leftovers(tmp_path) == []


def test_a_full_device_is_one_sentence(full_device: Path) -> None:  # noqa: F811
    before = sorted(full_device.parent.iterdir())
    with pytest.raises(RefusedFile) as caught:
        write_output(full_device, b"x" * 100_000, database=None, what="the export")
    message = str(caught.value)
    assert message == f"--out {full_device}: cannot write the export (No space left on device)."
    assert sorted(full_device.parent.iterdir()) == before
    assert full_device.is_char_device()


SMALL_DISK = """
import resource, signal, sys
from iqcadence.core.base.errors import RefusedFile
from iqcadence.core.store.output_files import write_output

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails instead
resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))
try:
    write_output(sys.argv[1], b"x" * 1_000_000, database=None, force=True, what="the report")
except RefusedFile as exc:
    print(exc)
"""


def test_running_out_of_space_midway_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "report.pdf"
    target.write_text("old")
    done = subprocess.run(
        [sys.executable, "-c", SMALL_DISK, str(target)], capture_output=True, text=True, timeout=60
    )
    assert done.stdout.strip() == (
        f"--out {target}: cannot write the report (File too large); "
        "the existing file was left as it was."
    ), done.stderr
    assert target.read_text() == "old"
    assert leftovers(tmp_path) == []


def test_text_output_keeps_line_endings(tmp_path: Path) -> None:
    target = tmp_path / "rows.csv"
    with open_text_output(target, database=None) as text:
        text.write("a,b\r\nZoë,2\r\n")
    assert target.read_bytes() == "a,b\r\nZoë,2\r\n".encode()


def test_a_device_is_written_in_place_without_force(tmp_path: Path) -> None:
    target = check_output("/dev/null", database=None)
    assert target.in_place
    write_output("/dev/null", b"x", database=None)
    assert Path("/dev/null").is_char_device()


def test_fill_output_removes_a_stale_wal_beside_the_new_file(tmp_path: Path) -> None:
    target = tmp_path / "copy.db"
    target.write_text("old")
    (tmp_path / "copy.db-wal").write_text("stale")
    fill_output(target, lambda t: t.write_text("new"), database=None, force=True)
    assert target.read_text() == "new" and not (tmp_path / "copy.db-wal").exists()


def test_files_are_0600_and_new_folders_0700(tmp_path: Path, usual_umask: None) -> None:
    target = tmp_path / "a" / "b" / "out.csv"
    write_output(target, b"x", database=None, create_folders=True)
    assert mode(target) == 0o600
    assert mode(tmp_path / "a") == 0o700 and mode(tmp_path / "a" / "b") == 0o700
    existing = tmp_path / "shared"
    existing.mkdir(mode=0o755)
    write_output(existing / "out.csv", b"x", database=None)
    assert mode(existing) == 0o755  # a folder that was there keeps its permissions
    assert mode(existing / "out.csv") == 0o600
