"""Team mode: the same CLI session on PostgreSQL gives what it gives on SQLite.

Runs against a real server (see tests/postgres_server.py). Every command is
run twice, once per engine, and the JSON outputs are compared."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

IMPORT = (
    "Company,CSM,MRR,Logins,Adoption %,Tickets,NPS,Days Since Contact,Renews On,Growth,"
    "Tier,Tags,Stage\n"
    'Acme Corp,Ana Souza,"$5,000",22,75%,1,Promoter,10,2027-03-15,Strong,Enterprise,'
    "vip|beta,Active\n"
    "Globex,Ben Carter,1.2k,2,10%,6,Detractor,120,15 Jan 2027,None,SMB,,Active\n"
    'Initech,Ana Souza,900,14,,2,7,,"Mar 1, 2027",mild,Mid-Market,legacy,onboarding\n'
    "acme corp ,Ben Carter,1,1,1%,1,1,1,,,,,\n"
    "Umbrella,Chloé Martin,abc,5,50%,0,9,3,2027-06-30,N/A,mid,vip,Active\n"
    "Zoë Café,Chloé Martin,300,30,90%,0,10,1,2027-02-01,strong,smb,partner,Active\n"
)


def _steps(tmp_path: Path) -> list[tuple[str, ...]]:
    source = tmp_path / "accounts.csv"
    source.write_text(IMPORT, encoding="utf-8")
    return [
        ("import", "csv", str(source), "--json"),  # refused: two bad rows
        ("import", "csv", str(source), "--skip-invalid", "--json"),
        ("customers", "list", "--json"),
        ("customers", "list", "--search", "ana", "--json"),
        ("customers", "list", "--search", "cafe", "--json"),
        ("customers", "list", "--sort", "score", "--desc", "--limit", "2", "--json"),
        ("customers", "list", "--tier", "enterprise", "--band", "expansion", "--json"),
        ("score", "Globex", "--logins", "25", "--nps", "9", "--json"),
        (
            "config",
            "weights",
            "set",
            "logins=40",
            "adoption=10",
            "tickets=20",
            "nps=15",
            "days=10",
            "growth=5",
        ),
        ("rescore", "--json"),
        ("audit", "--action", "customer.lifecycle", "--json"),
        ("explain", "Globex", "--json"),
        ("customers", "edit", "Initech", "--set", "tier=enterprise", "--json"),
        ("customers", "archive", "Initech"),
        ("customers", "list", "--status", "archived", "--json"),
    ]


def _more_steps(tmp_path: Path) -> list[tuple[str, ...]]:
    """Customer 360 records, history, alerts and reports."""
    history = tmp_path / "history.csv"
    history.write_text(
        "customer,date,logins,nps,days\n"
        "Globex,2026-10-01,20,9,3\n"
        "Globex,2026-11-20,5,3,40\n"
        "Acme Corp,2026-11-01,25,10,2\n",
        encoding="utf-8",
    )
    return [
        ("import", "history", str(history), "--json"),
        ("customers", "show", "Globex", "--json"),
        ("contacts", "add", "Globex", "Ana Ruiz", "--role", "champion", "--json"),
        ("log", "Globex", "--kind", "call", "--title", "Renewal check-in", "--json"),
        ("tasks", "add", "Globex", "Send the QBR deck", "--due", "2026-11-20", "--json"),
        ("opportunities", "add", "Acme Corp", "Seats", "--amount", "12000", "--json"),
        ("timeline", "Globex", "--json"),
        ("myday", "--json"),
        ("brief", "Globex", "--json"),
        ("next", "Globex", "--json"),
        ("alerts", "list", "--json"),
        ("report", "renewals", "--format", "csv", "--out", "-"),
        ("report", "at-risk", "--format", "csv", "--out", "-"),
        ("report", "trend", "--format", "csv", "--out", "-"),
    ]


def _normal(value: Any) -> Any:
    """Drop what differs by design between two databases: ids, clock stamps."""
    if isinstance(value, dict):
        return {
            k: _normal(v)
            for k, v in value.items()
            if k not in {"id", "file", "at", "taken_at", "scored_at", "created_at", "updated_at"}
            and not k.endswith("_id")
        }
    if isinstance(value, list):
        return [_normal(v) for v in value]
    return value


def _run_all(cli: Any, steps: list[tuple[str, ...]], *, default_db: bool) -> list[Any]:
    outputs = []
    for step in steps:
        result = cli(*step, db=default_db)
        out = result.stdout.strip()
        parsed = json.loads(out) if out.startswith(("{", "[")) else out if "csv" in step else None
        outputs.append((step[:2], result.exit_code, _normal(parsed)))
    return outputs


def test_a_cli_session_on_postgresql_matches_sqlite(
    cli: Any, postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The clock is fixed so that both engines' outputs (a brief's generated_at)
    # agree whatever minute each run happens to fall in.
    monkeypatch.setenv("IQCADENCE_NOW", "2026-11-27T09:30")
    steps = _steps(tmp_path) + _more_steps(tmp_path)
    on_sqlite = _run_all(cli, steps, default_db=True)
    monkeypatch.setenv("IQCADENCE_DATABASE_URL", postgres_url)
    on_postgres = _run_all(cli, steps, default_db=False)
    for sqlite_step, postgres_step in zip(on_sqlite, on_postgres, strict=True):
        if postgres_step != sqlite_step:
            import difflib

            diff = difflib.unified_diff(
                json.dumps(sqlite_step, indent=1, sort_keys=True, default=str).splitlines(),
                json.dumps(postgres_step, indent=1, sort_keys=True, default=str).splitlines(),
                "sqlite",
                "postgresql",
                lineterm="",
            )
            pytest.fail("\n".join(diff))
    # and the session did real work: a refusal, then an import with two rejects
    assert on_sqlite[0][1] == 1 and on_sqlite[1][1] == 3
    names = [c["name"] for c in on_sqlite[2][2]]
    assert names == ["Acme Corp", "Globex", "Initech", "Zoë Café"]  # Umbrella: bad MRR
    assert [c["name"] for c in on_sqlite[4][2]] == ["Zoë Café"]
    moved = next(out for step, _code, out in on_sqlite if step == ("audit", "--action"))
    assert moved and moved[-1]["details"] == {
        "from": "active",
        "to": "atrisk",
        "band": "critical",
        "cause": "import",
    }
    first = len(_steps(tmp_path))
    assert [c["name"] for c in on_sqlite[first - 1][2]] == ["Initech"]
    assert [(step, code) for step, code, _out in on_sqlite[2:] if code != 0] == []
    # the later steps read and wrote real records on both engines
    later = {step: out for step, _code, out in on_sqlite[first:]}
    assert later[("import", "history")]["snapshots"] == 3
    assert any(e["kind"] == "call" for e in later[("timeline", "Globex")])
    assert {a["customer"] for a in later[("alerts", "list")]} >= {"Globex"}
    reports = {step[1]: str(out).splitlines() for step, out in later.items() if step[0] == "report"}
    assert [line.split(",")[1] for line in reports["renewals"][1:]] == [
        "Globex",
        "Zoë Café",
        "Acme Corp",
    ]
    assert len(reports["trend"]) > 30  # a line per day
    assert reports["at-risk"][0].startswith("name,score,band")  # nobody is below 50
    # the second run really went to PostgreSQL
    from sqlalchemy import create_engine, text

    engine = create_engine(postgres_url)
    try:
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT name FROM customer ORDER BY name_key")).scalars()
            assert list(stored) == names
    finally:
        engine.dispose()
