"""A database with rows in every table, made through the core services the
commands call, so its backup holds only values iqcadence itself writes."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import keyring
import pytest

from tests.memory_keyring import MemoryKeyring

ADMIN = "admin@example.com"


def fill(database: object) -> None:
    from sqlmodel import select

    from iqcadence.core.accounts import (
        contacts,
        custom_fields,
        customers,
        leads,
        opportunities,
        owners,
        playbooks,
        tasks,
        timeline,
    )
    from iqcadence.core.alerts import config, connections, rules, state, webhooks
    from iqcadence.core.reports import schedules, service
    from iqcadence.core.store import (
        api_keys,
        api_log,
        api_replay,
        clients,
        display,
        mail,
        settings,
        users,
    )
    from iqcadence.core.store.models import User, UserClient
    from iqcadence.core.store.users import resolve_actor

    with database.session() as session:  # type: ignore[attr-defined]
        actor = resolve_actor(session)
        users.add_user(session, actor, "sam@example.com", role="csm")
        users.add_user(session, actor, "vic@example.com", role="viewer")
        other = clients.add_client(session, actor, "Second Client")
        sam = session.exec(select(User).where(User.email == "sam@example.com")).one()
        session.add(UserClient(user_id=sam.id, client_id=other.id))
        session.commit()
        settings.save_profile(session, actor, "Enterprise", {"logins": 50, "nps": 50})
        config.set_alert_config(session, actor, {"tickets_warning": "2"})
        mail.save_settings(
            session,
            actor,
            mail.validate(host="smtp.example.com", port=587, user=None, sender="cs@example.com"),
        )
        service.set_company(session, actor, "Northwind CS")
        display.set_currency(session, actor, "€")
        api_keys.save_limits(session, actor, rate=10, burst=20)
        connections.add_connection(session, actor, "cs-mail", kind="email", target="cs@example.com")
        webhooks.set_webhook(session, actor, "health_below:40", "https://hooks.example.com/x1")
        rules.add_rule(session, actor, "Risk", events=["health_below:50"], channels=["cs-mail"])
        rules.add_custom_rule(
            session, actor, "Big and low", conditions=["score < 40"], channels=["cs-mail"]
        )
        for name, values in (
            ("Acme Corp", {"logins": 22, "nps": 9, "mrr": "5000", "tier": "mid"}),
            ("Globex", {"logins": 25, "adoption": 80, "tickets": 0, "nps": 9, "days": 3}),
            (
                "Initech",
                {"logins": 2, "scoring_profile": "Enterprise", "renewal_date": "2027-01-15"},
            ),
        ):
            customers.apply_changes(session, actor, name, values)
        # now observed by the rules: a drop fires them (outbox, watch)
        customers.apply_changes(session, actor, "Globex", {"logins": 0, "adoption": 0, "nps": 1})
        custom_fields.define_field(session, actor, "plan", type="dropdown", options=["Gold"])
        acme = customers.get_customer(session, actor, "Acme Corp")
        custom_fields.set_value(session, actor, acme, "plan", "gold")
        owners.set_owners(session, actor, "Acme Corp", primary=ADMIN, co_owners=["sam@example.com"])
        opportunities.add_opportunity(session, actor, "Acme Corp", "Seats", amount=900)
        leads.add_lead(session, actor, "Hooli", status="contacted", website="hooli.com")
        contacts.add_contact(
            session, actor, "Acme Corp", "Dana Li", role="champion", email="dana@acme.com"
        )
        timeline.log_event(
            session, actor, "Acme Corp", kind="ticket", title="Login fails", status="pending"
        )
        spec = playbooks.spec_from_dict(
            {"name": "Renewal prep", "steps": [{"title": "Review health", "offset_days": 0}]}
        )
        playbooks.save_playbook(session, actor, spec)
        playbooks.start_playbook(session, actor, "Renewal prep", "Acme Corp")
        tasks.add_task(session, actor, "Acme Corp", "Send the quote", due="2026-12-05")
        state.snooze(session, actor, "Globex", "health", for_period="7d")
        schedules.add_schedule(
            session, actor, "portfolio", every="weekly@mon-08:00", recipients="lead@example.com"
        )
        key, _raw = api_keys.create_key(session, actor, "ci", "csm")
        api_log.record_calls(
            session,
            [api_log.CallRecord(datetime(2026, 11, 27, 9), "GET", "customers.list", 200, 3.5, 1)],
        )
        body_hash = api_replay.request_hash("POST", "/customers", b"{}")
        api_replay.store_replay(session, key.id or 0, "retry-1", body_hash, 201, {"id": 1})
        session.commit()


@pytest.fixture(scope="module")
def every_table(template_db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The filled database and its backup (made once per module: copy them)."""
    from iqcadence.core.io import backup
    from iqcadence.core.runtime import freshness
    from iqcadence.core.store.db import open_database, resolve_location

    folder = tmp_path_factory.mktemp("every_table")
    path = folder / "filled.db"
    shutil.copyfile(template_db, path)
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("IQCADENCE_USER", ADMIN)
        patch.setenv("IQCADENCE_TODAY", "2026-11-27")
        patch.setenv("IQCADENCE_DATA_DIR", str(folder / "data"))
        patch.setenv("IQCADENCE_SEND_ON_CHANGE", "0")
        database = open_database(resolve_location(path))
        try:
            fill(database)
            # opened today, as by any command: the day's decay refresh is done,
            # so a command that changes nothing leaves it exactly as it is
            freshness.ensure_scores_current(database)
            backup.create_backup(database, folder / "saved.json")
        finally:
            database.dispose()
            keyring.set_keyring(previous)
    return path, folder / "saved.json"
