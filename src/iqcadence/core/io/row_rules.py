"""What every restored value must be, table by table and column by column.

The rules are the ones commands and imports apply (see `value_checks` and
`row_relations`); restore refuses what they would refuse. Each column of
each table is accounted for here: checked by a value rule (`checks`), by a
rule over its row or other rows (`rows`), by a rule a higher layer registers
(`hooked`, e.g. report schedules), or listed in `typed` (its column type is
the whole rule: ids, references, times, switches) or `free` (with why any
value of its type will do). A table added later without an entry here makes
the restore of its rows fail loudly and a test fail, never pass silently.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from iqcadence.core.accounts.contacts import parse_email as parse_contact_email
from iqcadence.core.accounts.tasks import TEXT_MAX, TITLE_MAX, parse_owner
from iqcadence.core.accounts.timeline import MAX_BODY, MAX_EXTERNAL_ID, MAX_SOURCE, MAX_TITLE
from iqcadence.core.alerts.connections import KINDS, check_connection_name
from iqcadence.core.alerts.derive import CATEGORIES, SEVERITIES
from iqcadence.core.alerts.events import EVENT_TYPES
from iqcadence.core.alerts.outbox import STATUSES as OUTBOX_STATUSES
from iqcadence.core.alerts.rules import parse_schedule, parse_scope
from iqcadence.core.base.actor import ROLES
from iqcadence.core.io import row_relations as rel
from iqcadence.core.io import value_checks as v
from iqcadence.core.scoring.formula import (
    BANDS,
    GROWTH_VALUES,
    LIFECYCLES,
    SENTIMENTS,
    SIGNAL_BOUNDS,
    STATUSES,
    TIERS,
)
from iqcadence.core.store.models.crm import (
    CUSTOM_FIELD_TYPES,
    LEAD_STATUSES,
    OPPORTUNITY_STAGES,
    OWNER_ROLES,
)
from iqcadence.core.store.models.customer360 import (
    CONTACT_ROLES,
    EVENT_KINDS,
    RUN_STATUSES,
    TASK_STATUSES,
    TICKET_PRIORITIES,
)

RowHook = Callable[[Mapping[str, Any]], None]

# Words the models name in their docstrings (AlertRule.kind, AlertState.state).
RULE_KINDS: tuple[str, ...] = ("events", "custom")
ALERT_STATES: tuple[str, ...] = ("snoozed", "dismissed")


@dataclass(frozen=True)
class TableRules:
    checks: Mapping[str, v.Check] = field(default_factory=dict)
    typed: tuple[str, ...] = ()
    free: Mapping[str, str] = field(default_factory=dict)
    rows: tuple[rel.RowRule, ...] = ()
    tables: tuple[rel.TableRule, ...] = ()
    hooked: tuple[str, ...] = ()

    def covered(self) -> set[str]:
        by_rows = {name for rule in self.rows for name in rule.columns}
        return set(self.checks) | set(self.typed) | set(self.free) | by_rows | set(self.hooked)


_HOOKS: dict[str, RowHook] = {}


def register_row_hook(table: str, check: RowHook) -> None:
    """Check each row of `table` with `check` too (for rules that live above
    `io`; `runtime.wiring.install()` registers them)."""
    _HOOKS[table] = check


def row_hook(table: str) -> RowHook:
    try:
        return _HOOKS[table]
    except KeyError:
        raise RuntimeError(
            f"no restore rule is registered for table {table}: "
            "iqcadence.core.runtime.wiring.install() was not called."
        ) from None


_SIGNALS = {name: v.signal(name) for name in SIGNAL_BOUNDS}
_DERIVED = "derived: never restored, worked out again from the restored data"
_TIMES = ("created_at", "updated_at")

RULES: dict[str, TableRules] = {
    "client": TableRules(
        checks={"name": rel.client_name},
        typed=("id", "created_at"),
        tables=(rel.unique_in_any_case("client", "name"),),
    ),
    "user_client": TableRules(typed=("user_id", "client_id")),
    "api_key": TableRules(
        checks={
            "name": rel.api_key_name,
            "role": v.one_of(ROLES),
            "prefix": v.required_line,
            "key_hash": rel.sha256_hex,
            "created_by": v.line,
        },
        typed=("id", "client_id", "created_at", "last_used_at"),
        tables=(rel.unique_in_any_case("api_key", "name", within="client_id"),),
    ),
    "api_call": TableRules(
        checks={
            **dict.fromkeys(("method", "action"), v.required_line),
            **dict.fromkeys(("key_name", "customer_name"), v.line),
            "status": v.whole(100),
            "duration_ms": v.at_least(0),
        },
        typed=("id", "client_id", "at"),
        free={"customer_id": "the customer may since have been deleted: the name is kept"},
    ),
    "api_replay": TableRules(
        checks={
            "idempotency_key": rel.idempotency_key,
            "request_hash": rel.sha256_hex,
            "status": v.whole(100),
            "response": v.json_object,
        },
        typed=("id", "api_key_id", "created_at"),
    ),
    "user": TableRules(
        # an identity is an e-mail, or a login name on a fresh database
        checks={"email": v.required_line, "name": v.line, "role": v.one_of(ROLES)},
        typed=("id", "created_at"),
        tables=(rel.an_admin,),
    ),
    "customer": TableRules(
        checks={
            "name": v.name,
            **dict.fromkeys(("domain", "phone", "industry", "manager"), v.line),
            "website": v.website,
            "email": v.email,
            "notes": v.notes,
            "tier": v.one_of(TIERS),
            "lifecycle": v.one_of(LIFECYCLES),
            "status": v.one_of(STATUSES),
            "sentiment": v.one_of(SENTIMENTS),
            "growth": v.one_of(GROWTH_VALUES),
            "band": v.one_of(BANDS),
            "mrr": v.money,
            "arr": v.money,
            "tags": v.tags,
            "scoring_profile": v.line,
            **{name: _SIGNALS[name] for name in ("logins", "adoption", "tickets", "nps", "csat")},
            "days_baseline": _SIGNALS["days"],
            "score": v.score,
            **dict.fromkeys(
                ("renewal_date", "customer_since", "next_touch", "last_contact_date"), v.day
            ),
        },
        typed=(
            "id",
            "client_id",
            "days_as_of",
            "score_manual",
            "scored_at",
            *_TIMES,
        ),
        rows=(rel.customer_name_key, rel.profile_exists),
    ),
    "score_snapshot": TableRules(
        checks={
            "score": v.score,
            "band": v.one_of(BANDS),
            **{name: _SIGNALS[name] for name in SIGNAL_BOUNDS},
            "growth": v.one_of(GROWTH_VALUES),
            "weights": v.weights,
            "source": v.line,
        },
        typed=("id", "customer_id", "taken_at"),
    ),
    "setting": TableRules(
        checks={"key": v.required_line, "value": v.json_object, "updated_by": v.line},
        typed=("client_id", "updated_at"),
        rows=(rel.setting_block,),
    ),
    "scoring_profile": TableRules(
        checks={"name": v.name, "description": v.notes, "weights": rel.full_weights},
        typed=("id", "client_id", "created_at"),
    ),
    "audit_entry": TableRules(
        checks={
            "user_email": v.line,
            "action": v.required_line,
            "customer_name": v.line,
            "details": v.json_object,
        },
        typed=("id", "client_id", "at"),
        free={"customer_id": "the customer may since have been deleted: the name is kept"},
    ),
    "custom_field_definition": TableRules(
        checks={
            "key": rel.field_key,
            "label": v.required_line,
            "type": v.one_of(CUSTOM_FIELD_TYPES),
            "options": v.texts,
            "position": v.whole(0),
        },
        typed=("id", "client_id", "created_at"),
        rows=(rel.RowRule(("options",), rel.field_options),),
        tables=(rel.labels_unique,),
    ),
    "custom_field_value": TableRules(
        typed=("id", "customer_id", "field_id", "updated_at"),
        rows=(rel.custom_value,),
    ),
    "customer_owner": TableRules(
        checks={"role": v.one_of(OWNER_ROLES)},
        typed=("id", "customer_id", "user_id", "created_at"),
    ),
    "opportunity": TableRules(
        checks={
            "name": v.name,
            "amount": v.money,
            "stage": v.one_of(OPPORTUNITY_STAGES),
            "notes": v.notes,
            "expected_close": v.day,
        },
        typed=("id", "customer_id", "closed_at", *_TIMES),
    ),
    "lead": TableRules(
        checks={
            "name": v.name,
            **dict.fromkeys(("phone", "industry"), v.line),
            "website": v.website,
            "email": v.email,
            "notes": v.notes,
            "status": v.one_of(LEAD_STATUSES),
        },
        typed=("id", "client_id", "promoted_customer_id", *_TIMES),
    ),
    "contact": TableRules(
        checks={
            "name": v.name,
            "email": v.parsed_as_stored(parse_contact_email),
            "phone": v.line,
            "role": v.one_of(CONTACT_ROLES),
        },
        typed=("id", "customer_id", *_TIMES),
        rows=(rel.customer_name_key,),
    ),
    "timeline_event": TableRules(
        checks={
            "kind": v.one_of(EVENT_KINDS),
            "author": v.line,
            "title": v.line_up_to(MAX_TITLE, required=True),
            "body": v.text_up_to(MAX_BODY),
            "priority": v.one_of(TICKET_PRIORITIES),
            "properties": v.json_object,
            "source": v.line_up_to(MAX_SOURCE),
            "external_id": v.line_up_to(MAX_EXTERNAL_ID),
        },
        typed=("id", "customer_id", "at", "contact_id", "created_at"),
        rows=(rel.event_status,),
    ),
    "event_signal": TableRules(
        checks={"signal": v.one_of(tuple(SIGNAL_BOUNDS))},
        typed=("customer_id", "updated_at"),
        rows=(rel.signal_value,),
    ),
    "playbook": TableRules(
        checks={"trigger": v.condition},
        typed=("id", "client_id", *_TIMES),
        rows=(rel.playbook_spec, rel.customer_name_key),
    ),
    "playbook_run": TableRules(
        checks={
            "status": v.one_of(RUN_STATUSES),
            "started_by": v.line,
            "trigger": rel.run_trigger,
        },
        typed=("id", "playbook_id", "customer_id", "started_at", "finished_at"),
    ),
    "task": TableRules(
        checks={
            "title": v.line_up_to(TITLE_MAX, required=True),
            "description": v.text_up_to(TEXT_MAX),
            "owner": lambda _field, value: parse_owner(value, ""),
            "status": v.one_of(TASK_STATUSES),
            "outcome": v.text_up_to(TEXT_MAX),
            "step": v.whole(0),
            "created_by": v.line,
            "due": v.day,
        },
        typed=("id", "customer_id", "playbook_run_id", "created_at", "completed_at"),
    ),
    "alert_state": TableRules(
        checks={
            "category": v.one_of(CATEGORIES),
            "state": v.one_of(ALERT_STATES),
            "severity": v.one_of(SEVERITIES),
            "updated_by": v.line,
        },
        typed=("id", "client_id", "customer_id", "snoozed_until", "updated_at"),
    ),
    "alert_rule": TableRules(
        checks={
            "name": rel.rule_name,
            "kind": v.one_of(RULE_KINDS),
            "events": v.event_specs,
            "conditions": v.conditions,
            "scope": v.parsed_as_stored(parse_scope),
            "channels": v.texts,
            "schedule": v.parsed_as_stored(parse_schedule),
            "revision": v.whole(1),
            "created_by": v.line,
        },
        typed=("id", "client_id", "enabled", "last_digest_at", *_TIMES),
        rows=(rel.notify_name_key, rel.rule_parts, rel.channels_exist),
    ),
    "notify_connection": TableRules(
        checks={
            "name": v.parsed_as_stored(check_connection_name),
            "kind": v.one_of(KINDS),
            "target": v.line,
            "keyring_name": v.line,
            "created_by": v.line,
        },
        typed=("id", "client_id", "created_at"),
        rows=(rel.notify_name_key, rel.email_targets),
    ),
    "event_webhook": TableRules(
        checks={
            "event": v.one_of(tuple(EVENT_TYPES)),
            "target": v.line,
            "keyring_name": v.required_line,
            "created_by": v.line,
        },
        typed=("id", "client_id", "created_at"),
        rows=(rel.webhook_param,),
    ),
    "customer_watch": TableRules(
        checks={"facts": v.watch_facts},
        typed=("customer_id", "client_id", "seen_at"),
    ),
    "outbox": TableRules(
        checks={
            **dict.fromkeys(("idempotency_key", "channel", "event"), v.required_line),
            **dict.fromkeys(("rule_name", "customer_name", "claimed_by"), v.line),
            "payload": v.payload,
            "status": v.one_of(OUTBOX_STATUSES),
            "attempts": v.whole(0),
            "last_error": v.notes,
        },
        typed=(
            "id",
            "client_id",
            "event_at",
            "next_attempt_at",
            "claimed_at",
            "created_at",
            "sent_at",
        ),
        free={
            "kind": "the sender's kind; an unknown one fails that delivery alone, which "
            "is retried and then marked dead",
            "rule_id": "the rule may since have been removed: the rule's name is kept",
            "customer_id": "the customer may since have been deleted: the name is kept",
            "digest_id": "the digest row that took this one in, kept for the record",
        },
    ),
    "report_schedule": TableRules(
        checks={
            "every": v.required_line,
            "recipients": v.texts,
            "format": v.required_line,
            "filters": v.json_object,
            "created_by": v.line,
        },
        typed=("id", "client_id", "enabled", "last_period", "created_at"),
        # report types, formats and periods are the reports layer's own rules
        hooked=("report_type", "every", "recipients", "format", "filters"),
    ),
    # Derived from the tables above: a backup lists them without rows, and a
    # restore leaves them empty whatever the file holds (worked out again).
    "alert_current": TableRules(
        typed=("id", "client_id", "customer_id", "severity_rank", "category_rank"),
        free=dict.fromkeys(
            (
                "category",
                "severity",
                "customer_name",
                "sort_name",
                "manager",
                "mrr",
                "mrr_order",
                "reason",
                "data",
            ),
            _DERIVED,
        ),
    ),
    "alert_upkeep": TableRules(
        typed=("client_id", "alerts_on", "swept_on", "updated_at"),
        free=dict.fromkeys(("alerts_signature", "sweep_signature"), _DERIVED),
    ),
}
