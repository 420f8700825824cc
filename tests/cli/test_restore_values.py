"""`iqcadence restore FILE --yes` checks every value of a hand-edited backup.

The checksum only catches accidents: anyone editing the file can recompute
it. So each case below edits one value, re-signs the file and expects the
restore to refuse it in one sentence naming the table, the row and the
column, with exit code 1 and the database exactly as it was.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.cli.every_table import every_table  # noqa: F401
from tests.factories import dump

Doc = dict[str, Any]
BANDS = "critical, at_risk, watch, healthy, expansion"


@pytest.fixture
def db_path(every_table: tuple[Path, Path], tmp_path: Path) -> Path:  # noqa: F811
    """The filled database (the `cli` fixture runs against it)."""
    target = tmp_path / "filled.db"
    shutil.copyfile(every_table[0], target)
    return target


def load(every_table: tuple[Path, Path]) -> Doc:  # noqa: F811
    data: Doc = json.loads(every_table[1].read_text(encoding="utf-8"))
    return data


def resign(doc: Doc) -> Doc:
    """Recompute the checksum as the README says: canonical JSON of every other key."""
    body = {key: value for key, value in doc.items() if key != "sha256"}
    canonical = json.dumps(
        body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    doc["sha256"] = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return doc


def cell(doc: Doc, table: str, column: str, value: Any, row: int = 0) -> Doc:
    entry = doc["tables"][table]
    entry["rows"][row][entry["columns"].index(column)] = value
    return doc


def value_of(doc: Doc, table: str, column: str, row: int = 0) -> Any:
    entry = doc["tables"][table]
    return entry["rows"][row][entry["columns"].index(column)]


def _set(table: str, column: str, value: Any, row: int = 0) -> Callable[[Doc], Doc]:
    return lambda doc: cell(doc, table, column, value, row)


def setting(key: str, change: Callable[[dict[str, Any]], None]) -> Callable[[Doc], Doc]:
    def edit(doc: Doc) -> Doc:
        entry = doc["tables"]["setting"]
        for row in entry["rows"]:
            if row[entry["columns"].index("key")] == key:
                change(row[entry["columns"].index("value")])
        return doc

    return edit


def restore_refused(cli: Any, db_path: Path, tmp_path: Path, doc: Doc) -> str:
    path = tmp_path / "backup.json"
    path.write_text(json.dumps(resign(doc)), encoding="utf-8")
    before = dump(db_path)
    result = cli("restore", path, "--yes")
    assert result.exit_code == 1, result.output
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1, message
    assert message.startswith(f"error: {path}: ") and message.endswith("; nothing was restored.")
    assert dump(db_path) == before
    return message


# --- the values accepted before restore checked them ----------------------------------


def test_a_band_no_screen_knows_is_refused_with_table_row_and_column(
    every_table: tuple[Path, Path],  # noqa: F811
    cli: Any,
    db_path: Path,
    tmp_path: Path,
) -> None:
    doc = cell(load(every_table), "customer", "band", "superb", row=2)
    message = restore_refused(cli, db_path, tmp_path, doc)
    assert message == (
        f"error: {tmp_path / 'backup.json'}: customer row 3 (id 3): band: 'superb' is not "
        f"one of {BANDS}; nothing was restored."
    )


def _all_viewers(doc: Doc) -> Doc:
    for row in range(len(doc["tables"]["user"]["rows"])):
        cell(doc, "user", "role", "viewer", row)
    return doc


def _name_in_other_case(doc: Doc) -> Doc:
    """A hand edit of a name alone: its key still says "globex"."""
    return cell(doc, "customer", "name", "ACME CORP", row=1)


def _second_primary(doc: Doc) -> Doc:
    return cell(doc, "customer_owner", "role", "primary", row=1)


def _label_twice(doc: Doc) -> Doc:
    entry = doc["tables"]["custom_field_definition"]
    twin = list(entry["rows"][0])
    columns = entry["columns"]
    twin[columns.index("id")] = 99
    twin[columns.index("key")] = "plan_level"
    twin[columns.index("type")] = "text"
    twin[columns.index("options")] = []
    entry["rows"].append(twin)
    return doc


def _long_note(doc: Doc) -> Doc:
    return cell(doc, "customer", "notes", "x" * (64 * 1024 + 1))


CASES = [
    # the five kinds of value the issue found restored, and what followed
    pytest.param(
        _set("customer", "score", -50), "customer row 1 (id 1): score:", id="negative score"
    ),
    pytest.param(_set("user", "role", "root"), "user row 1 (id 1): role: 'root'", id="role root"),
    pytest.param(_all_viewers, "user: role: none of the 3 users is an admin", id="no admin"),
    pytest.param(_set("customer", "mrr", -1e308), "row 1 (id 1): mrr:", id="huge negative mrr"),
    pytest.param(
        _set("customer", "name", "N" * 100_000), "name: must be at most 200", id="100,000-char name"
    ),
    # customer
    pytest.param(
        _set("customer", "tier", "gold"), "tier: 'gold' is not one of smb", id="unknown tier"
    ),
    pytest.param(
        _set("customer", "lifecycle", "zombie"), "lifecycle: 'zombie'", id="unknown lifecycle"
    ),
    pytest.param(
        _set("customer", "name", "Acme\x1b[2J"),
        "customer row 1 (id 1): name:",
        id="escape in a name",
    ),
    pytest.param(_set("customer", "nps", 11), "nps: must be between 0 and 10", id="nps 11"),
    pytest.param(_set("customer", "mrr", 1e13), "mrr: must be at most", id="money beyond 10^12"),
    pytest.param(
        _set("customer", "email", "not-mail"), "email: 'not-mail' is not an e-mail", id="bad e-mail"
    ),
    pytest.param(_long_note, "notes: must be at most 64 KiB", id="notes over 64 KiB"),
    pytest.param(
        _set("customer", "tags", "vip|\x07"), "tags: must be one line", id="bell in a tag"
    ),
    pytest.param(
        _set("customer", "name_key", "zzz"),
        "name_key: 'zzz' is not the key",
        id="a name key of another name",
    ),
    pytest.param(
        _name_in_other_case,
        "customer row 2 (id 2): name_key: 'globex' is not the key of the name 'ACME CORP'",
        id="a name twice in other case",
    ),
    pytest.param(
        _set("customer", "scoring_profile", "Gold", 2),
        "scoring_profile: 'Gold' is not a scoring profile",
        id="missing profile",
    ),
    pytest.param(
        _set("customer", "renewal_date", "9999-01-01", 2),
        "renewal_date: must be between",
        id="year 9999",
    ),
    # the other tables
    pytest.param(
        _set("score_snapshot", "band", "superb"),
        "score_snapshot row 1 (id 1): band:",
        id="snapshot band",
    ),
    pytest.param(
        _set("score_snapshot", "weights", {"logins": -5}),
        "weights.logins: must be a whole number",
        id="snapshot weight",
    ),
    pytest.param(
        setting("alerts", lambda v: v.update(tickets_warning=0)),
        "setting row 1 (client_id 1, key 'alerts'): value: alerts.tickets_warning",
        id="alert setting",
    ),
    pytest.param(
        setting("display", lambda v: v.update(currency="\x1b[31m")),
        "value: currency:",
        id="currency",
    ),
    pytest.param(
        setting("api", lambda v: v.update(burst=0)),
        "value: burst: must be between 1 and 1000000, got 0",
        id="api limits",
    ),
    pytest.param(
        setting("smtp", lambda v: v.update(port=70000)),
        "value: smtp port: 70000 is not between 1 and 65535",
        id="smtp port",
    ),
    pytest.param(
        _set("scoring_profile", "weights", {"logins": 90}),
        "weights: must total 100",
        id="profile weights",
    ),
    pytest.param(
        _set("audit_entry", "details", []),
        "audit_entry row 1 (id 1): details: expected a JSON object",
        id="audit details",
    ),
    pytest.param(
        _set("custom_field_definition", "type", "colour"),
        "type: 'colour' is not one of text",
        id="field type",
    ),
    pytest.param(
        _set("custom_field_definition", "options", []),
        "options: field 'plan': a dropdown needs",
        id="dropdown without options",
    ),
    pytest.param(
        _label_twice,
        "custom_field_definition row 2 (id 99): label: 'Plan' names field 'plan'",
        id="a label twice",
    ),
    pytest.param(
        _set("custom_field_value", "value", "Platinum"),
        "value: plan: 'Platinum' is not one of the options",
        id="dropdown value",
    ),
    pytest.param(
        _set("customer_owner", "role", "boss"),
        "customer_owner row 1 (id 1): role:",
        id="owner role",
    ),
    pytest.param(
        _second_primary,
        "customer_id 1 appears twice among rows with role 'primary'",
        id="two primaries",
    ),
    pytest.param(
        _set("opportunity", "stage", "maybe"), "stage: 'maybe' is not one of discovery", id="stage"
    ),
    pytest.param(
        _set("lead", "status", "hot"), "lead row 1 (id 1): status: 'hot'", id="lead status"
    ),
    pytest.param(
        _set("contact", "role", "ceo"), "contact row 1 (id 1): role: 'ceo'", id="contact role"
    ),
    pytest.param(
        _set("contact", "email", "Dana@Acme.com"),
        "email: 'Dana@Acme.com' is not in the form iqcadence stores ('dana@acme.com')",
        id="contact e-mail case",
    ),
    pytest.param(
        _set("timeline_event", "kind", "fax"), "kind: 'fax' is not one of email", id="event kind"
    ),
    pytest.param(
        _set("timeline_event", "status", "closed", 1),
        "timeline_event row 2 (id 2): status: 'closed' is not one of open, pending, solved",
        id="ticket status",
    ),
    pytest.param(
        _set("event_signal", "value", -3),
        "event_signal row 1 (customer_id 1, signal 'tickets'): value: must be at least 0",
        id="negative ticket count",
    ),
    pytest.param(
        _set("playbook", "steps", []),
        "playbook row 1 (id 1): steps: a playbook needs at least one",
        id="playbook with no steps",
    ),
    pytest.param(
        _set("playbook", "trigger", "score <<< 4"),
        "playbook row 1 (id 1): trigger:",
        id="playbook trigger",
    ),
    pytest.param(
        _set("playbook_run", "status", "paused"),
        "status: 'paused' is not one of active",
        id="run status",
    ),
    pytest.param(
        _set("task", "status", "blocked"), "task row 1 (id 1): status: 'blocked'", id="task status"
    ),
    pytest.param(
        _set("task", "owner", "nobody"), "owner: 'nobody' is not an e-mail address", id="task owner"
    ),
    pytest.param(
        _set("alert_state", "category", "weather"),
        "category: 'weather' is not one of health",
        id="alert category",
    ),
    pytest.param(
        _set("alert_rule", "schedule", "hourly"),
        "alert_rule row 1 (id 1): schedule: 'hourly' is not realtime",
        id="rule schedule",
    ),
    pytest.param(
        _set("alert_rule", "events", [{"type": "explode", "param": None}]),
        "events[1]: 'explode' is not one of health_below",
        id="rule event",
    ),
    pytest.param(
        _set("alert_rule", "channels", ["nowhere"]),
        "channels: 'nowhere' is not a saved connection",
        id="rule channel",
    ),
    pytest.param(
        _set("alert_rule", "conditions", ["score >"], 1),
        "alert_rule row 2 (id 2): conditions[1]:",
        id="rule condition",
    ),
    pytest.param(
        _set("notify_connection", "kind", "pager"),
        "kind: 'pager' is not one of slack",
        id="connection kind",
    ),
    pytest.param(
        _set("event_webhook", "event", "explode"),
        "event_webhook row 1 (id 1): event: 'explode'",
        id="webhook event",
    ),
    pytest.param(
        _set("customer_watch", "facts", {"events": {"score": "high"}}),
        "facts.events.score: expected a number, got 'high'",
        id="watched facts",
    ),
    pytest.param(
        _set("outbox", "status", "lost"), "outbox row 1 (id 1): status: 'lost'", id="outbox status"
    ),
    pytest.param(
        _set("outbox", "payload", {"lines": "one"}),
        "payload.lines: expected an array of texts",
        id="outbox lines",
    ),
    pytest.param(
        _set("report_schedule", "report_type", "astrology"),
        "report_schedule row 1 (id 1): report_type: report type 'astrology' is not one of",
        id="report type",
    ),
    pytest.param(
        _set("report_schedule", "every", "hourly"),
        "every: 'hourly' is not daily@HH:MM",
        id="report period",
    ),
    pytest.param(
        _set("report_schedule", "format", "docx"),
        "format: 'docx' is not one of pdf, csv",
        id="report format",
    ),
    pytest.param(
        _set("client", "name", "DEFAULT", 1),
        "client row 2 (id 2): name: 'DEFAULT' is 'Default' in another case",
        id="client name case",
    ),
    pytest.param(
        _set("api_key", "role", "root"), "api_key row 1 (id 1): role: 'root'", id="api key role"
    ),
    pytest.param(
        _set("api_key", "key_hash", "xyz"), "key_hash: 'xyz' is not a SHA-256", id="api key hash"
    ),
    pytest.param(
        _set("api_call", "status", 42),
        "api_call row 1 (id 1): status: must be at least 100",
        id="api call status",
    ),
]


@pytest.mark.parametrize(("edit", "reason"), CASES)
def test_a_re_signed_backup_with_a_bad_value_is_refused(
    every_table: tuple[Path, Path],  # noqa: F811
    cli: Any,
    db_path: Path,
    tmp_path: Path,
    edit: Callable[[Doc], Doc],
    reason: str,
) -> None:
    message = restore_refused(cli, db_path, tmp_path, edit(load(every_table)))
    assert reason in message
    assert len(message) < 600  # a long value is cut, not printed whole


def test_every_table_of_the_app_restores_as_written(
    every_table: tuple[Path, Path],  # noqa: F811
    cli: Any,
    db_path: Path,
) -> None:
    """What iqcadence writes passes its own checks: a primary owner and a
    co-owner of one customer, a run next to others, every table filled
    (derived tables are listed without rows: they are worked out again)."""
    from iqcadence.core.io.backup import all_tables, is_derived

    derived = {table.name for table in all_tables() if is_derived(table)}
    doc = load(every_table)
    tables = doc["tables"]
    assert all(tables[name]["rows"] for name in tables if name not in derived), "a table is empty"
    assert derived and all(not tables[name]["rows"] for name in derived)
    result = cli("restore", every_table[1], "--yes", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["counts"]["customer_owner"] == 2
