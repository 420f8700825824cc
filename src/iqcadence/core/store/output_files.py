"""Writing output files: every file a command or screen writes goes through here.

A path given for output (`--out`, `--errors-out`, `--ics`, `--sqlite`,
`config export FILE`, the app's PDF export, backups) is checked first:

- the database file itself, its `-wal`, `-shm` and `-journal`, are refused,
  whichever symlink or hard link leads to them: writing there destroys it;
- a file that already exists is replaced only when the caller says so
  (`--force`), and a folder never;
- the folder must exist, unless the caller creates it (backups, exports).

The content goes to a new temporary file in the same folder (0600, see
`base.private_files`), is flushed to disk, and only then takes the file's
name in one rename: a failed or interrupted write never leaves half a file,
and an existing file is either replaced whole or left as it was. An existing
device or pipe (`/dev/stdout`) is written in place. Any OSError (a full disk,
no permission) becomes one sentence naming the file. `-` (stdout) is the
caller's business: it never reaches here.
"""

from __future__ import annotations

import contextlib
import io
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TextIO

from iqcadence.core.base.errors import RefusedFile
from iqcadence.core.base.private_files import make_private_dirs
from iqcadence.core.store.db import DatabaseLocation

SIDE_FILE_SUFFIXES = ("-wal", "-shm", "-journal")


@dataclass(frozen=True)
class OutputTarget:
    """Where an output goes, after checking: `path` has symlinks resolved."""

    path: Path
    where: str  # how messages name it: the option and the path as given
    what: str  # what is written, for messages ("the backup")
    force: bool
    in_place: bool  # an existing device or pipe: written directly
    existed: bool


def database_files(location: DatabaseLocation | None) -> list[Path]:
    """The database file and its side files, as named and with symlinks
    resolved (SQLite names the side files after either)."""
    if location is None or location.path is None:
        return []
    named = Path(os.path.abspath(location.path))
    resolved = Path(os.path.realpath(location.path))
    files: list[Path] = []
    for base in dict.fromkeys((named, resolved)):
        files.append(base)
        files.extend(Path(f"{base}{suffix}") for suffix in SIDE_FILE_SUFFIXES)
    return files


def _is_database_file(target: Path, location: DatabaseLocation | None) -> bool:
    candidates = database_files(location)
    if any(Path(os.path.realpath(file)) == target for file in candidates):
        return True
    try:
        mine = target.stat()
    except OSError:
        return False
    for file in candidates:  # a hard link, or a name in another case
        try:
            theirs = file.stat()
        except OSError:
            continue
        if (mine.st_dev, mine.st_ino) == (theirs.st_dev, theirs.st_ino):
            return True
    return False


def check_output(
    path: str | os.PathLike[str],
    *,
    database: DatabaseLocation | None,
    force: bool = False,
    label: str = "--out",
    what: str = "the file",
    create_folders: bool = False,
) -> OutputTarget:
    """Refuse `path` (RefusedFile, one sentence) if writing it would destroy
    the database, replace a file without `force`, or has nowhere to go."""
    shown = os.fspath(path)
    where = f"{label} {shown}" if label else shown
    target = Path(os.path.realpath(shown))
    if _is_database_file(target, database):
        assert database is not None
        raise RefusedFile(
            f"{where}: that is the database {database.describe()} (or one of its side "
            f"files), and writing {what} there would destroy it; choose another file."
        )
    try:
        mode: int | None = target.stat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise RefusedFile(f"{where}: cannot write {what} ({_reason(exc)}).") from None
    in_place = False
    if mode is not None:
        if stat.S_ISDIR(mode):
            raise RefusedFile(f"{where}: cannot write {what} there: it is a folder.")
        if stat.S_ISREG(mode):
            if not force:
                raise RefusedFile(f"{where}: the file exists; add --force to replace it.")
        else:
            in_place = True
    elif not target.parent.is_dir():
        if not create_folders or target.parent.exists():
            raise RefusedFile(f"{where}: cannot write {what}: there is no folder {target.parent}.")
    return OutputTarget(
        path=target,
        where=where,
        what=what,
        force=force,
        in_place=in_place,
        existed=mode is not None,
    )


class _Sink(io.BufferedWriter):
    """Remembers a failed write, so that the OSError is told apart from any
    other the caller's code raises while writing."""

    failure: OSError | None = None

    def write(self, data: bytes) -> int:  # type: ignore[override]
        try:
            return super().write(data)
        except OSError as exc:
            self.failure = exc
            raise

    def flush(self) -> None:
        try:
            super().flush()
        except OSError as exc:
            self.failure = exc
            raise


@contextlib.contextmanager
def open_output(
    path: str | os.PathLike[str],
    *,
    database: DatabaseLocation | None,
    force: bool = False,
    label: str = "--out",
    what: str = "the file",
    create_folders: bool = False,
) -> Iterator[IO[bytes]]:
    """A binary stream whose content becomes the file `path` when the block
    ends without an error (see the module docstring)."""
    target = check_output(
        path,
        database=database,
        force=force,
        label=label,
        what=what,
        create_folders=create_folders,
    )
    if target.in_place:
        with _stream_to(target.path, target) as sink:
            yield sink
        return
    with _temporary_beside(target) as temporary, _stream_to(temporary, target) as sink:
        yield sink


@contextlib.contextmanager
def _stream_to(path: Path, target: OutputTarget) -> Iterator[_Sink]:
    """A buffered stream on `path`, flushed to disk when the block succeeds."""
    with _failures_told(target):
        raw = open(path, "wb", buffering=0)  # noqa: SIM115
    sink = _Sink(raw)
    try:
        yield sink
    except OSError as exc:
        failure = sink.failure
        _discard(sink)
        if failure is None:  # not a write of ours: the caller's own error
            raise
        raise _write_failed(target, exc) from None
    except BaseException:
        _discard(sink)
        raise
    with _failures_told(target):
        sink.flush()
        if not target.in_place:
            os.fsync(raw.fileno())
        sink.close()


def _discard(sink: _Sink) -> None:
    """Close a stream whose content will not be kept (closing also closes
    its file when the last flush fails)."""
    with contextlib.suppress(Exception):
        sink.close()


@contextlib.contextmanager
def open_text_output(
    path: str | os.PathLike[str],
    *,
    database: DatabaseLocation | None,
    force: bool = False,
    label: str = "--out",
    what: str = "the file",
    create_folders: bool = False,
) -> Iterator[TextIO]:
    """`open_output` for UTF-8 text, lines as written (the csv module's
    `newline=""`)."""
    with open_output(
        path,
        database=database,
        force=force,
        label=label,
        what=what,
        create_folders=create_folders,
    ) as sink:
        text = io.TextIOWrapper(sink, encoding="utf-8", newline="", write_through=True)
        try:
            yield text
        finally:
            # hand the stream back unclosed: open_output flushes, syncs and closes it
            with contextlib.suppress(Exception):
                text.detach()


def write_output(
    path: str | os.PathLike[str],
    content: bytes,
    *,
    database: DatabaseLocation | None,
    force: bool = False,
    label: str = "--out",
    what: str = "the file",
    create_folders: bool = False,
) -> Path:
    """Write `content` as the file `path`; returns where it went."""
    with open_output(
        path,
        database=database,
        force=force,
        label=label,
        what=what,
        create_folders=create_folders,
    ) as sink:
        sink.write(content)
    return Path(os.path.realpath(path))


def fill_output(
    path: str | os.PathLike[str],
    fill: Callable[[Path], None],
    *,
    database: DatabaseLocation | None,
    force: bool = False,
    label: str = "--out",
    what: str = "the file",
    create_folders: bool = False,
) -> Path:
    """Let `fill(temporary_path)` write a file (a SQLite copy), then give it
    the name `path`. A stale `-wal`/`-shm` beside that name is removed, as it
    would be read as part of the new file."""
    target = check_output(
        path,
        database=database,
        force=force,
        label=label,
        what=what,
        create_folders=create_folders,
    )
    if target.in_place:
        raise RefusedFile(f"{target.where}: not a regular file; name a file to write {what} to.")
    with _temporary_beside(target) as temporary:
        fill(temporary)
        with _failures_told(target):
            for suffix in SIDE_FILE_SUFFIXES:
                Path(f"{target.path}{suffix}").unlink(missing_ok=True)
    return target.path


@contextlib.contextmanager
def _temporary_beside(target: OutputTarget) -> Iterator[Path]:
    """A new 0600 file in the target's folder; renamed to the target when the
    block succeeds, removed when it fails."""
    with _failures_told(target):
        make_private_dirs(target.path.parent)
        handle, name = tempfile.mkstemp(prefix=f".{target.path.name}.", dir=target.path.parent)
        os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        with _failures_told(target):
            _place(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def _place(temporary: Path, target: OutputTarget) -> None:
    """Give the finished file its name: over an existing one only with force;
    otherwise with a hard link, which fails if the name was taken meanwhile."""
    if target.force:
        os.replace(temporary, target.path)
    else:
        try:
            os.link(temporary, target.path)
        except FileExistsError:
            raise RefusedFile(
                f"{target.where}: the file exists; add --force to replace it."
            ) from None
        except OSError:  # a file system without hard links
            if target.path.exists():
                raise RefusedFile(
                    f"{target.where}: the file exists; add --force to replace it."
                ) from None
            os.replace(temporary, target.path)
    _sync_folder(target.path.parent)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (not possible on every system)."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


@contextlib.contextmanager
def _failures_told(target: OutputTarget) -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        raise _write_failed(target, exc) from None


def _write_failed(target: OutputTarget, exc: OSError) -> RefusedFile:
    if target.in_place:
        return RefusedFile(f"{target.where}: cannot write {target.what} ({_reason(exc)}).")
    left = "the existing file was left as it was" if target.existed else "no file was written"
    return RefusedFile(f"{target.where}: cannot write {target.what} ({_reason(exc)}); {left}.")


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or exc.__class__.__name__


__all__ = [
    "OutputTarget",
    "check_output",
    "database_files",
    "fill_output",
    "open_output",
    "open_text_output",
    "write_output",
]
