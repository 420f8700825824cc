"""Header aliases, --map and the listing of ignored columns."""

from __future__ import annotations

import pytest

from iqcadence.core.base.errors import InvalidValue, RefusedFile
from iqcadence.core.io.imports.headers import (
    CUSTOMER_ALIASES,
    match_columns,
    parse_map_options,
)

FIELDS = tuple(CUSTOMER_ALIASES)

# The aliases the issue lists, with the field each must feed.
ALIASES = [
    ("name", "name"),
    ("Company", "name"),
    ("customer", "name"),
    ("ACCOUNT", "name"),
    ("manager", "manager"),
    ("CSM", "manager"),
    ("Owner", "manager"),
    ("rep", "manager"),
    ("logins", "logins"),
    ("logins_30d", "logins"),
    ("Login Frequency", "logins"),
    ("adoption", "adoption"),
    ("feature_adoption_pct", "adoption"),
    ("tickets", "tickets"),
    ("Open Tickets", "tickets"),
    ("nps", "nps"),
    ("NPS Category", "nps"),
    ("csat", "csat"),
    ("days", "days"),
    ("Days Since Contact", "days"),
    ("renewal_date", "renewal_date"),
    ("Renews On", "renewal_date"),
    ("growth", "growth"),
    ("growth_signal", "growth"),
    ("tier", "tier"),
    ("tags", "tags"),
    ("lifecycle", "lifecycle"),
    ("Stage", "lifecycle"),
    ("sentiment", "sentiment"),
    ("MRR", "mrr"),
    ("revenue", "mrr"),
    ("ARR", "arr"),
    ("Annual Recurring Revenue", "arr"),
    ("customer_since", "customer_since"),
    ("next_touch", "next_touch"),
    ("last_contact_date", "last_contact_date"),
    ("scoring_profile", "scoring_profile"),
    ("note", "notes"),
    ("months_to_renewal", "months_to_renewal"),
    ("website", "website"),
    ("email", "email"),
    ("phone", "phone"),
    ("industry", "industry"),
]


@pytest.mark.parametrize(("header", "field"), ALIASES)
def test_each_alias_is_recognised(header: str, field: str) -> None:
    (column,) = match_columns([header], {}, CUSTOMER_ALIASES, source_name="f.csv")
    assert (column.field, column.how) == (field, "alias")


def test_matching_ignores_case_and_punctuation() -> None:
    columns = match_columns(
        ["RENEWS-ON", " renews on ", "Logins (30d)"][::2], {}, CUSTOMER_ALIASES, source_name="f"
    )
    assert [c.field for c in columns] == ["renewal_date", "logins"]


def test_unknown_and_computed_columns_are_listed_not_dropped() -> None:
    columns = match_columns(
        ["Name", "Favourite Colour", "band", "priority"], {}, CUSTOMER_ALIASES, source_name="f"
    )
    assert [(c.header, c.field, c.how) for c in columns] == [
        ("Name", "name", "alias"),
        ("Favourite Colour", None, "unknown"),
        ("band", None, "computed"),
        ("priority", None, "computed"),
    ]
    assert "map it with --map" in columns[1].note
    assert "computed" in columns[2].note


def test_map_option_maps_ignores_and_overrides() -> None:
    explicit = parse_map_options(["Account Owner=manager", "Name=ignore", "Org=name"], FIELDS)
    columns = match_columns(
        ["Org", "Name", "Account Owner"], explicit, CUSTOMER_ALIASES, source_name="f"
    )
    assert [(c.field, c.how) for c in columns] == [
        ("name", "map"),
        (None, "ignored"),
        ("manager", "map"),
    ]


def test_map_refusals() -> None:
    with pytest.raises(InvalidValue, match="expected"):
        parse_map_options(["nothing"], FIELDS)
    with pytest.raises(InvalidValue, match="'colour' is not a field"):
        parse_map_options(["Fav=colour"], FIELDS)
    with pytest.raises(InvalidValue, match="no column matching"):
        match_columns(
            ["Name"], parse_map_options(["Nope=tier"], FIELDS), CUSTOMER_ALIASES, source_name="f"
        )


def test_two_columns_feeding_one_field_are_refused() -> None:
    with pytest.raises(RefusedFile, match="'MRR' and 'Revenue' both feed mrr"):
        match_columns(["Name", "MRR", "Revenue"], {}, CUSTOMER_ALIASES, source_name="f")
    explicit = parse_map_options(["Revenue=ignore"], FIELDS)
    columns = match_columns(["Name", "MRR", "Revenue"], explicit, CUSTOMER_ALIASES, source_name="f")
    assert [c.field for c in columns] == ["name", "mrr", None]
