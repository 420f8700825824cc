"""Report speed: portfolio summary and renewal forecast for 10k customers.

Builds a portfolio (customers plus 13 weekly snapshots each) with plain
executemany, then renders each report as PDF and CSV and prints seconds and
pages per second. Target: under 2 s per report at 10k customers.

    python bench/reports.py [--customers 10000]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path


def build(path: Path, customers: int) -> None:
    from sqlalchemy import text

    from iqcadence.core.runtime import wiring
    from iqcadence.core.scoring.formula import DEFAULT_THRESHOLDS, band_for
    from iqcadence.core.store.db import open_database, resolve_location

    wiring.install()

    database = open_database(resolve_location(path))
    rng = random.Random(7)
    today = date.fromisoformat(os.environ["IQCADENCE_TODAY"])
    now = datetime.combine(today, datetime.min.time())
    rows, snaps = [], []
    for i in range(1, customers + 1):
        score = round(rng.uniform(5, 98), 1)
        rows.append(
            {
                "id": i,
                "client_id": 1,
                "name": f"Customer {i:06d}",
                "name_key": f"customer {i:06d}",
                "tier": rng.choice(["smb", "mid", "enterprise"]),
                "lifecycle": "active",
                "status": "active",
                "manager": rng.choice(["Sarah", "Miguel", "Aiko", "Priya", "Tom"]),
                "mrr": float(rng.randint(200, 20000)),
                "arr": 0.0,
                "renewal_date": (today + timedelta(days=rng.randint(0, 364))).isoformat(),
                "tags": rng.choice(["vip", "beta", "emea", "vip|emea", ""]),
                "logins": rng.randint(0, 40),
                "adoption": rng.uniform(0, 100),
                "tickets": rng.randint(0, 6),
                "nps": rng.randint(0, 10),
                "days_baseline": rng.randint(0, 90),
                "days_as_of": today.isoformat(),
                "growth": rng.choice(["strong", "mild", "none"]),
                "score": score,
                "band": band_for(score, DEFAULT_THRESHOLDS),
                "score_manual": 0,
                "created_at": now - timedelta(days=120),
                "updated_at": now,
            }
        )
        for week in range(13, 0, -1):
            past = max(0.0, min(100.0, score + rng.uniform(-3, 3) * week / 4))
            snaps.append(
                {
                    "customer_id": i,
                    "taken_at": now - timedelta(days=7 * week),
                    "score": round(past, 1),
                    "band": band_for(past, DEFAULT_THRESHOLDS),
                    "weights": "{}",
                    "source": "bench",
                }
            )
    with database.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO customer (id, client_id, name, name_key, tier, lifecycle, status, manager, mrr, arr, "
                "renewal_date, tags, logins, adoption, tickets, nps, days_baseline, days_as_of, growth, score, band, "
                "score_manual, created_at, updated_at) VALUES (:id, :client_id, :name, :name_key, :tier, :lifecycle, "
                ":status, :manager, :mrr, :arr, :renewal_date, :tags, :logins, :adoption, :tickets, :nps, "
                ":days_baseline, :days_as_of, :growth, :score, :band, :score_manual, :created_at, :updated_at)"
            ),
            rows,
        )
        conn.execute(
            text(
                "INSERT INTO score_snapshot (customer_id, taken_at, score, band, weights, source) "
                "VALUES (:customer_id, :taken_at, :score, :band, :weights, :source)"
            ),
            snaps,
        )
    database.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=10_000)
    args = parser.parse_args()
    os.environ.setdefault("IQCADENCE_TODAY", "2026-11-27")
    os.environ.setdefault("IQCADENCE_USER", "bench@example.com")
    from iqcadence.core.reports.service import render
    from iqcadence.core.store.db import open_database, resolve_location

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        started = time.perf_counter()
        build(path, args.customers)
        print(
            f"built {args.customers:,} customers with 13 weekly snapshots in {time.perf_counter() - started:.1f} s"
        )
        database = open_database(resolve_location(path))
        worst = 0.0
        for kind in ("portfolio", "renewals"):
            for fmt in ("pdf", "csv"):
                with database.session() as session:
                    started = time.perf_counter()
                    rendered = render(session, 1, kind, fmt=fmt)
                    elapsed = time.perf_counter() - started
                worst = max(worst, elapsed)
                pages = rendered.pages or 0
                rate = (
                    f"{pages / elapsed:6.1f} pages/s"
                    if fmt == "pdf"
                    else f"{len(rendered.content) / 1024:6.0f} KiB"
                )
                print(
                    f"{kind:<10} {fmt}: {elapsed:6.3f} s  {pages:3d} pages  {rate}  (target < 2 s: {'ok' if elapsed < 2 else 'MISSED'})"
                )
        database.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"slowest {worst:.3f} s; peak RSS {peak:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
