"""Alerts at scale, in-process: deriving every alert of a large portfolio,
the MRR exposure, and an `automations run` sweep with rules switched on.

Each step is compared with a reference measured in the same run: reading
every active customer row with one SELECT (what any whole-portfolio view
must at least do). The ratio is printed; nothing is asserted.

    python bench/alerts.py                  # 100,000 customers
    python bench/alerts.py --sizes 20000
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _portfolio  # noqa: E402


def timed(fn: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def measure(n: int) -> None:
    from sqlalchemy import text

    from iqcadence.core.alerts import engine, rules
    from iqcadence.core.alerts.derive import derive_alerts
    from iqcadence.core.alerts.exposure import mrr_exposure
    from iqcadence.core.db import open_database, resolve_location
    from iqcadence.core.models.alerts import Connection
    from iqcadence.core.users import resolve_actor

    _portfolio.env()
    path = _portfolio.fresh_copy(_portfolio.cached(n), f"alerts-{n}")
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
        session.add(
            Connection(
                client_id=actor.client_id,
                name="bench",
                name_key="bench",
                kind="webhook",
                target="-",
                keyring_name="connection_bench",
            )
        )
        session.commit()
        rules.add_rule(
            session, actor, "bench", events=["health_below:50", "no_contact:30"], channels=["bench"]
        )
        prime_s, _ = timed(lambda: engine.sweep(session, actor.client_id))
        session.commit()
        sweep_s, queued = timed(lambda: engine.sweep(session, actor.client_id))
        session.commit()
    database.dispose()
    print(f"{n:>9,} customers, {len(alerts):,} alerts, exposure ${exposure['total_mrr']:,.0f}")
    for label, seconds in (
        ("read every row (reference)", reference),
        ("derive_alerts", derive_s),
        ("exposure", exposure_s),
        ("first sweep (records what it sees)", prime_s),
        (f"next sweep ({queued} queued)", sweep_s),
    ):
        print(f"  {label:<38} {seconds * 1000:>9.0f} ms  ×{seconds / reference:>6.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    for n in parser.parse_args().sizes:
        measure(n)


if __name__ == "__main__":
    main()
