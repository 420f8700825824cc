"""SMTP as providers run it: STARTTLS (the default) or TLS from the start,
a certificate the client must verify, and a login. The client trusts the
test's CA through `smtp set --ca-file` or IQCADENCE_SMTP_CA_FILE; it never
turns verification off."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.memory_keyring import MemoryKeyring, memory_keyring  # noqa: F401
from tests.smtp_server import (  # noqa: F401
    PASSWORD,
    USER,
    SecureInbox,
    ssl_smtp_server,
    starttls_smtp_server,
)


def smtp_set(cli: Any, port: int, *extra: str, password: str = PASSWORD) -> Any:
    return cli(
        "smtp",
        "set",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--user",
        USER,
        "--from",
        USER,
        "--timeout",
        "5",
        "--password-stdin",
        *extra,
        input=password + "\n",
    )


def test_starttls_with_login_through_a_trusted_ca(
    cli: Any,
    starttls_smtp_server: SecureInbox,  # noqa: F811
    memory_keyring: MemoryKeyring,  # noqa: F811
) -> None:
    server = starttls_smtp_server
    configured = smtp_set(cli, server.port, "--starttls", "--ca-file", str(server.ca_file))
    assert configured.exit_code == 0, configured.stderr
    shown = json.loads(cli("smtp", "show", "--json").stdout)
    assert shown["security"] == "starttls" and shown["ca_file"] == str(server.ca_file)

    sent = cli("smtp", "test", "ops@example.com")
    assert sent.exit_code == 0, sent.stderr
    assert server.logins == [(USER, PASSWORD, True)]  # logged in, inside TLS
    assert server.encrypted == [True]
    sender, recipients, message = server.messages[0]
    assert (sender, recipients) == (USER, ["ops@example.com"])
    assert message["Subject"] == "iqcadence SMTP test"


def test_the_certificate_is_verified(
    cli: Any,
    starttls_smtp_server: SecureInbox,  # noqa: F811
    memory_keyring: MemoryKeyring,  # noqa: F811
) -> None:
    server = starttls_smtp_server
    assert smtp_set(cli, server.port, "--starttls").exit_code == 0  # no CA given
    refused = cli("smtp", "test", "ops@example.com")
    assert refused.exit_code == 1
    assert f"SMTP 127.0.0.1:{server.port}: TLS failed" in refused.stderr
    assert "CERTIFICATE_VERIFY_FAILED" in refused.stderr
    assert server.logins == [] and server.messages == []  # no password went out


def test_a_wrong_password_is_refused_by_the_server(
    cli: Any,
    starttls_smtp_server: SecureInbox,  # noqa: F811
    memory_keyring: MemoryKeyring,  # noqa: F811
) -> None:
    server = starttls_smtp_server
    ca = str(server.ca_file)
    assert smtp_set(cli, server.port, "--ca-file", ca, password="wrong").exit_code == 0
    refused = cli("smtp", "test", "ops@example.com")
    assert refused.exit_code == 1
    assert f"refused the login of '{USER}'" in refused.stderr and "wrong" not in refused.stderr
    # smtplib tries each mechanism the server offers (PLAIN, then LOGIN)
    assert server.logins and set(server.logins) == {(USER, "wrong", True)}
    assert server.messages == []


def test_ssl_with_login_trusting_the_ca_from_the_environment(
    cli: Any,
    ssl_smtp_server: SecureInbox,  # noqa: F811
    memory_keyring: MemoryKeyring,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = ssl_smtp_server
    assert smtp_set(cli, server.port, "--ssl").exit_code == 0
    monkeypatch.setenv("IQCADENCE_SMTP_CA_FILE", str(server.ca_file))
    sent = cli("smtp", "test", "ops@example.com")
    assert sent.exit_code == 0, sent.stderr
    assert server.logins == [(USER, PASSWORD, True)] and server.encrypted == [True]
    assert server.messages[0][1] == ["ops@example.com"]


def test_a_ca_file_that_is_not_one_is_refused(
    cli: Any,
    tmp_path: Path,
    memory_keyring: MemoryKeyring,  # noqa: F811
) -> None:
    not_pem = tmp_path / "ca.pem"
    not_pem.write_text("not a certificate\n")
    for path in (tmp_path / "missing.pem", not_pem):
        refused = smtp_set(cli, 587, "--ca-file", str(path))
        assert refused.exit_code == 2
        assert f"smtp ca file: {path}" in refused.stderr
    assert json.loads(cli("smtp", "show", "--json").stdout)["configured"] is False


def test_a_ca_file_gone_since_is_named_when_sending(
    cli: Any,
    starttls_smtp_server: SecureInbox,  # noqa: F811
    memory_keyring: MemoryKeyring,  # noqa: F811
) -> None:
    server = starttls_smtp_server
    assert smtp_set(cli, server.port, "--ca-file", str(server.ca_file)).exit_code == 0
    server.ca_file.unlink()
    assert cli("smtp", "show").exit_code == 0
    refused = cli("smtp", "test", "ops@example.com")
    assert refused.exit_code == 1
    assert f"cannot read the CA file {server.ca_file}" in refused.stderr
    assert server.logins == [] and server.messages == []
