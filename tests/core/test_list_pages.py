"""First pages of customer lists read the same rows whichever plan serves
them: index walks for common filters, and for broad searches."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session

from iqcadence.core import customers, queries
from iqcadence.core.users import Actor

PEOPLE = ["Ana Souza", "Ben Carter", "Chloé Martin"]


@pytest.fixture
def portfolio(session: Session, actor: Actor) -> None:
    for index in range(40):
        values: dict[str, Any] = {
            "logins": (index * 7) % 31,
            "adoption": (index * 13) % 100,
            "mrr": 100 + (index * 37) % 500,
            "tier": ("smb", "mid", "enterprise")[index % 3],
            "manager": PEOPLE[index % 3],
            "tags": "strategic" if index % 4 == 0 else "pilot",
        }
        name = f"{('Summit', 'Harbor', 'Zenith')[index % 3]} Labs {index:02d}"
        customers.apply_changes(session, actor, name, values)
    customers.set_status(session, actor, "Harbor Labs 01", "archive")


def expected(session: Session, actor: Actor, key: str, desc: bool, **where: Any) -> list[str]:
    rows = queries.list_customers(
        session, actor.client_id, queries.CustomerFilter(**where), sort="name", limit=None
    )
    rows.sort(
        key=lambda r: ((r[key] is None, r[key]) if key != "name_key" else r[key], r["id"]),
        reverse=desc,
    )
    return [r["name"] for r in rows]


@pytest.mark.parametrize(
    ("sort", "key", "desc", "where"),
    [
        ("name", "name_key", False, {}),
        ("score", "score", True, {}),
        ("mrr", "mrr", True, {"band": "watch"}),
        ("arr", "arr", True, {}),
        ("arr", "arr", False, {"tier": "mid"}),
        ("score", "score", True, {"tier": "enterprise"}),
        ("name", "name_key", False, {"manager": "chloé martin"}),
        ("renewal", "id", False, {"status": "archived"}),
    ],
)
def test_pages_match_a_plain_sort(
    portfolio: None,
    session: Session,
    actor: Actor,
    sort: str,
    key: str,
    desc: bool,
    where: dict[str, Any],
) -> None:
    want = expected(session, actor, key, desc, **where)
    got = queries.list_customers(
        session, actor.client_id, queries.CustomerFilter(**where), sort=sort, desc=desc, limit=10
    )
    if sort != "renewal":
        assert [r["name"] for r in got] == want[:10]
    else:
        assert [r["name"] for r in got] == ["Harbor Labs 01"]


def test_broad_and_narrow_searches_find_the_same_page(
    portfolio: None, session: Session, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    filters = queries.CustomerFilter(search="summit")
    narrow = queries.list_customers(session, actor.client_id, filters, sort="score", desc=True)
    monkeypatch.setattr(queries, "BROAD_SEARCH", 3)
    where, _params = queries.filter_sql(session, actor.client_id, filters, sort="score")
    assert "customer.id + 0 IN" in where
    broad = queries.list_customers(session, actor.client_id, filters, sort="score", desc=True)
    assert [r["id"] for r in broad] == [r["id"] for r in narrow]
    assert len(narrow) == 14 and all(r["name"].startswith("Summit") for r in narrow)
    assert queries.count_customers(session, actor.client_id, filters) == 14


# Names a one-word search sorted by name reads from the name index, and the
# ones that index and the search index read apart (punctuation first, accents,
# a long s casefolding to ASCII, matches in manager, tags or later words).
PREFIX_NAMES = [
    "Summit Labs 01",
    "Summit Labs 02",
    "summit labs 03",
    "SUMMITRY Foods",
    "Summit",
    "(Summit) Partners",
    "«Summit» Media",
    "Sümmit Foods",
    "Summıt Works",
    "İstanbul Summit",
    "Alpha Summit",
    "Zenith Summit",
    "Summa Health",
    "Sum Mit Media",
    "Summit-North Labs",
    "Straße Summit",
    "ſummit Trading",
    "Acme Works",
    "Bolt Media",
    "Zulu Labs",
]


@pytest.fixture
def prefix_portfolio(session: Session, actor: Actor) -> None:
    for index, name in enumerate(PREFIX_NAMES):
        values: dict[str, Any] = {"logins": index, "manager": PEOPLE[index % 3]}
        if name == "Acme Works":
            values["manager"] = "Sam Summitson"
        if name == "Bolt Media":
            values["tags"] = "summit-2026,pilot"
        customers.apply_changes(session, actor, name, values)
    customers.set_status(session, actor, "Summit Labs 02", "archive")


PREFIX_CASES = ["summit", "SUMMIT", "summ", "s", "istanbul", "pilot"]


@pytest.mark.parametrize("search", PREFIX_CASES)
@pytest.mark.parametrize(("limit", "offset"), [(50, 0), (2, 3), (0, 0)])
def test_name_prefix_pages_match_a_plain_sort(
    prefix_portfolio: None,
    session: Session,
    actor: Actor,
    monkeypatch: pytest.MonkeyPatch,
    search: str,
    limit: int,
    offset: int,
) -> None:
    filters = queries.CustomerFilter(search=search)
    want = expected(session, actor, "name_key", False, search=search)
    monkeypatch.setattr(queries, "BROAD_SEARCH", 1)
    got = queries.list_customers(
        session, actor.client_id, filters, sort="name", limit=limit, offset=offset
    )
    assert [r["name"] for r in got] == want[offset : offset + limit]


def test_name_prefix_page_is_read_from_the_name_index(
    prefix_portfolio: None, session: Session, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queries, "BROAD_SEARCH", 1)
    checked: list[int] = []
    real = queries.dialect.search_matches_customer
    monkeypatch.setattr(
        queries.dialect,
        "search_matches_customer",
        lambda conn, query, cid: checked.append(cid) or real(conn, query, cid),
    )
    filters = queries.CustomerFilter(search="summit")
    page = queries._name_prefix_page(session, actor.client_id, filters, limit=3, offset=0)
    assert page is not None
    # "(Summit) Partners" sorts first and is checked with the search index;
    # the manager and the later word come from the search index
    assert [r["name"] for r in page] == ["(Summit) Partners", "Acme Works", "Alpha Summit"]
    assert [r["name"] for r in page] == expected(
        session, actor, "name_key", False, search="summit"
    )[:3]
    assert len(checked) == 1
    # "ſummit Trading" is in the name_key range but does not start with the
    # word in ASCII: a page reaching it goes the general way
    assert queries._name_prefix_page(session, actor.client_id, filters, limit=4, offset=0) is None
    archived = queries.CustomerFilter(search="summit", status="archived")
    assert [r["name"] for r in queries.list_customers(session, actor.client_id, archived)] == [
        "Summit Labs 02"
    ]
