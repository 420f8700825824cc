"""Bulk rescore against one plain SQL UPDATE of the same formula.

For each size, a scored portfolio is built (cached under bench/.work/), the
global weights are changed, and two copies of the file are measured, each in
its own process so peak RSS belongs to that measurement alone:

* `rescore`   — `rescore.rescore_all` (temporary tables, write-back of changed
  rows, snapshots, lifecycle audit, the bulk change hooks), committed;
* `reference` — one `UPDATE customer SET score = <same expression>` over the
  same schema and indexes, committed (score only: no band, snapshot or audit).

Targets: rescore ≤ 2× the reference, peak RSS ≤ 200 MiB.

    python bench/rescore.py                  # 100k and 1M
    python bench/rescore.py --sizes 100000   # quick
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _portfolio  # noqa: E402

NEW_WEIGHTS = {
    "logins": 30,
    "adoption": 20,
    "tickets": 20,
    "nps": 15,
    "csat": 0,
    "days": 10,
    "growth": 5,
}
RATIO_TARGET = 2.0
RSS_TARGET_MIB = 200.0


def _change_weights(database: object) -> None:
    from dataclasses import replace

    from iqcadence.core.store import settings
    from iqcadence.core.store.users import resolve_actor

    with database.session() as session:  # type: ignore[attr-defined]
        actor = resolve_actor(session)
        config = settings.load_scoring_config(session, actor.client_id)
        settings.save_scoring_config(session, actor, replace(config, weights=dict(NEW_WEIGHTS)))


def measure(kind: str, path: Path) -> dict[str, object]:
    """Runs inside the child process."""
    _portfolio.env()
    from sqlalchemy import text

    from iqcadence.core.accounts import changes, rescore
    from iqcadence.core.runtime import wiring
    from iqcadence.core.store import dialect, settings
    from iqcadence.core.store.db import open_database, resolve_location

    wiring.install()
    from iqcadence.core.store.users import resolve_actor

    database = open_database(resolve_location(path))
    _change_weights(database)
    out: dict[str, object] = {"kind": kind}
    with database.session() as session:
        actor = resolve_actor(session)
        if kind == "rescore":
            hook_time = [0.0]
            rss_before_hooks = [0.0]
            real_hook = changes.customers_changed_in_bulk

            def timed_hook(*args: object, **kwargs: object) -> None:
                rss_before_hooks[0] = _portfolio.peak_rss_mib()
                started = time.perf_counter()
                real_hook(*args, **kwargs)  # type: ignore[arg-type]
                hook_time[0] += time.perf_counter() - started

            changes.customers_changed_in_bulk = timed_hook  # type: ignore[assignment]
            started = time.perf_counter()
            summary = rescore.rescore_all(session, actor)
            out["seconds"] = time.perf_counter() - started
            out["hooks_seconds"] = hook_time[0]
            out["rss_before_hooks_mib"] = rss_before_hooks[0]
            out["changed"] = summary.changed
            out["lifecycle_changes"] = summary.lifecycle_changes
        else:
            conn = session.connection()
            config = settings.load_scoring_config(session, actor.client_id)
            profiles = settings.profile_weights(session, actor.client_id)
            days_sql = dialect.effective_days_sql(conn, _portfolio.TODAY)
            sets = rescore.weight_sets(config, profiles)
            branches = " ".join(
                f"WHEN {clause} THEN {rescore.score_sql(conn, weights, days_sql=days_sql)}"
                for clause, _params, weights in sets[1:]
            )
            default = rescore.score_sql(conn, sets[0][2], days_sql=days_sql)
            params: dict[str, object] = {}
            for _clause, clause_params, _weights in sets[1:]:
                params.update(clause_params)
            sql = (
                f"UPDATE customer SET score = CASE {branches} ELSE {default} END "
                "WHERE client_id = :client_id AND score_manual = :auto"
            )
            params.update(client_id=actor.client_id, auto=False)
            started = time.perf_counter()
            conn.execute(text(sql), params)
            session.commit()
            out["seconds"] = time.perf_counter() - started
    database.dispose()
    out["rss_mib"] = _portfolio.peak_rss_mib()
    return out


def run_child(kind: str, path: Path) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, __file__, "--measure", kind, "--db", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"{kind} measurement failed:\n{result.stderr}")
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--measure", choices=("rescore", "reference"), help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, Path(args.db))))
        return

    failed = False
    for size in (int(s) for s in args.sizes.split(",")):
        print(f"rescore benchmark at {size:,} customers")
        source = _portfolio.cached(size, args.seed)
        reference = run_child("reference", _portfolio.fresh_copy(source, f"ref-{size}.db"))
        mine = run_child("rescore", _portfolio.fresh_copy(source, f"rescore-{size}.db"))
        ratio = float(mine["seconds"]) / float(reference["seconds"])  # type: ignore[arg-type]
        print(
            f"  reference UPDATE : {reference['seconds']:7.2f} s   "
            f"peak RSS {reference['rss_mib']:6.1f} MiB"
        )
        print(
            f"  rescore_all      : {mine['seconds']:7.2f} s   peak RSS {mine['rss_mib']:6.1f} MiB"
            f"   ({mine['changed']:,} changed, {mine['lifecycle_changes']:,} lifecycle moves; "
            f"change hooks {mine['hooks_seconds']:.2f} s)"
        )
        print(
            "  peak RSS of rescore itself, before the change hooks ran: "
            f"{mine['rss_before_hooks_mib']:.1f} MiB"
        )
        ok_ratio = ratio <= RATIO_TARGET
        ok_rss = float(mine["rss_mib"]) <= RSS_TARGET_MIB  # type: ignore[arg-type]
        print(
            f"  ratio {ratio:.2f}x (target <= {RATIO_TARGET}x) {'ok' if ok_ratio else 'MISSED'}; "
            f"peak RSS {'ok' if ok_rss else 'MISSED'} (target <= {RSS_TARGET_MIB:.0f} MiB)"
        )
        failed = failed or not (ok_ratio and ok_rss)
        for name in (f"ref-{size}.db", f"rescore-{size}.db"):
            from iqcadence.core.store.db import remove_database_files

            remove_database_files(_portfolio.WORK / name)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
