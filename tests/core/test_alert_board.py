"""The Alerts board read from the current alerts: the same alerts and
figures as a derivation and as `alerts list` / `alerts exposure`, its first
customers listed whole, read through indexes without deriving."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from iqcadence.core.accounts import customers
from iqcadence.core.alerts import current, state
from iqcadence.core.alerts.derive import derive_alerts
from iqcadence.core.alerts.exposure import mrr_exposure
from iqcadence.core.base.actor import Actor
from iqcadence.core.read import alert_board
from tests.core.test_alert_current import TODAY, board, derived, kept  # noqa: F401
from tests.factories import build_portfolio


def test_every_reader_gives_the_same_figures(cli: Any, session: Any, actor: Actor) -> None:
    build_portfolio(session, actor, days=21)
    first = derived(session, actor)[0]
    state.snooze(session, actor, first["customer"], first["category"], for_period="7d")
    listed = cli("alerts", "list", "--json", "--include-snoozed")
    exposure = cli("alerts", "exposure", "--json")
    assert listed.exit_code == 0 and exposure.exit_code == 0, listed.output + exposure.output
    alerts = json.loads(listed.stdout)
    session.expire_all()
    assert alerts == derived(session, actor)
    read = alert_board.alert_board(session, actor)
    plain = mrr_exposure(derive_alerts(session, actor.client_id, include_snoozed=True))
    assert json.loads(exposure.stdout) == read.exposure == plain
    assert read.exposure["customers"] > 0
    visible = cli("alerts", "list", "--json")
    assert read.total == len(json.loads(visible.stdout)) == len(alerts) - 1


@pytest.mark.usefixtures("board")
def test_the_board_reads_the_table_without_deriving(
    session: Any, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("the board derived the alerts")

    monkeypatch.setattr("iqcadence.core.alerts.current.derive_alerts", refuse)
    found = alert_board.alert_board(session, actor, per_group=2, customer_groups=3)
    assert found.total == len(kept(session, actor))
    assert all(len(items) <= 2 for items in found.groups["category"].values())
    assert len(found.groups["customer"]) == 3 and found.customers > 3


@pytest.mark.usefixtures("board")
@pytest.mark.parametrize("listed", [1, 2, 5, 40])
def test_the_board_lists_the_first_customers_whole(session: Any, actor: Actor, listed: int) -> None:
    found = alert_board.alert_board(session, actor, customer_groups=listed)
    everything = derive_alerts(session, actor.client_id)
    first = list(dict.fromkeys(alert.customer_id for alert in everything))[:listed]
    expected = {cid: [a.to_dict() for a in everything if a.customer_id == cid] for cid in first}
    got = {
        items[0].customer_id: [a.to_dict() for a in items]
        for items in found.groups["customer"].values()
    }
    assert list(got) == first and got == expected


def test_customers_with_many_alerts_first_are_listed_whole(
    session: Any, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The two largest customers have six warnings each, before anyone
    else's: the first rows of the board name one customer only, and the
    board reads on until it has the customers it lists."""
    for name, mrr in (("Alpha", 9000), ("Beta", 8000), ("Gamma", 100)):
        monkeypatch.setenv("IQCADENCE_TODAY", (TODAY - timedelta(days=8)).isoformat())
        customers.apply_changes(session, actor, name, {"logins": 30, "adoption": 90, "mrr": mrr})
        monkeypatch.setenv("IQCADENCE_TODAY", TODAY.isoformat())
        soon = (TODAY + timedelta(days=45)).isoformat()
        customers.apply_changes(
            session,
            actor,
            name,
            {
                "logins": 5,
                "adoption": 30,
                "tickets": 3,
                "nps": 2,
                "days": 100,
                "tier": "smb",
                "renewal_date": soon,
            },
        )
    current.ensure_current(session, actor.client_id)
    alpha = [a for a in kept(session, actor) if a["customer"] == "Alpha"]
    assert len(alpha) >= 6 and {a["severity"] for a in alpha[:6]} == {"warning"}
    found = alert_board.alert_board(session, actor, customer_groups=2)
    assert list(found.groups["customer"]) == ["Alpha", "Beta"]
    assert [a.to_dict() for a in found.groups["customer"]["Alpha"]] == alpha


@pytest.mark.usefixtures("board")
@pytest.mark.parametrize("show_hidden", [False, True])
def test_the_board_read_equals_the_board_made_from_a_derivation(
    engine_db: Any, session: Any, actor: Actor, show_hidden: bool
) -> None:
    listed = kept(session, actor)
    state.dismiss(session, actor, listed[0]["customer"], listed[0]["category"])
    state.snooze(session, actor, listed[3]["customer"], listed[3]["category"], for_period="1d")
    read = alert_board.alert_board(session, actor, show_hidden=show_hidden, per_group=3)
    everything = derive_alerts(
        session, actor.client_id, include_snoozed=True, include_dismissed=True
    )
    made = alert_board.board_of(everything, show_hidden, 3, alert_board.CUSTOMER_GROUPS)

    def shape(found: Any) -> Any:
        return (
            [a.to_dict() for a in found.alerts],
            {
                by: {k: [a.to_dict() for a in v] for k, v in g.items()}
                for by, g in found.groups.items()
            },
            found.counts,
            found.total,
            found.customers,
            found.exposure,
        )

    assert shape(read) == shape(made)
