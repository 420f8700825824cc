"""Which modules contribute commands. Each module listed here defines
`register(app)`, adding its sub-app or top-level commands; a module that
does not exist yet is skipped, a broken one fails loudly."""

from __future__ import annotations

import importlib
import importlib.util

import typer

MODULES: tuple[str, ...] = (
    # 1/6 the spine
    "scoring_cmds",  # score, rescore, explain
    "customers",
    "config",
    "audit",
    "users",
    "demo",
    "db",
    # 2/6 data in and out
    "imports",  # import csv, import history
    "exports",  # export csv, export bulksheet
    "backup",  # backup, restore
    # 3/6 Customer 360
    "contacts",
    "timeline",  # log, timeline, import events
    "tasks",
    "playbooks",
    "fields",
    "owners",
    "opportunities",
    "leads",
    "myday",  # myday, brief
    "outreach",  # email, meeting, smtp
    # 4/6 alerts and delivery
    "alerts",
    "connections",
    "rules",
    "webhooks",
    "automations",  # automations run, outbox, next
    # 6/6 reports
    "reports",  # report, reports schedule, qbr, customers export-record
)


def register(app: typer.Typer) -> None:
    for name in MODULES:
        qualified = f"iqcadence.cli.{name}"
        if importlib.util.find_spec(qualified) is None:
            continue
        importlib.import_module(qualified).register(app)
