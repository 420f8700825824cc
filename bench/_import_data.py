"""The messy customer CSVs bench/import.py loads: deterministic for a seed,
with aliased headers, `$5,000` / `1.2k` money, `75%`, NPS words, mixed date
forms, tier and growth words, tags and blank cells; and the same file with
one row in a hundred edited, for the nightly re-import of a changed book."""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

HEADER = [
    "Company Name",
    "CSM",
    "MRR",
    "Logins (30d)",
    "Feature Adoption %",
    "Open Tickets",
    "NPS",
    "Days Since Contact",
    "Renews On",
    "Growth",
    "Tier",
    "Tags",
    "Stage",
    "Sentiment",
    "Email",
    "Industry",
]
MANAGERS = ["Ana Souza", "Ben Carter", "Chloé Martin", "Dmitri Volkov", "Emma Lind", "Farid H"]
WORDS = ["Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli", "Vandelay", "Soylent"]
SUFFIXES = ["Inc", "GmbH", "Ltd", "LLC", "SA", "Group", "Labs", "Systems"]
INDUSTRIES = ["SaaS", "Retail", "Fintech", "Health", "Logistics", "Media", ""]
TIERS = ["Enterprise", "Mid-Market", "mid", "SMB", "smb", "enterprise", ""]
GROWTH = ["Strong", "mild", "None", "N/A", "", "strong", "Mild"]
STAGES = ["Active", "active", "Onboarding", "At Risk", "churned", "Won", ""]
SENTIMENTS = ["Positive", "neutral", "Negative", "", "positive"]
TAGS = ["vip", "beta", "renewal-q1", "expansion", "legacy", "partner"]


def _money(rng: random.Random) -> str:
    amount = rng.choice([rng.randint(100, 900), rng.randint(1000, 60000)])
    style = rng.randrange(6)
    if style == 0:
        return f"${amount:,}"
    if style == 1:
        return f"{amount / 1000:.1f}k"
    if style == 2:
        return f"{amount}.50"
    if style == 3:
        return ""
    return str(amount)


def _date(rng: random.Random, today: date) -> str:
    day = today + timedelta(days=rng.randint(-30, 540))
    style = rng.randrange(5)
    if style == 0:
        return day.strftime("%d %b %Y")
    if style == 1:
        return day.strftime("%b %d, %Y")
    if style == 2:
        return ""
    return day.isoformat()


def generate(path: Path, rows: int, seed: int = 20261127) -> None:
    """A messy CSV of `rows` unique customers (deterministic for a seed)."""
    rng = random.Random(seed)
    today = date(2026, 11, 27)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(HEADER)
        for index in range(rows):
            name = f"{rng.choice(WORDS)} {rng.choice(SUFFIXES)} {index:07d}"
            nps_roll = rng.randrange(12)
            nps = (
                ["Promoter", "Passive", "Detractor"][nps_roll - 9]
                if nps_roll >= 9
                else ("" if nps_roll == 8 else str(rng.randint(0, 10)))
            )
            writer.writerow(
                [
                    name if index % 13 else f"  {name.upper()} ",
                    rng.choice(MANAGERS),
                    _money(rng),
                    "" if index % 17 == 0 else str(rng.randint(0, 60)),
                    f"{rng.randint(0, 100)}%" if index % 11 else "",
                    str(rng.randint(0, 8)),
                    nps,
                    "" if index % 7 == 0 else str(rng.randint(0, 200)),
                    _date(rng, today),
                    rng.choice(GROWTH),
                    rng.choice(TIERS),
                    "|".join(rng.sample(TAGS, rng.randint(0, 3))),
                    rng.choice(STAGES),
                    rng.choice(SENTIMENTS),
                    f"ops{index}@example.com" if index % 3 else "",
                    rng.choice(INDUSTRIES),
                ]
            )
    tmp.replace(path)


CHANGED_EVERY = 100  # one row in a hundred of the changed file differs


def generate_changed(source: Path, path: Path) -> int:
    """`source` with every CHANGED_EVERY-th row's logins and open tickets
    edited (so its score moves); returns how many rows differ."""
    logins_at, tickets_at = HEADER.index("Logins (30d)"), HEADER.index("Open Tickets")
    changed = 0
    tmp = path.with_suffix(".tmp")
    with (
        open(source, encoding="utf-8", newline="") as inp,
        open(tmp, "w", encoding="utf-8", newline="") as out,
    ):
        reader, writer = csv.reader(inp), csv.writer(out, lineterminator="\r\n")
        writer.writerow(next(reader))
        for index, row in enumerate(reader):
            if index % CHANGED_EVERY == CHANGED_EVERY // 2:
                logins = row[logins_at]
                row[logins_at] = str((int(logins) + 7) % 61) if logins else "12"
                row[tickets_at] = str((int(row[tickets_at] or 0) + 3) % 9)
                changed += 1
            writer.writerow(row)
    tmp.replace(path)
    return changed
