"""Which modules contribute commands, in the order `--help` lists them. Each
defines `register(app)`, adding its sub-app or top-level commands. The
imports are plain imports: a module that goes missing fails at once instead
of its commands vanishing (each keeps its heavy imports inside commands, so
this stays light)."""

from __future__ import annotations

import typer

from iqcadence.cli import (
    alerts,
    api_cmds,
    api_keys,
    audit,
    automations,
    backup,
    clients,
    config,
    connections,
    contacts,
    customers,
    db,
    demo,
    exports,
    fields,
    imports,
    leads,
    myday,
    opportunities,
    outreach,
    owners,
    playbooks,
    reports,
    rules,
    scoring_cmds,
    serve,
    tasks,
    timeline,
    users,
    webhooks,
)

MODULES = (
    # the spine
    scoring_cmds,  # score, rescore, explain
    customers,
    config,
    audit,
    users,
    clients,
    demo,
    db,
    # data in and out
    imports,  # import csv, import history
    exports,  # export csv, export bulksheet
    backup,  # backup, restore
    # Customer 360
    contacts,
    timeline,  # log, timeline, import events
    tasks,
    playbooks,
    fields,
    owners,
    opportunities,
    leads,
    myday,  # myday, brief
    outreach,  # email, meeting, smtp
    # alerts and delivery
    alerts,
    connections,
    rules,
    webhooks,
    automations,  # automations run, outbox, next
    # reports
    reports,  # report, reports schedule, qbr, customers export-record
    # the REST API
    serve,
    api_keys,
    api_cmds,  # api log, api limits
)


def register(app: typer.Typer) -> None:
    for module in MODULES:
        module.register(app)
