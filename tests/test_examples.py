"""The crontab lines in examples/cron.txt run as written (paths pointed at a
temporary folder)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CRON = ROOT / "examples" / "cron.txt"
FIELD = re.compile(r"^(\*|\*/\d+|\d+(-\d+)?(,\d+(-\d+)?)*)$")
RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))


def cron_entries() -> tuple[dict[str, str], list[tuple[list[str], str]]]:
    env: dict[str, str] = {}
    jobs: list[tuple[list[str], str]] = []
    for line in CRON.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if re.match(r"^[A-Z_]+=", line):
            key, value = line.split("=", 1)
            env[key] = value
            continue
        parts = line.split(None, 5)
        jobs.append((parts[:5], parts[5]))
    return env, jobs


def test_schedule_fields_are_valid() -> None:
    _env, jobs = cron_entries()
    assert len(jobs) == 3
    for fields, _command in jobs:
        for text, (low, high) in zip(fields, RANGES, strict=True):
            assert FIELD.match(text), text
            for number in re.findall(r"\d+", text.split("/")[0]):
                assert low <= int(number) <= high


def test_cron_commands_run(tmp_path: Path, template_db: Path) -> None:
    import shutil

    env_lines, jobs = cron_entries()
    db = tmp_path / "iqcadence.db"
    shutil.copyfile(template_db, db)
    (tmp_path / "exports").mkdir()
    (tmp_path / "reports").mkdir()
    (tmp_path / "log").mkdir()
    (tmp_path / "exports" / "accounts.csv").write_text(
        "Company,CSM,MRR,Logins,Adoption,NPS\n"
        'Acme Corp,Sarah,"$5,000",22,75%,9\n'
        "Globex,Miguel,1.2k,3,10%,4\n"
    )
    # `date` answers one fixed day, so both digest runs name the same file even
    # when the test runs across midnight
    shims = tmp_path / "bin"
    shims.mkdir()
    (shims / "date").write_text("#!/bin/sh\necho 2026-11-23\n")
    (shims / "date").chmod(0o755)
    env = {**os.environ, "IQCADENCE_DB": str(db), "IQCADENCE_USER": "admin@example.com"}
    path = [str(shims), str(Path(sys.executable).parent), env_lines.get("PATH", "")]
    env["PATH"] = os.pathsep.join(path)
    assert env_lines["IQCADENCE_DB"] and env_lines["IQCADENCE_USER"]
    # the digest twice: a re-run the same day replaces that day's file
    for _fields, command in [*jobs, jobs[1]]:
        command = (
            command.replace("\\%", "%")
            .replace("/srv/exports", str(tmp_path / "exports"))
            .replace("/srv/reports", str(tmp_path / "reports"))
            .replace("/var/log/iqcadence", str(tmp_path / "log"))
        )
        done = subprocess.run(
            ["/bin/sh", "-c", command], env=env, capture_output=True, text=True, timeout=120
        )
        logs = {p.name: p.read_text() for p in (tmp_path / "log").glob("*.log")}
        assert done.returncode == 0, (command, done.stdout, done.stderr, logs)
    assert '"created": 2' in (tmp_path / "log" / "import.log").read_text()
    (digest,) = (tmp_path / "reports").glob("digest-*.pdf")  # one: the re-run replaced it
    assert digest.name == "digest-2026-11-23.pdf"
    assert digest.read_bytes().startswith(b"%PDF")
    ran = json.loads((tmp_path / "log" / "automations.log").read_text())
    assert {k: ran[k] for k in ("queued", "sent", "failed", "errors")} == {
        "queued": 0,  # no rules yet, so nothing to send
        "sent": 0,
        "failed": 0,
        "errors": [],
    }


@pytest.mark.parametrize("path", sorted((ROOT / "examples" / "playbooks").glob("*.toml")))
def test_example_playbooks_load(path: Path) -> None:
    from iqcadence.core.accounts.playbooks import load_playbook_file

    assert load_playbook_file(path).name == tomllib.loads(path.read_text())["name"]
