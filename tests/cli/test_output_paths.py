"""Every command that writes a file: never over the live database (nor its
-wal, nor through a symlink), never over an existing file without --force,
one sentence when the file cannot be written, and files only their owner
can read."""

from __future__ import annotations

import ctypes
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.factories import dump
from tests.full_device import full_device  # noqa: F401  (a fixture)

DATA = Path(__file__).resolve().parents[1] / "data" / "import"
OUT = "{out}"

# name: (arguments with OUT where the path goes, exit code when it writes)
COMMANDS: dict[str, tuple[list[str], int]] = {
    "backup": (["backup", "--out", OUT], 0),
    "backup --sqlite": (["backup", "--sqlite", OUT], 0),
    "report pdf": (["report", "portfolio", "--out", OUT], 0),
    "report csv": (["report", "at-risk", "--format", "csv", "--out", OUT], 0),
    "config export": (["config", "export", OUT], 0),
    "export-record": (["customers", "export-record", "Acme Corp", "--out", OUT], 0),
    "export csv": (["export", "csv", "--out", OUT], 0),
    "export bulksheet": (["export", "bulksheet", "--out", OUT], 0),
    "import csv --errors-out": (
        ["import", "csv", str(DATA / "bad_rows.csv"), "--skip-invalid", "--errors-out", OUT],
        3,
    ),
    "import history --errors-out": (
        ["import", "history", str(DATA / "history.csv"), "--skip-invalid", "--errors-out", OUT],
        3,
    ),
    "meeting --ics": (
        ["meeting", "Acme Corp", "--title", "QBR", "--at", "2026-12-03T15:00", "--ics", OUT],
        0,
    ),
}


def arguments(name: str, out: Path | str) -> list[str]:
    return [str(out) if arg == OUT else arg for arg in COMMANDS[name][0]]


@pytest.fixture
def with_data(cli: Any) -> Any:
    assert cli("score", "Acme Corp", "--logins", "22", "--nps", "9", "--mrr", "5000").exit_code == 0
    return cli


@pytest.fixture
def usual_umask() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def one_sentence(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


@pytest.mark.parametrize("name", sorted(COMMANDS))
@pytest.mark.parametrize("target", ["database", "wal", "symlink"])
def test_no_command_writes_over_the_database(
    with_data: Any, db_path: Path, tmp_path: Path, name: str, target: str
) -> None:
    (tmp_path / "alias.db").symlink_to(db_path)
    out = {
        "database": db_path,
        "wal": Path(f"{db_path}-wal"),
        "symlink": tmp_path / "alias.db",
    }[target]
    before = dump(db_path)
    result = with_data(*arguments(name, out))
    assert result.exit_code == 1, result.output
    assert "that is the database" in one_sentence(result.stderr)
    assert dump(db_path) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_qbr_does_not_write_over_a_database_named_like_its_output(
    with_data: Any, db_path: Path, tmp_path: Path
) -> None:
    live = tmp_path / "live.md"
    shutil.copyfile(db_path, live)
    before = dump(live)
    result = with_data("--db", live, "qbr", "Acme Corp", "--out", live, db=False)
    assert result.exit_code == 1 and "that is the database" in one_sentence(result.stderr)
    assert dump(live) == before


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_an_existing_file_is_replaced_only_with_force(
    with_data: Any, db_path: Path, tmp_path: Path, name: str
) -> None:
    out = tmp_path / "existing.out"
    out.write_text("old")
    before = dump(db_path)
    refused = with_data(*arguments(name, out))
    assert refused.exit_code == 1, refused.output
    assert "the file exists; add --force to replace it" in one_sentence(refused.stderr)
    assert out.read_text() == "old"
    assert dump(db_path) == before
    replaced = with_data(*arguments(name, out), "--force")
    assert replaced.exit_code == COMMANDS[name][1], replaced.output
    assert out.read_bytes() != b"old" and out.stat().st_size > 0
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


@pytest.mark.parametrize("name", ["backup", "export csv", "report pdf", "config export"])
def test_a_full_disk_is_one_sentence(
    with_data: Any,
    name: str,
    full_device: Path,  # noqa: F811
) -> None:
    before = sorted(full_device.parent.iterdir())
    result = with_data(*arguments(name, full_device))
    assert result.exit_code == 1, result.output
    assert "No space left on device" in one_sentence(result.stderr)
    assert sorted(full_device.parent.iterdir()) == before  # no temporary file left
    assert full_device.is_char_device()


def _without_root_privileges() -> None:
    """Run as root, a 0500 folder is still writable: drop the capability that
    overrides file permissions (CAP_DAC_OVERRIDE), from the next program on."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "cannot drop root's file-permission override")


@pytest.mark.parametrize("name", ["backup", "backup --sqlite", "export csv", "report pdf"])
def test_an_unwritable_folder_is_one_sentence_and_leaves_no_temporary_file(
    with_data: Any, db_path: Path, tmp_path: Path, name: str
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    env = {**os.environ, "IQCADENCE_DB": str(db_path)}
    program = Path(sys.executable).parent / "iqcadence"
    before = dump(db_path)
    try:
        done = subprocess.run(
            [str(program), *arguments(name, locked / "out.file")],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            preexec_fn=_without_root_privileges,
        )
    except subprocess.SubprocessError as exc:  # pragma: no cover - no way to drop it here
        pytest.skip(f"cannot run without root's permission override: {exc}")
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "Permission denied" in one_sentence(done.stderr)
    assert list(locked.iterdir()) == []
    assert dump(db_path) == before


def test_data_files_and_folders_are_private(
    cli: Any, tmp_path: Path, usual_umask: None, db_path: Path
) -> None:
    fresh = tmp_path / "team" / "cs" / "fresh.db"
    assert cli("--db", fresh, "score", "Acme Corp", "--logins", "3", db=False).exit_code == 0
    assert mode(tmp_path / "team") == 0o700 and mode(tmp_path / "team" / "cs") == 0o700
    assert mode(fresh) == 0o600

    assert cli("score", "Acme Corp", "--logins", "3").exit_code == 0
    backup = cli("backup", "--json")
    assert backup.exit_code == 0, backup.output
    saved = Path(backup.stdout.split('"path": "')[1].split('"')[0])
    assert mode(saved) == 0o600
    assert mode(tmp_path / "data") == 0o700 and mode(tmp_path / "data" / "backups") == 0o700

    outputs = {
        "copy.db": ["backup", "--sqlite", tmp_path / "copy.db"],
        "book.json": ["backup", "--out", tmp_path / "book.json"],
        "portfolio.csv": ["export", "csv", "--out", tmp_path / "portfolio.csv"],
        "book.pdf": ["report", "portfolio", "--out", tmp_path / "book.pdf"],
        "scoring.toml": ["config", "export", tmp_path / "scoring.toml"],
    }
    for name, args in outputs.items():
        assert cli(*args).exit_code == 0, name
        assert mode(tmp_path / name) == 0o600, name

    restored = cli("restore", saved, "--yes", "--json")
    assert restored.exit_code == 0, restored.output
    safety = Path(restored.stdout.split('"safety_backup": "')[1].split('"')[0])
    assert mode(safety) == 0o600
