"""A keyring backend that keeps secrets in memory, for tests only.

Its priority raises, so keyring never picks it by itself; tests install it
with the `memory_keyring` fixture (and `broken_keyring` installs one that
fails like a machine without any backend, `plaintext_keyring` one that
writes secrets in clear to a file, as keyrings.alt's PlaintextKeyring does).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from keyring.compat import properties
from keyring.errors import PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    @properties.classproperty
    def priority(cls) -> float:  # noqa: N805
        raise RuntimeError("test-only backend")

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.store.pop((service, username), None) is None:
            raise PasswordDeleteError("not set")


class PlaintextKeyring(MemoryKeyring):
    """Stands in for keyrings.alt's file.PlaintextKeyring (same class name,
    scheme and `file_path`), which iqcadence does not depend on: secrets in
    clear, in a file anyone with read access to it can read."""

    scheme = "[Plaintext] no encyption"

    def __init__(self, file_path: Path) -> None:
        super().__init__()
        self.file_path = str(file_path)

    def set_password(self, service: str, username: str, password: str) -> None:
        super().set_password(service, username, password)
        with open(self.file_path, "a", encoding="utf-8") as file:
            file.write(f"[{service}]\n{username} = {password}\n")


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def broken_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        yield
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def plaintext_keyring(tmp_path: Path) -> Iterator[PlaintextKeyring]:
    previous = keyring.get_keyring()
    backend = PlaintextKeyring(tmp_path / "keyring_pass.cfg")
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)
