"""The Customer 360 actions that open a dialog and call a Customer 360
service: log a note / e-mail / meeting, create a task, start a playbook, the
briefing, the timeline filter; and the text of a score explanation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from iqcadence.core.base import clock
from iqcadence.core.base.labels import field_value_text, label
from iqcadence.core.read.explain import Explanation
from iqcadence.core.store.models.customer360 import EVENT_KINDS
from iqcadence.tui.modals.choice import ChoiceModal
from iqcadence.tui.modals.confirm import ConfirmModal
from iqcadence.tui.modals.form import FormField, FormModal
from iqcadence.tui.modals.text import TextModal

if TYPE_CHECKING:
    from iqcadence.tui.screens.customer360 import Customer360Screen


def explanation_text(explanation: Explanation) -> str:
    result = explanation.result
    customer = explanation.customer
    lines = [
        f"Score {customer.score if customer.score is not None else '—'} "
        f"({label('band', customer.band)}); computed {result.score} with "
        f"{explanation.weights_from} weights.",
        "",
        f"{'Signal':<19}{'value':>15}{'sub':>8}{'weight':>8}{'points':>9}",
    ]
    for line in result.lines:
        value = field_value_text(line.signal, line.value)
        sub = "—" if line.subscore is None else f"{line.subscore:.1f}"
        points = "—" if line.contribution is None else f"{line.contribution:.2f}"
        name = label("signal", line.signal)
        lines.append(f"{name:<19}{value:>15}{sub:>8}{line.weight:>8}{points:>9}")
    if explanation.previous is not None:
        lines += [
            "",
            f"Since {explanation.previous.taken_at:%Y-%m-%d} ({explanation.previous.score}):",
        ]
        for move in explanation.moves:
            effect = ""
            if move.score_effect == 0:
                effect = "  (no effect on the score)"
            elif move.score_effect is not None:
                effect = f"  ({move.score_effect:+g} points)"
            before = field_value_text(move.signal, move.before)
            after = field_value_text(move.signal, move.after)
            lines.append(f"  {label('signal', move.signal)}: {before} → {after}{effect}")
        if not explanation.moves:
            lines.append("  no signal changed")
    if explanation.flags:
        lines += ["", "Worth a look:"]
        lines += [f"  • {flag.message}" for flag in explanation.flags]
    return "\n".join(lines)


def _record_name(screen: Customer360Screen) -> str | None:
    return screen.record.customer.name if screen.record is not None else None


def _contact_names(screen: Customer360Screen) -> tuple[str, ...]:
    record = screen.record
    return tuple(c["name"] for c in record.contacts) if record is not None else ()


def meeting_slot(now: datetime) -> datetime:
    """When a new meeting starts by default: the first half hour at least an
    hour after `now` (naive UTC), in the user's time zone."""
    earliest = now.replace(tzinfo=UTC).astimezone() + timedelta(hours=1)
    slot = earliest.replace(minute=0, second=0, microsecond=0)
    while slot < earliest:
        slot += timedelta(minutes=30)
    return slot


def local_time(text: str) -> str:
    """A meeting time as typed, read in the user's time zone unless it gives
    its own UTC offset; text that is no time goes to the core as it is, for
    its sentence."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return text
    return (moment.astimezone() if moment.tzinfo is None else moment).isoformat()


def _write(screen: Customer360Screen, fn: Any, success: str) -> None:
    """Run a Customer 360 service, then re-read the record."""
    screen.iq.write_db(fn, lambda _r: screen.load(), success=success)


def log_entry(screen: Customer360Screen, kind: str) -> None:
    """n: a note; e: an e-mail to a contact; m: a meeting."""
    name = _record_name(screen)
    if name is None:
        return
    app = screen.iq
    people = _contact_names(screen)
    if kind == "note":
        fields = [
            FormField("title", "Note", "what happened", required=True),
            FormField("body", "Details", multiline=True),
            FormField("contact", "Contact", "nobody in particular", options=people),
        ]
    elif kind == "email":
        fields = [
            FormField(
                "to", "To (contact or address)", "", people[0] if people else "", required=True
            ),
            FormField("subject", "Subject", required=True),
            FormField("body", "Message", multiline=True),
            FormField("send", "Send it now (SMTP)?", "no, only log it", options=("yes",)),
        ]
    else:
        slot = meeting_slot(clock.now())
        fields = [
            FormField("title", "Meeting", "e.g. QBR", required=True),
            FormField(
                "at",
                f"When (your time, {slot.tzname()})",
                "YYYY-MM-DD HH:MM",
                slot.strftime("%Y-%m-%d %H:%M"),
                required=True,
            ),
            FormField("duration", "Length", "30m, 1h", "30m"),
            FormField("with", "With (contacts, comma-separated)", ", ".join(people[:1])),
        ]

    def submit(values: dict[str, str] | None) -> None:
        if values is None:
            return

        def write(session: Any) -> Any:
            from iqcadence.core.accounts import outreach, timeline

            if kind == "note":
                return timeline.log_event(
                    session,
                    app.actor,
                    name,
                    kind="note",
                    title=values["title"],
                    body=values["body"] or None,
                    contact=values["contact"] or None,
                )
            if kind == "email":
                return outreach.send_email(
                    session,
                    app.actor,
                    name,
                    to=values["to"],
                    subject=values["subject"],
                    body=values["body"],
                    send=values["send"] == "yes",
                )
            people_ = [p.strip() for p in values["with"].split(",") if p.strip()]
            return outreach.schedule_meeting(
                session,
                app.actor,
                name,
                title=values["title"],
                at=local_time(values["at"]),
                duration=values["duration"] or "30m",
                with_contacts=people_,
            )

        _write(screen, write, done[kind])

    done = {
        "note": "Note added to the timeline.",
        "email": "E-mail logged to the timeline.",
        "meeting": "Meeting added to the timeline.",
    }
    titles = {"note": "New note", "email": "New e-mail", "meeting": "Schedule a meeting"}
    screen.app.push_screen(FormModal(f"{titles[kind]} — {name}", fields), submit)


def new_task(screen: Customer360Screen) -> None:
    """t: a task on this customer (you by default), shown in its owner's My day."""
    name = _record_name(screen)
    if name is None:
        return
    app = screen.iq
    fields = [
        FormField("title", "Task", "what to do", required=True),
        FormField("due", "Due", "YYYY-MM-DD", app.today.isoformat()),
        FormField("owner", "Owner", app.actor.email, app.actor.email),
        FormField("description", "Description", multiline=True),
    ]

    def submit(values: dict[str, str] | None) -> None:
        if values is None:
            return

        def write(session: Any) -> Any:
            from iqcadence.core.accounts import tasks

            return tasks.add_task(
                session,
                app.actor,
                name,
                values["title"],
                due=values["due"] or None,
                owner=values["owner"] or None,
                description=values["description"] or None,
            )

        _write(screen, write, "Task created.")

    screen.app.push_screen(FormModal(f"New task — {name}", fields), submit)


def start_playbook(screen: Customer360Screen) -> None:
    """p: pick a playbook and start it on this customer."""
    name = _record_name(screen)
    if name is None:
        return
    app = screen.iq

    def listed(session: Any) -> list[tuple[str, str]]:
        from iqcadence.core.accounts import playbooks

        return [
            (p.name, f"{p.name}" + ("" if p.enabled else " (disabled)"))
            for p in playbooks.list_playbooks(session, app.actor)
        ]

    def choose(options: list[tuple[str, str]]) -> None:
        if not options:
            screen.notify(
                "No playbooks yet: add one with `iqcadence playbooks add FILE`.", severity="warning"
            )
            return

        def picked(playbook: str | None) -> None:
            if not playbook:
                return

            def write(session: Any) -> Any:
                from iqcadence.core.accounts import playbooks

                return playbooks.start_playbook(session, app.actor, playbook, name)

            _write(screen, write, f"Playbook {playbook!r} started.")

        screen.app.push_screen(ChoiceModal(f"Start a playbook on {name}", options), picked)

    app.run_db(listed, choose)


def brief(screen: Customer360Screen) -> None:
    """b: a readable briefing (state, last touches, playbooks, what to ask)."""
    name = _record_name(screen)
    if name is None:
        return
    app = screen.iq

    def build(session: Any) -> str:
        from iqcadence.core.read.brief import build_brief

        return str(build_brief(session, app.actor, name, today=app.today)["text"])

    app.run_db(build, lambda body: app.push_screen(TextModal(f"Briefing — {name}", body)))


def export_pdf(screen: Customer360Screen) -> None:
    """E: the record (header, attributes, timeline, health history) as a PDF."""
    name = _record_name(screen)
    if name is None:
        return
    app = screen.iq
    from iqcadence.core.store.db import data_dir

    slug = "".join(ch if ch.isalnum() else "-" for ch in name.lower()).strip("-") or "record"
    default = str(data_dir() / "exports" / f"{slug}-record.pdf")

    def submit(values: dict[str, str] | None) -> None:
        if not values:
            return
        from iqcadence.core.base.errors import RefusedFile
        from iqcadence.core.store.output_files import check_output

        target = Path(values["path"]).expanduser()
        try:  # the database, a folder: refused before anything is asked
            checked = check_output(
                target, database=app.database.location, force=True, label="", create_folders=True
            )
        except RefusedFile as refused:
            app.report_error(str(refused))
            return
        if checked.existed and not checked.in_place:
            app.push_screen(
                ConfirmModal(f"Replace the existing file {target}?", confirm_label="Replace"),
                lambda replace: save(target, force=True) if replace else None,
            )
            return
        save(target, force=False)

    def save(target: Path, *, force: bool) -> None:
        def write(session: Any) -> str:
            from iqcadence.core.reports import service as reports_service
            from iqcadence.core.store.output_files import write_output

            content = reports_service.record_pdf(session, app.actor, name)
            write_output(
                target,
                content,
                database=app.database.location,
                force=force,
                label="",
                what="the record",
                create_folders=True,
            )
            return str(target)

        app.run_db(write, lambda path: screen.notify(f"Record saved to {path}."))

    screen.app.push_screen(
        FormModal(
            f"Export {name} as PDF", [FormField("path", "File", value=default, required=True)]
        ),
        submit,
    )


def timeline_filter(screen: Customer360Screen) -> None:
    current = screen.timeline_filter

    def apply(values: dict[str, str] | None) -> None:
        if values is not None:
            screen.timeline_filter = values
            screen.load()

    fields: list[Any] = [
        FormField(
            "type", "Type", "any type", current.get("type", ""), EVENT_KINDS, kind="event_kind"
        ),
        FormField("days", "Days", "any time", current.get("days", ""), options=("7", "30", "90")),
        FormField("contact", "Contact", "anyone", current.get("contact", "")),
        FormField("author", "Author", "anyone", current.get("author", "")),
    ]
    screen.app.push_screen(FormModal("Filter the timeline", fields, save_label="Apply"), apply)
