"""Alerts at scale, in-process: deriving every alert of a large portfolio,
reading them from the current alerts (the board, `alerts list`, the MRR
exposure), working the current alerts out whole (once a day, or after the
alert settings changed), and an `automations run` sweep with rules on.

Each step is compared with a reference measured in the same run: reading
every active customer row with one SELECT (what any whole-portfolio view
must at least do). The ratio is printed; nothing is asserted.

Sweeps: the first records every customer, the next one (same day) finds
nothing moved (target ≤ 1× the reference), the next day's finds the
customers whose days without contact crossed a rule's threshold (target
≤ 2×). Then, in a process of its own (so peak RSS is its own), a rescore
that moves most scores with an event rule switched on and no customer
observed yet: the bulk change hook compares each changed customer with its
state before the rescore.

    python bench/alerts.py                  # 100,000 customers
    python bench/alerts.py --sizes 20000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _portfolio  # noqa: E402


def _add_bench_connection(session: Any, client_id: int) -> None:
    """A webhook channel named "bench" whose URL is never read (the sweeps
    only queue), saved directly so the measurement needs no keyring."""
    from iqcadence.core.store.models.alerts import Connection

    session.add(
        Connection(
            client_id=client_id,
            name="bench",
            name_key="bench",
            kind="webhook",
            target="-",
            keyring_name="connection_bench",
        )
    )
    session.commit()


def timed(fn: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


TARGET_QUIET_SWEEP = 1.0  # × the reference, when nothing moved since the last sweep
TARGET_NEXT_DAY_SWEEP = 2.0  # × the reference, the next day


def measure(n: int) -> None:
    from sqlalchemy import text

    from iqcadence.core.alerts import current, current_reads, engine, rules
    from iqcadence.core.alerts.derive import derive_alerts
    from iqcadence.core.alerts.exposure import mrr_exposure
    from iqcadence.core.read.alert_board import alert_board
    from iqcadence.core.runtime import wiring
    from iqcadence.core.store.db import open_database, resolve_location

    wiring.install()
    from iqcadence.core.store.users import resolve_actor

    _portfolio.env()
    path = _portfolio.with_current_alerts(
        _portfolio.fresh_copy(_portfolio.cached(n), f"alerts-{n}")
    )
    database = open_database(resolve_location(path))
    with database.session() as session:
        actor = resolve_actor(session, _portfolio.ADMIN)
        reference, _ = timed(
            lambda: (
                session.connection()
                .execute(text("SELECT * FROM customer WHERE status = 'active'"))
                .all()
            )
        )
        derive_s, alerts = timed(lambda: derive_alerts(session, actor.client_id))
        exposure_s, exposure = timed(lambda: mrr_exposure(alerts))
        assert current.is_current(session, actor.client_id)  # as the writes keep it
        board_s, board = timed(lambda: alert_board(session, actor))
        listed_s, listed = timed(
            lambda: current_reads.list_alerts(
                session, actor.client_id, include_snoozed=True, include_dismissed=True
            )
        )
        table_exposure_s, table_exposure = timed(
            lambda: current_reads.exposure(session, actor.client_id)
        )
        assert len(listed) == len(alerts) and table_exposure == board.exposure == exposure
        rebuild_s, _ = timed(lambda: current.rebuild(session, actor.client_id))
        session.rollback()
        _add_bench_connection(session, actor.client_id)
        rules.add_rule(
            session, actor, "bench", events=["health_below:50", "no_contact:30"], channels=["bench"]
        )
        prime_s, _ = timed(lambda: engine.sweep(session, actor.client_id))
        session.commit()
        sweep_s, queued = timed(lambda: engine.sweep(session, actor.client_id))
        session.commit()
        os.environ["IQCADENCE_TODAY"] = (_portfolio.TODAY + timedelta(days=1)).isoformat()
        day_s, day_queued = timed(lambda: engine.sweep(session, actor.client_id))
        session.commit()
        os.environ["IQCADENCE_TODAY"] = _portfolio.TODAY.isoformat()
    database.dispose()
    print(f"{n:>9,} customers, {len(alerts):,} alerts, exposure ${exposure['total_mrr']:,.0f}")
    targets = {"quiet": TARGET_QUIET_SWEEP, "day": TARGET_NEXT_DAY_SWEEP}
    for key, label, seconds in (
        ("", "read every row (reference)", reference),
        ("", "derive_alerts (every alert, derived)", derive_s),
        ("", "exposure of those", exposure_s),
        ("", "alert board (from the table)", board_s),
        ("", "alerts list, every alert (table)", listed_s),
        ("", "exposure (from the table)", table_exposure_s),
        ("", "work the table out whole (daily)", rebuild_s),
        ("", "first sweep (records what it sees)", prime_s),
        ("quiet", f"next sweep ({queued} queued)", sweep_s),
        ("day", f"next day's sweep ({day_queued} queued)", day_s),
    ):
        line = f"  {label:<38} {seconds * 1000:>9.0f} ms  ×{seconds / reference:>6.2f}"
        if key:
            verdict = "ok" if seconds / reference <= targets[key] else "MISS"
            line += f"  (target ≤ {targets[key]:g}× {verdict})"
        print(line)
    rescore = _child_rescore(n)
    print(
        f"  rescore with a rule on: {rescore['changed']:,} changed, "
        f"{rescore['queued']:,} notifications queued; rescore {rescore['seconds']:.2f} s, "
        f"alert hook {rescore['alert_seconds']:.2f} s; peak RSS {rescore['rss_mib']:.1f} MiB "
        f"({rescore['rss_before_hook_mib']:.1f} MiB before the alert hook)"
    )


RESCORE_WEIGHTS = {
    "logins": 30,
    "adoption": 20,
    "tickets": 20,
    "nps": 15,
    "csat": 0,
    "days": 10,
    "growth": 5,
}


def _child_rescore(n: int) -> dict[str, Any]:
    path = _portfolio.fresh_copy(_portfolio.cached(n), f"alerts-rescore-{n}")
    result = subprocess.run(
        [sys.executable, __file__, "--rescore-child", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"rescore measurement failed:\n{result.stderr}")
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def rescore_child(path: Path) -> dict[str, Any]:
    """Runs in its own process: a rescore with an event rule switched on."""
    from dataclasses import replace

    from iqcadence.core.accounts import rescore
    from iqcadence.core.alerts import engine, rules
    from iqcadence.core.runtime import wiring
    from iqcadence.core.store import settings
    from iqcadence.core.store.db import open_database, resolve_location
    from iqcadence.core.store.models.alerts import OutboxEntry
    from iqcadence.core.store.users import resolve_actor

    wiring.install()
    _portfolio.env()
    os.environ["IQCADENCE_SEND_ON_CHANGE"] = "0"
    database = open_database(resolve_location(path))
    out: dict[str, Any] = {}
    with database.session() as session:
        actor = resolve_actor(session, _portfolio.ADMIN)
        config = settings.load_scoring_config(session, actor.client_id)
        settings.save_scoring_config(session, actor, replace(config, weights=RESCORE_WEIGHTS))
        _add_bench_connection(session, actor.client_id)
        rules.add_rule(
            session,
            actor,
            "bench",
            events=["became_at_risk", "lifecycle_change", "rapid_score_drop:15"],
            channels=["bench"],
        )
        hook_s = [0.0]
        rss_before = [0.0]
        real_hook = engine.on_customers_changed

        def timed_hook(*args: Any, **kwargs: Any) -> int:
            rss_before[0] = _portfolio.peak_rss_mib()
            started = time.perf_counter()
            queued = real_hook(*args, **kwargs)
            hook_s[0] += time.perf_counter() - started
            return queued

        engine.on_customers_changed = timed_hook  # type: ignore[assignment]
        seconds, summary = timed(lambda: rescore.rescore_all(session, actor))
        from sqlalchemy import func
        from sqlmodel import select

        queued = session.exec(select(func.count()).select_from(OutboxEntry)).one()
        out.update(
            seconds=seconds,
            alert_seconds=hook_s[0],
            rss_before_hook_mib=rss_before[0],
            changed=summary.changed,
            queued=int(queued),
        )
    database.dispose()
    out["rss_mib"] = _portfolio.peak_rss_mib()
    from iqcadence.core.store.db import remove_database_files

    remove_database_files(path)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--rescore-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rescore_child:
        print(json.dumps(rescore_child(args.rescore_child)))
        return
    for n in args.sizes:
        measure(n)


if __name__ == "__main__":
    main()
