"""Secrets (SMTP password, tokens, API keys): the OS keyring, never the database.

A secret named `smtp_password` is read from the environment variable
`IQCADENCE_SECRET_SMTP_PASSWORD` first, then from the keyring under the
service `iqcadence`. When no keyring backend is usable the error says so and
names the environment variable to use instead; nothing is ever written in
clear anywhere else. Storing a secret returns the backend that took it
(`keyring_backend`), so it can be named, and `storage_warning` warns when
that backend keeps secrets in a plain-text file. Values never appear in
logs or audit details: use `mask` to show that one is set.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from keyring.errors import KeyringError

from iqcadence.core.base.errors import InvalidValue, IQError
from iqcadence.core.store import keyring_backend
from iqcadence.core.store.keyring_backend import KeyringBackend

SERVICE = "iqcadence"
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
# What a missing or broken backend raises: NoKeyringError (also a
# RuntimeError), other KeyringErrors, RuntimeError from a forced unusable
# backend, OSError from a dead D-Bus session.
_UNUSABLE = (KeyringError, RuntimeError, OSError)


class SecretStoreUnavailable(IQError):
    """No usable keyring backend, and no environment override given."""


def env_name(name: str) -> str:
    """The environment variable that overrides secret `name`."""
    return "IQCADENCE_SECRET_" + _check(name).upper()


def get_secret(name: str, *, also_env: Iterable[str] = ()) -> str | None:
    """The secret's value, or None when it is not set anywhere.

    Order: `IQCADENCE_SECRET_<NAME>`, then any `also_env` variables (for
    documented shorthands such as IQCADENCE_SMTP_PASSWORD), then the keyring.
    """
    for variable in (env_name(name), *also_env):
        value = os.environ.get(variable)
        if value:
            return value
    _check(name)
    import keyring

    try:
        value = keyring.get_password(SERVICE, name)
    except _UNUSABLE as exc:
        raise _unavailable(name, "read", exc) from None
    return value if value else None


def set_secret(name: str, value: str) -> KeyringBackend | None:
    """Store a secret in the keyring (refused clearly when none is usable);
    returns the backend that took it, or None when the environment already
    gives this value and nothing was stored."""
    if not value:
        raise InvalidValue(f"secret {name}: the value must not be empty.")
    _check(name)
    override = os.environ.get(env_name(name))
    if override:
        # The environment already provides it (CI, containers, headless
        # servers): nothing to store, and the keyring need not exist.
        if override == value:
            return None
        raise InvalidValue(
            f"{env_name(name)} is set to a different value and overrides the keyring; "
            "unset it or give the same value."
        )
    import keyring

    try:
        backend = keyring_backend.current()
        if backend.stores_nothing:
            raise RuntimeError(f"the {backend.name} backend keeps nothing")
        keyring.set_password(SERVICE, name, value)
    except _UNUSABLE as exc:
        raise _unavailable(name, "store", exc) from None
    return backend


def storage_warning(name: str, *, also_env: Iterable[str] = ()) -> str | None:
    """A warning when secret `name` is kept by a backend that writes it in
    clear (None when it is not, or when the environment gives the secret).
    The remedy it names is the first of `also_env`, else IQCADENCE_SECRET_<NAME>."""
    variables = (*also_env, env_name(name))
    if any(os.environ.get(variable) for variable in variables):
        return None
    try:
        backend = keyring_backend.current()
    except _UNUSABLE:
        return None
    return backend.warning(variables[0])


def delete_secret(name: str) -> bool:
    """Remove a secret from the keyring; False when it was not there."""
    _check(name)
    import keyring
    from keyring.errors import NoKeyringError, PasswordDeleteError

    try:
        keyring.delete_password(SERVICE, name)
    except NoKeyringError as exc:
        raise _unavailable(name, "delete", exc) from None
    except PasswordDeleteError:
        return False
    except _UNUSABLE as exc:
        raise _unavailable(name, "delete", exc) from None
    return True


def secret_source(name: str, *, also_env: Iterable[str] = ()) -> str:
    """Where the secret would come from: the env variable's name, `keyring`,
    `unset`, or `unavailable` (no keyring backend). Never raises."""
    for variable in (env_name(name), *also_env):
        if os.environ.get(variable):
            return variable
    try:
        return "keyring" if get_secret(name) is not None else "unset"
    except IQError:
        return "unavailable"


HIDDEN = "********"
_URL = re.compile(r"^([a-z][a-z0-9+.-]*)://", re.IGNORECASE)


def mask(value: str | None) -> str:
    """A secret shown safely: whether it is set, never any of its characters.

    A URL shows its scheme and host alone (`https://hooks.slack.com/****`):
    enough to tell channels apart, while its user, password, port, path and
    query, where tokens live, stay hidden. Masking a mask changes nothing,
    so targets stored in an earlier, looser form can be shown through it."""
    if not value:
        return "(not set)"
    scheme = _URL.match(value)
    if scheme is not None:
        try:
            host = urlsplit(value).hostname
        except ValueError:
            host = None
        if host:
            shown = f"[{host}]" if ":" in host else host
            return f"{scheme.group(1).lower()}://{shown}/****"
    return HIDDEN


def _check(name: str) -> str:
    if not _NAME.match(name):
        raise InvalidValue(
            f"secret name {name!r}: use lower-case letters, digits and underscores, "
            "starting with a letter."
        )
    return name


def _unavailable(name: str, verb: str, exc: BaseException) -> SecretStoreUnavailable:
    reason = str(exc).split(". ")[0].strip().rstrip(".") or type(exc).__name__
    return SecretStoreUnavailable(
        f"cannot {verb} secret {name!r}: no usable OS keyring backend ({reason}); "
        f"set the environment variable {env_name(name)} instead, or install a keyring "
        "backend (e.g. gnome-keyring or KWallet on Linux)."
    )
