"""A device that is always full (writes fail with ENOSPC), for tests of a
full disk.

Run as root, tests get their own node of it in their temporary folder: a
regression that renamed a file over its output would then replace that copy,
never the system's /dev/full."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

FULL = (1, 7)  # Linux's major and minor numbers of /dev/full


@pytest.fixture
def full_device(tmp_path: Path) -> Path:
    system = Path("/dev/full")
    if not system.is_char_device():
        pytest.skip("needs /dev/full")
    if os.geteuid() != 0:
        return system  # nobody but root can replace it
    folder = tmp_path / "devices"
    folder.mkdir()
    node = folder / "full"
    try:
        os.mknod(node, stat.S_IFCHR | 0o600, os.makedev(*FULL))
    except OSError as exc:
        pytest.skip(f"cannot make a device node here ({exc.strerror})")
    return node
