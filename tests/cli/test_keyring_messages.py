"""Storing a secret names the keyring backend that took it, and warns when
that backend keeps it in clear in a file (keyrings.alt's PlaintextKeyring)."""

from __future__ import annotations

import json
from typing import Any

from tests.memory_keyring import (  # noqa: F401
    MemoryKeyring,
    PlaintextKeyring,
    memory_keyring,
    plaintext_keyring,
)

SMTP = ("smtp", "set", "--host", "smtp.example.com", "--from", "cs@example.com")


def test_smtp_set_names_the_backend_used(cli: Any, memory_keyring: MemoryKeyring) -> None:  # noqa: F811
    result = cli(*SMTP, "--user", "cs", "--password-stdin", input="hunter2\n")
    assert result.exit_code == 0, result.stderr
    assert f"Password stored in the keyring backend {MemoryKeyring.name}." in result.stdout
    assert "OS keyring" not in result.stdout
    assert result.stderr == ""
    shown = json.loads(cli("smtp", "show", "--json").stdout)
    assert shown["keyring_backend"] == MemoryKeyring.name
    assert shown["keyring_plaintext"] is False


def test_a_plaintext_backend_is_named_and_warned_about(
    cli: Any,
    plaintext_keyring: PlaintextKeyring,  # noqa: F811
) -> None:
    result = cli(*SMTP, "--user", "cs", "--password-stdin", input="hunter2\n")
    assert result.exit_code == 0, result.stderr
    assert f"Password stored in the keyring backend {PlaintextKeyring.name}." in result.stdout
    warning = " ".join(result.stderr.split())
    assert warning.startswith("warning: ")
    assert "keeps secrets unencrypted in a plain-text file" in warning
    assert plaintext_keyring.file_path in warning and "IQCADENCE_SMTP_PASSWORD" in warning
    assert "hunter2" not in result.stdout + result.stderr
    shown = json.loads(cli("smtp", "show", "--json").stdout)
    assert shown["keyring_plaintext"] is True

    for args, variable in (
        (
            ("connections", "add", "cs", "--webhook", "https://hooks.example.com/t0k3n"),
            "IQCADENCE_SECRET_CONNECTION_CS",
        ),
        (
            ("webhooks", "set", "became_at_risk", "https://hooks.example.com/t0k3n"),
            "IQCADENCE_SECRET_WEBHOOK_BECAME_AT_RISK",
        ),
    ):
        stored = cli(*args)
        assert stored.exit_code == 0, stored.stderr
        said = " ".join(stored.stderr.split())
        assert "plain-text file" in said and variable in said and "t0k3n" not in said
