"""The demo's vocabulary: its CSM team, scoring profiles, company names,
cities, tags and notes, and the company names and domains drawn from them."""

from __future__ import annotations

import random
import unicodedata

MANAGERS: tuple[tuple[str, str], ...] = (
    ("Maya Chen", "maya.chen@demo.example"),
    ("Daniel Okafor", "daniel.okafor@demo.example"),
    ("Sofia Lindqvist", "sofia.lindqvist@demo.example"),
    ("Rahul Mehta", "rahul.mehta@demo.example"),
    ("Chloé Dubois", "chloe.dubois@demo.example"),
    ("Jonas Weber", "jonas.weber@demo.example"),
)
VIEWER = ("Priya Natarajan", "priya.natarajan@demo.example")

PROFILES: dict[str, tuple[str, dict[str, int]]] = {
    "enterprise": (
        "Large accounts: adoption and regular contact matter more than login counts.",
        {
            "logins": 15,
            "adoption": 30,
            "tickets": 20,
            "nps": 15,
            "csat": 0,
            "days": 15,
            "growth": 5,
        },
    ),
    "self-serve": (
        "Low-touch accounts: product usage is the signal; contact cadence is not.",
        {"logins": 40, "adoption": 30, "tickets": 15, "nps": 5, "csat": 0, "days": 0, "growth": 10},
    ),
}

SPECIAL_NAMES: tuple[tuple[str, str], ...] = (
    ("Zürich Café", "Hospitality"),
    ("Łódź Logistics", "Logistics"),
    ("Café Müller GmbH", "Hospitality"),
    ("São Paulo Sabores", "Food & beverage"),
    ("Kraków Kitchen Co", "Food & beverage"),
    ("Malmö Mekaniska AB", "Manufacturing"),
    ("Señor Pixel Studios", "Media"),
    ("Ærø Sailworks", "Manufacturing"),
    ("Nordström & Björk", "Professional services"),
    ("Crème de la Code", "Software"),
)
FIRST_WORDS: tuple[str, ...] = (
    "Acorn", "Alder", "Alpine", "Amber", "Anchor", "Apex", "Arbor", "Atlas", "Aurora",
    "Beacon", "Birch", "Bluebird", "Boreal", "Brightwater", "Brookside", "Canyon",
    "Cascade", "Cedar", "Clearwater", "Cobalt", "Copper", "Coral", "Crescent", "Delta",
    "Driftwood", "Eastgate", "Ember", "Evergreen", "Fairview", "Falcon", "Fernhill",
    "Fieldstone", "Firefly", "Foxglove", "Garnet", "Glacier", "Granite", "Harbor",
    "Hawthorn", "Highland", "Horizon", "Indigo", "Ironwood", "Juniper", "Keystone",
    "Lakeshore", "Lantern", "Larkspur", "Linden", "Magnolia", "Maple", "Meadow",
    "Meridian", "Millbrook", "Northwind", "Oakridge", "Orchard", "Paragon", "Pinecrest",
    "Pioneer", "Prairie", "Quartz", "Redwood", "Ridgeline", "Riverbend", "Rosewood",
    "Saffron", "Sandstone", "Sequoia", "Silverline", "Skyline", "Southport", "Sparrow",
    "Stonebridge", "Summit", "Sunrise", "Tamarack", "Thistle", "Timber", "Trillium",
    "Upland", "Vantage", "Willow", "Windmill", "Yellowfin", "Zenith",
)  # fmt: skip
SECOND_WORDS: tuple[tuple[str, str], ...] = (
    ("Analytics", "Software"), ("Apparel", "Retail"), ("Architects", "Professional services"),
    ("Bakery", "Food & beverage"), ("Biotech", "Life sciences"), ("Brewing", "Food & beverage"),
    ("Builders", "Construction"), ("Capital", "Financial services"), ("Cargo", "Logistics"),
    ("Clinics", "Healthcare"), ("Cloud", "Software"), ("Coffee", "Food & beverage"),
    ("Consulting", "Professional services"), ("Creative", "Media"), ("Dental", "Healthcare"),
    ("Design", "Media"), ("Digital", "Software"), ("Energy", "Energy"),
    ("Engineering", "Manufacturing"), ("Farms", "Agriculture"), ("Fitness", "Consumer"),
    ("Foods", "Food & beverage"), ("Freight", "Logistics"), ("Furniture", "Retail"),
    ("Health", "Healthcare"), ("Hotels", "Hospitality"), ("Insurance", "Financial services"),
    ("Interiors", "Construction"), ("Labs", "Life sciences"), ("Legal", "Professional services"),
    ("Logistics", "Logistics"), ("Manufacturing", "Manufacturing"), ("Media", "Media"),
    ("Medical", "Healthcare"), ("Mobility", "Transport"), ("Motors", "Transport"),
    ("Networks", "Telecom"), ("Nutrition", "Consumer"), ("Optics", "Manufacturing"),
    ("Outfitters", "Retail"), ("Partners", "Professional services"), ("Pharma", "Life sciences"),
    ("Printing", "Manufacturing"), ("Realty", "Real estate"),
    ("Recruiting", "Professional services"),
    ("Robotics", "Manufacturing"), ("Security", "Software"), ("Software", "Software"),
    ("Solar", "Energy"), ("Studios", "Media"), ("Supply", "Logistics"), ("Systems", "Software"),
    ("Telecom", "Telecom"), ("Textiles", "Manufacturing"), ("Travel", "Hospitality"),
    ("Ventures", "Financial services"), ("Wellness", "Consumer"), ("Works", "Construction"),
)  # fmt: skip
SUFFIXES: tuple[str, ...] = ("", "", "", "", " Inc", " Ltd", " GmbH", " Co", " Group", " AB")
CITIES: tuple[str, ...] = (
    "Zürich", "Łódź", "Kraków", "Malmö", "São Paulo", "Córdoba", "Reykjavík", "Düsseldorf",
    "Genève", "Aarhus", "Oslo", "Lyon", "Austin", "Denver", "Leeds", "Porto", "Osaka",
    "Dublin", "Toronto", "Melbourne", "Nairobi", "Seoul", "Lisbon", "Tallinn",
)  # fmt: skip
REGION_TAGS: tuple[str, ...] = ("amer", "emea", "apac")
OTHER_TAGS: tuple[str, ...] = ("beta", "pilot", "partner", "multi-product", "migration")
NOTES: tuple[str, ...] = (
    "Exec sponsor changed last quarter.",
    "Asked about SSO on the last call.",
    "Budget review in Q1.",
    "Champion is very engaged; wants a roadmap preview.",
    "Integration with their data warehouse is half done.",
)
_TRANSLIT = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "Ae", "ß": "ss"})


def slug(name: str) -> str:
    """An ASCII domain label for a company name ("Łódź Logistics" → lodz-logistics)."""
    ascii_name = (
        unicodedata.normalize("NFKD", name.translate(_TRANSLIT))
        .encode("ascii", "ignore")
        .decode("ascii")
        .lower()
    )
    words = "".join(ch if ch.isalnum() else " " for ch in ascii_name).split()
    return "-".join(words[:3]) or "company"


def company_names(count: int, rng: random.Random) -> list[tuple[str, str]]:
    """`count` distinct (name, industry) pairs, the non-ASCII specials first."""
    names: list[tuple[str, str]] = []
    seen: set[str] = set()
    for name, industry in SPECIAL_NAMES[: max(0, min(len(SPECIAL_NAMES), count // 10))]:
        names.append((name, industry))
        seen.add(name.casefold())
    serial = 0
    while len(names) < count:
        second, industry = rng.choice(SECOND_WORDS)
        name = f"{rng.choice(FIRST_WORDS)} {second}{rng.choice(SUFFIXES)}"
        if name.casefold() in seen:
            name = f"{name} {rng.choice(CITIES)}"
        if name.casefold() in seen:
            serial += 1
            name = f"{name} {serial}"
        seen.add(name.casefold())
        names.append((name, industry))
    rng.shuffle(names)
    return names
