"""E-mails on the command line match users in any case: `--as`,
IQCADENCE_USER, `users`, `owners set` and `tasks list --owner`."""

from __future__ import annotations

import json
from typing import Any

import pytest


def test_the_command_line_matches_emails_in_any_case(
    cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    listed = cli("--as", "ADMIN@example.com", "customers", "list")
    assert listed.exit_code == 0, listed.stderr
    assert cli("users", "add", "ana@example.com", "--role", "csm").exit_code == 0
    twice = cli("users", "add", "Ana@Example.com")
    assert twice.exit_code == 1 and "user 'ana@example.com' already exists" in twice.stderr
    assert cli("--as", "Ana@Example.com", "score", "Acme", "--adoption", "50").exit_code == 0
    owners = cli("owners", "set", "Acme", "--primary", "ANA@EXAMPLE.COM")
    assert owners.exit_code == 0, owners.stderr
    added = cli("tasks", "add", "Acme", "Send the quote", "--owner", "Ana@example.com")
    assert added.exit_code == 0, added.stderr
    monkeypatch.setenv("IQCADENCE_USER", "ANA@example.COM")
    mine = json.loads(cli("tasks", "list", "--mine", "--json").stdout)
    assert [t["title"] for t in mine] == ["Send the quote"]
    theirs = json.loads(cli("tasks", "list", "--owner", "ana@EXAMPLE.com", "--json").stdout)
    assert [t["title"] for t in theirs] == ["Send the quote"]
