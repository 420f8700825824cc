"""Secrets: env override first, then the keyring; a missing backend is named."""

from __future__ import annotations

from pathlib import Path

import keyring
import pytest

from iqcadence.core.base.errors import InvalidValue
from iqcadence.core.store import keyring_backend, secrets
from tests.memory_keyring import (  # noqa: F401
    MemoryKeyring,
    PlaintextKeyring,
    broken_keyring,
    memory_keyring,
    plaintext_keyring,
)


def test_round_trip_through_the_keyring(memory_keyring: MemoryKeyring) -> None:  # noqa: F811
    assert secrets.get_secret("smtp_password") is None
    secrets.set_secret("smtp_password", "hunter2")
    assert memory_keyring.store[("iqcadence", "smtp_password")] == "hunter2"
    assert secrets.get_secret("smtp_password") == "hunter2"
    assert secrets.secret_source("smtp_password") == "keyring"
    assert secrets.delete_secret("smtp_password") is True
    assert secrets.delete_secret("smtp_password") is False
    assert secrets.get_secret("smtp_password") is None


def test_environment_wins_over_the_keyring(
    memory_keyring: MemoryKeyring,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    secrets.set_secret("crm_token", "from-keyring")
    monkeypatch.setenv("IQCADENCE_SECRET_CRM_TOKEN", "from-env")
    assert secrets.get_secret("crm_token") == "from-env"
    assert secrets.secret_source("crm_token") == "IQCADENCE_SECRET_CRM_TOKEN"


def test_missing_backend_names_the_override(broken_keyring: None) -> None:  # noqa: F811
    with pytest.raises(secrets.SecretStoreUnavailable) as err:
        secrets.get_secret("smtp_password")
    assert "no usable OS keyring backend" in str(err.value)
    assert "IQCADENCE_SECRET_SMTP_PASSWORD" in str(err.value)
    with pytest.raises(secrets.SecretStoreUnavailable):
        secrets.set_secret("smtp_password", "x")
    assert secrets.secret_source("smtp_password") == "unavailable"


def test_env_works_without_any_backend(
    broken_keyring: None,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("IQCADENCE_SECRET_SMTP_PASSWORD", "pw")
    assert secrets.get_secret("smtp_password") == "pw"


def test_mask_shows_no_character_of_a_secret() -> None:
    assert secrets.mask(None) == "(not set)"
    assert secrets.mask("") == "(not set)"
    assert secrets.mask("hunter2") == "********"
    assert secrets.mask("abcdefghijklmnopWXYZ4471") == "********"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://127.0.0.1:9/x", "http://127.0.0.1/****"),
        ("https://hooks.slack.com/services/T000/B000/XXXX4471", "https://hooks.slack.com/****"),
        (
            "https://bot:pa55@Hooks.Example.com:8443/zap?token=abc#frag",
            "https://hooks.example.com/****",
        ),
        ("http://[::1]:8080/hook/secret", "http://[::1]/****"),
        ("https://hooks.slack.com/****4471", "https://hooks.slack.com/****"),  # an old mask
        ("https:///no-host/secret", "********"),
        ("not a url://x", "********"),
    ],
)
def test_mask_shows_only_the_scheme_and_host_of_a_url(url: str, shown: str) -> None:
    assert secrets.mask(url) == shown
    assert secrets.mask(shown) == shown  # masking a mask changes nothing


def test_bad_names_are_refused(memory_keyring: MemoryKeyring) -> None:  # noqa: F811
    with pytest.raises(InvalidValue):
        secrets.set_secret("Bad Name", "x")
    with pytest.raises(InvalidValue):
        secrets.set_secret("ok_name", "")


def test_env_override_makes_the_keyring_unnecessary(
    broken_keyring: None,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("IQCADENCE_SECRET_CONNECTION_X", "https://hooks.example.com/t")
    secrets.set_secret("connection_x", "https://hooks.example.com/t")  # nothing to store
    assert secrets.get_secret("connection_x") == "https://hooks.example.com/t"
    with pytest.raises(InvalidValue, match="IQCADENCE_SECRET_CONNECTION_X"):
        secrets.set_secret("connection_x", "https://other.example.com/t")


def test_storing_returns_the_backend_that_took_it(
    memory_keyring: MemoryKeyring,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stored = secrets.set_secret("smtp_password", "hunter2")
    assert stored is not None and stored.name == MemoryKeyring.name
    assert stored.qualified == "tests.memory_keyring.MemoryKeyring" and not stored.plaintext
    assert secrets.storage_warning("smtp_password") is None
    monkeypatch.setenv("IQCADENCE_SECRET_SMTP_PASSWORD", "hunter2")
    assert secrets.set_secret("smtp_password", "hunter2") is None  # the environment gives it


def test_a_plaintext_backend_is_recognised_and_warned_about(
    plaintext_keyring: PlaintextKeyring,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stored = secrets.set_secret("connection_x", "https://hooks.example.com/t")
    assert stored is not None and stored.plaintext
    assert stored.location == plaintext_keyring.file_path
    warning = secrets.storage_warning("connection_x")
    assert warning is not None and plaintext_keyring.file_path in warning
    assert "IQCADENCE_SECRET_CONNECTION_X" in warning and "hooks.example.com" not in warning
    monkeypatch.setenv("IQCADENCE_SECRET_CONNECTION_X", "https://hooks.example.com/t")
    assert secrets.storage_warning("connection_x") is None  # nothing of it is in the file


def test_a_chain_is_named_by_the_backend_it_writes_to(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from keyring.backends import chainer

    first, second = PlaintextKeyring(tmp_path / "k.cfg"), MemoryKeyring()
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [first, second])
    monkeypatch.setattr(keyring, "get_keyring", lambda: chainer.ChainerBackend())
    assert keyring_backend.current().qualified == "tests.memory_keyring.PlaintextKeyring"


def test_the_null_backend_is_refused_like_a_missing_one(monkeypatch: pytest.MonkeyPatch) -> None:
    from keyring.backends import null

    monkeypatch.setattr(keyring, "get_keyring", lambda: null.Keyring())
    with pytest.raises(secrets.SecretStoreUnavailable) as refused:
        secrets.set_secret("smtp_password", "hunter2")
    assert "keeps nothing" in str(refused.value)
    assert "IQCADENCE_SECRET_SMTP_PASSWORD" in str(refused.value)
