"""Which keyring backend holds our secrets, told to people as it is.

`keyring` picks a backend by itself: the desktop's Secret Service, macOS
Keychain, Windows Credential Locker, or whatever was installed or configured
(PYTHON_KEYRING_BACKEND). Some keep secrets in clear: keyrings.alt's
`PlaintextKeyring` writes them to a file anyone who can read it can read,
and `null.Keyring` keeps nothing at all. So after storing a secret the app
names the backend that took it, and warns when that backend is a plain-text
one; the null backend is refused like a missing one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class KeyringBackend:
    """The backend secrets go to, as shown to people."""

    name: str  # keyring's display name, e.g. "SecretService Keyring"
    qualified: str  # module and class, e.g. "keyrings.alt.file.PlaintextKeyring"
    plaintext: bool  # keeps secrets unencrypted
    stores_nothing: bool  # the null backend
    location: str | None = None  # the file it writes, when it says

    def warning(self, override: str) -> str | None:
        """One sentence when secrets kept here are readable in clear, naming
        the environment variable that avoids storing them at all."""
        if not self.plaintext:
            return None
        where = f" ({self.location})" if self.location else ""
        return (
            f"the keyring backend {self.name} ({self.qualified}) keeps secrets unencrypted "
            f"in a plain-text file{where}, readable by anyone who can read that file; use a "
            "system keyring (e.g. gnome-keyring or KWallet on Linux) or set "
            f"{override} instead."
        )


def current() -> KeyringBackend:
    """The backend keyring uses now; for a chain of backends, the first one,
    which is the one a secret is written to."""
    import keyring
    from keyring.backends.chainer import ChainerBackend

    backend: Any = keyring.get_keyring()
    if isinstance(backend, ChainerBackend):
        chained = list(ChainerBackend.backends)
        if chained:
            backend = chained[0]
    return describe(backend)


def describe(backend: Any) -> KeyringBackend:
    cls = type(backend)
    labels = (cls.__name__, str(getattr(backend, "scheme", "") or ""))
    location = getattr(backend, "file_path", None)
    return KeyringBackend(
        name=str(getattr(cls, "name", cls.__name__)),
        qualified=f"{cls.__module__}.{cls.__qualname__}",
        plaintext=any("plaintext" in label.lower() for label in labels),
        stores_nothing=cls.__module__ == "keyring.backends.null",
        location=str(location) if location else None,
    )
