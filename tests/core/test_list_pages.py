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
