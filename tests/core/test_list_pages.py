"""First pages of customer lists read the same rows whichever plan serves
them: index walks for common filters, and for broad searches."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session

from iqcadence.core.accounts import customers
from iqcadence.core.base.actor import Actor
from iqcadence.core.read import customer_counts
from iqcadence.core.read import customer_pages as queries

PEOPLE = ["Ana Souza", "Ben Carter", "Chloé Martin"]


@pytest.fixture
def portfolio_accounts() -> dict[str, dict[str, Any]]:
    return {
        f"{('Summit', 'Harbor', 'Zenith')[index % 3]} Labs {index:02d}": {
            "logins": (index * 7) % 31,
            "adoption": (index * 13) % 100,
            "mrr": 100 + (index * 37) % 500,
            "tier": ("smb", "mid", "enterprise")[index % 3],
            "manager": PEOPLE[index % 3],
            "tags": "strategic" if index % 4 == 0 else "pilot",
        }
        for index in range(40)
    }


@pytest.fixture
def portfolio_archived() -> tuple[str, ...]:
    return ("Harbor Labs 01",)


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
    portfolio: dict[str, Any],
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
    portfolio: dict[str, Any], session: Session, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    filters = queries.CustomerFilter(search="summit")
    narrow = queries.list_customers(session, actor.client_id, filters, sort="score", desc=True)
    where, _params = queries.filter_sql(session, actor.client_id, filters, sort="score")
    assert "customer.id IN (SELECT rowid FROM customer_fts" in where
    monkeypatch.setattr(queries, "BROAD_SEARCH", 3)
    where, _params = queries.filter_sql(session, actor.client_id, filters, sort="score")
    assert "customer.id + 0 IN (SELECT rowid FROM customer_fts" in where
    listed = queries.list_customers(session, actor.client_id, filters, sort="score", desc=True)
    monkeypatch.setattr(queries, "LIST_MATCHES_FACTOR", 0)
    where, _params = queries.filter_sql(session, actor.client_id, filters, sort="score")
    assert "GLOB" in where and "customer_fts" not in where
    checked = queries.list_customers(session, actor.client_id, filters, sort="score", desc=True)
    assert [r["id"] for r in checked] == [r["id"] for r in listed] == [r["id"] for r in narrow]
    assert len(narrow) == 14 and all(r["name"].startswith("Summit") for r in narrow)
    assert customer_counts.count_customers(session, actor.client_id, filters) == 14


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
    real = queries.search_sql.search_matches_customer
    monkeypatch.setattr(
        queries.search_sql,
        "search_matches_customer",
        lambda conn, query, cid: checked.append(cid) or real(conn, query, cid),
    )
    filters = queries.CustomerFilter(search="summit")
    search = queries.search_sql.parse_search(session.connection(), "summit")
    page = queries._name_prefix_page(session, actor.client_id, filters, search, limit=3, offset=0)
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
    assert (
        queries._name_prefix_page(session, actor.client_id, filters, search, limit=4, offset=0)
        is None
    )
    archived = queries.CustomerFilter(search="summit", status="archived")
    assert [r["name"] for r in queries.list_customers(session, actor.client_id, archived)] == [
        "Summit Labs 02"
    ]


# --- every search path against the search index read the plain way -------------

SEARCH_NAMES = [
    ("Harbor Logistics 01", {"manager": "Ana Souza", "tags": "strategic|emea"}),
    ("Harbor Logistics 02", {"manager": "Chloé Martin", "tags": "pilot"}),
    ("harbor logistics 03", {"manager": "Jonas Weber"}),
    ("Harbor  Logistics 04", {"manager": "Ben Carter", "tags": "self-serve"}),
    ("Harbor, Logistics 05", {"manager": "Jonas Weber", "tags": "beta"}),
    ("Harbor-Logistics 06", {"manager": "Ana Souza"}),
    ("Harbors Logistics 07", {"manager": "Chloé Martin", "tags": "strategic"}),
    ("Härbor Logistics 08", {"manager": "Ben Carter"}),
    ("Harbor Lögistics 09", {"manager": "Ana Souza", "tags": "emea"}),
    ("(Harbor Logistics) 10", {"manager": "Jonas Weber", "tags": "self-serve|beta"}),
    ("Harbor Foods 11", {"manager": "Logistics Team", "tags": "pilot"}),
    ("Harbor Health 12", {"manager": "Ana Souza", "tags": "logistics"}),
    ("Blue Logistics Harbor 13", {"manager": "Jonas Weber"}),
    ("Summit Media 14", {"manager": "Liam O'Brien", "tags": "harbor"}),
    ("Summit Labs 15", {"manager": "Chloé Martin", "tags": "strategic|pilot"}),
    ("ſummit Trading 16", {"manager": "Ana Souza"}),
    ("İstanbul Summit 17", {"manager": "Ben Carter", "tags": "emea"}),
    ("Straße Works 18", {"manager": "Jonas Weber", "tags": "beta"}),
    ("Zenith Analytics 19", {"manager": "Chloé Martin", "tags": "strategic"}),
    ("Acme Corp 20", {"manager": "Sam Summitson", "tags": "self-serve"}),
    ("Weber & Sons 21", {"manager": "Ben Carter"}),
    ("O'Brien Logistics 22", {"manager": "Liam O'Brien", "tags": "apac"}),
    ("2026 Harbor Labs 23", {"manager": "Ana Souza", "tags": "strategic"}),
    ("Chloe Bakery 24", {"manager": "Ben Carter"}),
]


@pytest.fixture
def search_portfolio(session: Session, actor: Actor) -> None:
    for index, (name, extra) in enumerate(SEARCH_NAMES):
        values: dict[str, Any] = {
            "logins": (index * 7) % 31,
            "adoption": (index * 13) % 100,
            "mrr": None if index % 7 == 3 else 100 + (index * 37) % 500,
            "renewal_date": None if index % 5 == 2 else f"2027-0{1 + index % 9}-1{index % 10}",
            **extra,
        }
        customers.apply_changes(session, actor, name, values)
    customers.set_status(session, actor, "Harbor Logistics 02", "archive")


def plain_search(session: Session, actor: Actor, search: str, sort: str, desc: bool) -> list[str]:
    """Active customers matching `search` as the search index reads a prefix
    query of every word, sorted in Python."""
    words = queries.search_sql._TOKEN.findall(search)
    expression = " ".join('"' + word.replace('"', '""') + '"*' for word in words)
    conn = session.connection()
    # no word at all (punctuation only): no condition
    everyone = "SELECT id FROM customer"
    matching = {
        int(row[0])
        for row in conn.exec_driver_sql(
            "SELECT rowid FROM customer_fts WHERE customer_fts MATCH ?" if words else everyone,
            (expression,) if words else (),
        )
    }
    rows = [
        dict(row)
        for row in conn.exec_driver_sql("SELECT * FROM customer WHERE status = 'active'").mappings()
    ]
    column = queries.SORTS[sort].removeprefix("customer.")
    found = [r for r in rows if int(r["id"]) in matching]
    found.sort(key=lambda r: ((r[column] is not None, r[column]), r["id"]), reverse=desc)
    return [r["name"] for r in found]


SEARCHES = [
    "harbor logistics",
    "logistics harbor",
    "harbor lo",
    "HARBOR",
    "harbor logistics 0",
    "summit",
    "summ",
    "s",
    "chloe",
    "chloé",
    "martin strat",
    "self-serve",
    "self",
    "strat",
    "weber",
    "o'brien",
    "brien",
    "2026",
    "straße",
    "strasse",
    "istanbul",
    "zzz",
    "harbor zzz",
    "!!! ...",
]


@pytest.mark.parametrize(
    ("broad", "listed", "budget"),
    [(5000, 30, 3), (0, 30, 3), (0, 0, 3), (0, 0, 0)],
    ids=["matches-sorted", "walk-list", "walk-checking-rows", "walk-gives-up"],
)
def test_search_pages_match_the_search_index(
    search_portfolio: None,
    session: Session,
    actor: Actor,
    monkeypatch: pytest.MonkeyPatch,
    broad: int,
    listed: int,
    budget: int,
) -> None:
    """Every sort, both directions, first and later pages, whether the page is
    read by sorting the matches, by walking an index looking rows up in the
    list of matches, or checking each row (and giving up a walk that passes
    too many rows)."""
    monkeypatch.setattr(queries, "BROAD_SEARCH", broad)
    monkeypatch.setattr(queries, "LIST_MATCHES_FACTOR", listed)
    monkeypatch.setattr(queries, "WALK_BUDGET", budget)
    monkeypatch.setattr(queries, "PREFIX_WALK", budget)
    monkeypatch.setattr(queries, "FEW_OTHERS", 200 if listed else 0)
    for search in SEARCHES:
        filters = queries.CustomerFilter(search=search)
        for sort in queries.SORTS:
            for desc in (False, True):
                want = plain_search(session, actor, search, sort, desc)
                for limit, offset in ((50, 0), (3, 0), (3, 2), (2, 5), (0, 0)):
                    got = queries.list_customers(
                        session,
                        actor.client_id,
                        filters,
                        sort=sort,
                        desc=desc,
                        limit=limit,
                        offset=offset,
                    )
                    assert [r["name"] for r in got] == want[offset : offset + limit], (
                        search,
                        sort,
                        desc,
                        limit,
                        offset,
                    )
        assert customer_counts.count_customers(session, actor.client_id, filters) == len(want), (
            search
        )


def test_a_broad_search_walks_the_sort_index_checking_rows(
    search_portfolio: None, session: Session, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queries, "BROAD_SEARCH", 0)
    monkeypatch.setattr(queries, "LIST_MATCHES_FACTOR", 0)
    filters = queries.CustomerFilter(search="chloe strat")
    where, _params = queries.filter_sql(session, actor.client_id, filters, sort="mrr")
    assert "GLOB" in where and "customer_fts" not in where
    got = queries.list_customers(session, actor.client_id, filters, sort="mrr", desc=True)
    # the manager "Chloé Martin" is read by the index's tokenizer (accent removed)
    assert sorted(r["name"] for r in got) == [
        "Harbors Logistics 07",
        "Summit Labs 15",
        "Zenith Analytics 19",
    ]


def test_a_search_for_a_word_no_name_has_reads_nothing(
    search_portfolio: None, session: Session, actor: Actor
) -> None:
    search = queries.search_sql.parse_search(session.connection(), "harbor zzz")
    assert search.match is None
    where, _params = queries.filter_sql(
        session, actor.client_id, queries.CustomerFilter(search="harbor zzz")
    )
    assert "1 = 0" in where


def test_words_are_searched_as_the_index_terms_they_start(
    search_portfolio: None, session: Session, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = session.connection()
    search = queries.search_sql.parse_search(conn, "Harbor lo")
    assert search.tokens == ("harbor", "lo")
    assert search.terms == (("harbor", "harbor-logistics", "harbors"), ("logistics",))
    assert search.match == '("harbor" OR "harbor-logistics" OR "harbors") AND ("logistics")'
    assert queries.search_sql.parse_search(conn, "chloé").terms == (("chloe",),)
    # more terms than listed: a prefix query
    monkeypatch.setattr(queries.search_sql, "TERMS_PER_WORD", 1)
    assert queries.search_sql.parse_search(conn, "s").match == '"s"*'


def test_a_name_sorted_page_of_two_words_reads_names_starting_with_both(
    search_portfolio: None, session: Session, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queries, "BROAD_SEARCH", 0)
    conn = session.connection()
    words = queries.search_sql.name_prefix_words(conn, "logistics harbor")
    assert queries._leading_words(conn, words, 50) == [(1, "harbor"), (0, "logistics")]
    filters = queries.CustomerFilter(search="logistics harbor")
    search = queries.search_sql.parse_search(conn, "logistics harbor")
    page = queries._name_prefix_page(session, actor.client_id, filters, search, limit=50, offset=0)
    assert page is not None
    assert [r["name"] for r in page] == plain_search(
        session, actor, "logistics harbor", "name", False
    )


def test_odd_ranges_hold_every_other_spelling_of_the_phrase() -> None:
    names = [
        "harbor  logistics",
        "harbor, logistics",
        "harbor lögistics",
        "härbor logistics",
        "(harbor logistics)",
        "harbor\tlogistics",
        "harbor—logistics",
        "harbor .logistics",
    ]
    ranges = queries._odd_ranges("harbor logistics")
    for name in names:
        assert any(low <= name < high for low, high in ranges), name
    # names starting with the phrase itself are read from its own range
    assert not any(low <= "harbor logistics 01" < high for low, high in ranges)


def test_rows_are_read_as_the_search_index_reads_them() -> None:
    """ASCII is split here; it must split exactly as the index's tokenizer."""
    from iqcadence.core.store import search_index, search_sql

    for code in range(1, 128):
        text_ = f"ab{chr(code)}cd {chr(code)}x Y{chr(code)}"
        assert search_index.search_tokens(text_) == search_index._indexed_tokens(text_), repr(
            chr(code)
        )
    assert search_index.search_tokens("Chloé Martin") == ("chloe", "martin")
    assert search_index.search_tokens("İstanbul") == ("istanbul",)
    assert search_sql._row_matches("Summit", "Chloé Martin", None, "chlo\x1fsum") == 1
    assert search_sql._row_matches("Summit", "Chloé Martin", None, "hlo") == 0


def harbor_names(
    session: Session, actor: Actor, sort: str, desc: bool, column: str, value: str
) -> list[str]:
    """The whole plain list searching "harbor", kept to rows whose `column` is
    `value`: what a filtered page must be a slice of."""
    rows = queries.list_customers(
        session,
        actor.client_id,
        queries.CustomerFilter(search="harbor"),
        sort=sort,
        desc=desc,
        limit=None,
    )
    return [r["name"] for r in rows if r[column] == value]


@pytest.mark.parametrize("listed", [30, 0])
def test_a_search_with_other_filters_looks_rows_up_in_the_matches(
    search_portfolio: None,
    session: Session,
    actor: Actor,
    monkeypatch: pytest.MonkeyPatch,
    listed: int,
) -> None:
    """A filter besides the status: the walk consults the list of matches
    before reading a row, never a check that reads every row."""
    monkeypatch.setattr(queries, "BROAD_SEARCH", 0)
    monkeypatch.setattr(queries, "LIST_MATCHES_FACTOR", listed)
    filters = queries.CustomerFilter(search="harbor", manager="ana souza")
    where, _params = queries.filter_sql(session, actor.client_id, filters, sort="mrr")
    assert "GLOB" not in where and "customer.id + 0 IN" in where
    for sort in ("mrr", "name", "renewal"):
        for desc in (False, True):
            want = harbor_names(session, actor, sort, desc, "manager", "Ana Souza")
            got = queries.list_customers(
                session, actor.client_id, filters, sort=sort, desc=desc, limit=2, offset=1
            )
            assert [r["name"] for r in got] == want[1:3]
    assert len(want) == 5


def test_a_search_in_one_tier_sorted_by_its_index_checks_rows_on_the_walk(
    search_portfolio: None, session: Session, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """(tier, score) and (tier, mrr) walk only the tier's rows, so a search
    within a tier sorted by score, MRR or ARR checks each row it passes; other
    sorts look rows up in the matches. Pages are those of the plain list."""
    session.connection().exec_driver_sql(
        "UPDATE customer SET tier = CASE id % 3 WHEN 0 THEN 'smb' WHEN 1 THEN 'mid' "
        "ELSE 'enterprise' END"
    )
    monkeypatch.setattr(queries, "BROAD_SEARCH", 0)
    monkeypatch.setattr(queries, "LIST_MATCHES_FACTOR", 0)
    tier = "mid"
    for sort, checked in (("mrr", True), ("arr", True), ("score", True), ("name", False)):
        filters = queries.CustomerFilter(search="harbor", tier=tier)
        where, _params = queries.filter_sql(session, actor.client_id, filters, sort=sort)
        assert ("GLOB" in where) is checked, sort
        for desc in (False, True):
            want = harbor_names(session, actor, sort, desc, "tier", tier)
            got = queries.list_customers(
                session, actor.client_id, filters, sort=sort, desc=desc, limit=3, offset=1
            )
            assert [r["name"] for r in got] == want[1:4], (sort, desc)
            assert len(want) >= 4
