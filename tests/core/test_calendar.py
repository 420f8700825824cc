"""`.ics`: our invites parse back; a calendar imports with correct matching."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar

from iqcadence.core.accounts import contacts, customers, invites, timeline
from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import RefusedFile
from iqcadence.core.io import events as imports_events

DATA = Path(__file__).parent.parent / "data"


def test_invite_round_trip() -> None:
    ics = invites.build_invite(
        title="Renewal review",
        start=datetime(2026, 12, 3, 15, 30),
        duration=timedelta(minutes=45),
        organizer=invites.Person("casey@ourteam.example", "Casey"),
        attendees=[invites.Person("jane@acme.com", "Jane Doe"), invites.Person("bo@acme.com")],
        description="Agenda: usage, renewal terms.",
        uid="fixed-uid@ourteam.example",
    )
    calendar = Calendar.from_ical(ics)
    assert str(calendar["method"]) == "REQUEST" and str(calendar["version"]) == "2.0"
    event = calendar.walk("VEVENT")[0]
    assert event.get("dtstamp") is not None
    assert event.decoded("dtstart").isoformat() == "2026-12-03T15:30:00+00:00"
    assert event.decoded("dtend").isoformat() == "2026-12-03T16:15:00+00:00"
    assert str(event["organizer"]) == "mailto:casey@ourteam.example"
    attendees = event["attendee"]
    assert [str(a) for a in attendees] == ["mailto:jane@acme.com", "mailto:bo@acme.com"]
    assert attendees[0].params["CN"] == "Jane Doe" and attendees[0].params["RSVP"] == "TRUE"
    (meeting,) = invites.read_meetings(ics)
    assert meeting.uid == "fixed-uid@ourteam.example"
    assert meeting.start == datetime(2026, 12, 3, 15, 30)
    assert meeting.end == datetime(2026, 12, 3, 16, 15)
    assert meeting.title == "Renewal review"
    assert [p.email for p in meeting.attendees] == ["jane@acme.com", "bo@acme.com"]


def _portfolio(session: Any, actor: Actor) -> None:
    customers.apply_changes(session, actor, "Acme", {"logins": 10})
    contacts.add_contact(session, actor, "Acme", "Jane Doe", email="jane@acme.com")
    customers.apply_changes(session, actor, "Globex", {"domain": "globex.com", "logins": 5})
    customers.apply_changes(
        session, actor, "Initech", {"website": "https://www.initech.com", "logins": 5}
    )


def test_sample_calendar_imports_with_matching(session: Any, actor: Actor) -> None:
    _portfolio(session, actor)
    summary = imports_events.import_events(session, actor, DATA / "sample_calendar.ics")
    assert summary.written and summary.format == "ics"
    assert (summary.rows, summary.created, summary.rejected) == (4, 3, 0)
    assert {m["uid"]: m["customers"] for m in summary.matched} == {
        "qbr-acme-2026@example.org": ["Acme"],
        "globex-sync@example.org": ["Globex"],
        "initech-kickoff@example.org": ["Initech"],
    }
    assert [u["uid"] for u in summary.unmatched] == ["coffee@example.org"]
    assert summary.matched[0]["people"] == ["jane@acme.com", "casey@ourteam.example"]

    (qbr,) = timeline.list_events(session, actor, "Acme", kinds=["meeting"])
    assert qbr.title == "Acme QBR" and qbr.source == "ics"
    assert qbr.external_id == "qbr-acme-2026@example.org"
    assert qbr.at == datetime(2026, 11, 20, 15, 0)
    assert qbr.contact_id is not None  # matched through the contact's e-mail
    assert qbr.author == "casey@ourteam.example"
    (sync,) = timeline.list_events(session, actor, "Globex", kinds=["meeting"])
    assert sync.at == datetime(2026, 11, 24, 9, 0)  # Berlin 10:00 → 09:00 UTC
    (kickoff,) = timeline.list_events(session, actor, "Initech", kinds=["meeting"])
    assert kickoff.properties["end"] == "2026-12-03T09:45"
    # a past meeting resets days-since-contact; the future kickoff does not
    acme = customers.get_customer(session, actor, "Acme")
    assert customers.signals_of(acme, date(2026, 11, 27))["days"] == 7
    assert customers.get_customer(session, actor, "Initech").days_baseline is None


def test_reimport_never_duplicates(session: Any, actor: Actor) -> None:
    _portfolio(session, actor)
    imports_events.import_events(session, actor, DATA / "sample_calendar.ics")
    again = imports_events.import_events(session, actor, DATA / "sample_calendar.ics")
    assert (again.created, again.unchanged) == (0, 3)
    assert len(timeline.list_events(session, actor, "Acme", kinds=["meeting"])) == 1


def test_not_a_calendar_is_refused(session: Any, actor: Actor, tmp_path: Path) -> None:
    bad = tmp_path / "bad.ics"
    bad.write_text("hello")
    with pytest.raises(RefusedFile, match="bad.ics"):
        imports_events.import_events(session, actor, bad)


def test_csv_and_jsonl_rows(session: Any, actor: Actor, tmp_path: Path) -> None:
    _portfolio(session, actor)
    csv_file = tmp_path / "events.csv"
    csv_file.write_text(
        "Customer,Kind,Subject,At,Contact,Source,External ID,Status,prop.plan\n"
        "Acme,email,Renewal terms,2026-11-25T10:00,jane@acme.com,gmail,m-1,,\n"
        "Globex,ticket,Login broken,2026-11-26,,zendesk,z-9,open,\n"
        "Globex,product_event,feature_used,2026-11-26,,,,,pro\n"
    )
    summary = imports_events.import_events(session, actor, csv_file)
    assert (summary.created, summary.rejected, summary.written) == (3, 0, True)
    assert customers.get_customer(session, actor, "Globex").tickets == 1
    (product,) = timeline.list_events(session, actor, "Globex", kinds=["product_event"])
    assert product.properties == {"plan": "pro"}

    jsonl = tmp_path / "events.jsonl"
    jsonl.write_text(
        '{"customer": "Acme", "kind": "call", "title": "Check-in", "at": "2026-11-26T09:00"}\n'
        '{"customer": "Acme", "kind": "note", "title": "Prop", "properties": {"a": 1}}\n'
    )
    summary = imports_events.import_events(session, actor, jsonl)
    assert (summary.created, summary.rejected) == (2, 0)


def test_bad_rows_write_nothing_unless_skipped(session: Any, actor: Actor, tmp_path: Path) -> None:
    _portfolio(session, actor)
    csv_file = tmp_path / "events.csv"
    csv_file.write_text(
        "customer,kind,title\nAcme,note,Fine\nNobody Inc,note,Lost\nAcme,party,Bad kind\n"
    )
    summary = imports_events.import_events(session, actor, csv_file)
    assert not summary.written and summary.rejected == 2
    messages = [p.message for p in summary.errors]
    assert messages[0].startswith(f"{csv_file}:3: customer: customer 'Nobody Inc' does not exist")
    assert messages[1].startswith(f"{csv_file}:4: kind: ")
    assert timeline.list_events(session, actor, "Acme", kinds=["note"]) == []
    summary = imports_events.import_events(session, actor, csv_file, skip_invalid=True)
    assert summary.written and summary.created == 1
    assert [e.title for e in timeline.list_events(session, actor, "Acme", kinds=["note"])] == [
        "Fine"
    ]
