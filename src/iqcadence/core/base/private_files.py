"""Files and folders only their owner can read.

Customer data (the database and its side files, backups, copies, exports)
is created 0600 and the folders iqcadence makes for it 0700, whatever the
umask: a umask only takes permissions away, so asking for these modes at
creation is enough, and there is no moment when the file is readable by
others. Folders and files that already exist keep the permissions they have.
"""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700


def make_private_dirs(path: Path) -> None:
    """Create the folder `path` and any missing parents, each 0700."""
    missing: list[Path] = []
    current = path
    while not current.exists() and current.parent != current:
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=PRIVATE_DIR_MODE)
        except FileExistsError:  # made by another process meanwhile
            if not folder.is_dir():
                raise


def create_private_file(path: Path) -> bool:
    """Create `path` empty and 0600; False when it already exists (left as it is)."""
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    except FileExistsError:
        return False
    os.close(handle)
    return True


__all__ = [
    "PRIVATE_DIR_MODE",
    "PRIVATE_FILE_MODE",
    "create_private_file",
    "make_private_dirs",
]
