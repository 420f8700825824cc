"""`email`, `meeting`, `smtp` and `import events`: talking to customers and
bringing outside conversations into the timeline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from iqcadence.cli import common

smtp_app = typer.Typer(
    help=(
        "The SMTP server e-mails and invites go out through (password kept in the OS "
        "keyring).\n\nExample:\n\n\b\n  iqcadence smtp set --host smtp.example.com --port 587 \\\n"
        "    --user me@example.com --from me@example.com --starttls"
    ),
    no_args_is_help=True,
)


def email_command(
    ctx: typer.Context,
    customer: str = typer.Argument(..., help="Customer name (any case)."),
    to: str = typer.Option(..., "--to", metavar="CONTACT", help="Contact name or e-mail."),
    subject: str = typer.Option(..., "--subject", help="Subject line."),
    body: str = typer.Option(..., "--body", help="Message text ('-' reads stdin)."),
    send: bool = typer.Option(
        False, "--send", help="Deliver through the configured SMTP server (else only log)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print what was logged as JSON."),
) -> None:
    """Log an e-mail to a contact on the customer's timeline, and with --send
    deliver it first. Logging resets days-since-contact.

    Example:

    \b
      iqcadence email "Acme Corp" --to "Jane Doe" --subject Renewal --body "Hi"
      iqcadence email Acme --to jane@acme.com --subject Renewal --body "Hi" --send
    """
    from iqcadence.core.accounts import outreach

    text = typer.get_text_stream("stdin").read() if body == "-" else body
    with common.session_as(ctx) as (session, actor):
        result = outreach.send_email(
            session, actor, customer, to=to, subject=subject, body=text, send=send
        )
        data = result.to_dict()
    if as_json:
        common.print_json(data)
        return
    verb = "Sent and logged" if send else "Logged"
    common.console().print(
        f"{verb} e-mail “{data['title']}” to {', '.join(data['recipients'])} "
        f"on {data['customer']}'s timeline."
    )


def meeting_command(
    ctx: typer.Context,
    customer: str = typer.Argument(..., help="Customer name (any case)."),
    title: str = typer.Option(..., "--title", help="Meeting title."),
    at: str = typer.Option(
        ..., "--at", metavar="DATETIME", help="Start, YYYY-MM-DDTHH:MM (UTC unless +HH:MM)."
    ),
    duration: str = typer.Option("30m", "--duration", help="30m, 1h, 1h30m."),
    with_: Annotated[
        list[str] | None,
        typer.Option("--with", metavar="CONTACT", help="Attendee contact (repeatable)."),
    ] = None,
    description: str = typer.Option("", "--description", help="Agenda or notes."),
    ics: str | None = typer.Option(None, "--ics", metavar="OUT.ics", help="Write the invite."),
    force: bool = typer.Option(False, "--force", help="Replace the --ics file if it exists."),
    send: bool = typer.Option(False, "--send", help="E-mail the invite to the attendees."),
    as_json: bool = typer.Option(False, "--json", help="Print what was logged as JSON."),
) -> None:
    """Schedule a meeting: an RFC 5545 invite (written with --ics, e-mailed with
    --send) and a meeting on the customer's timeline.

    Example:

    \b
      iqcadence meeting "Acme Corp" --title QBR --at 2026-12-03T15:00 --ics q.ics
      iqcadence meeting "Acme Corp" --title QBR --at 2026-12-03T15:00 \\
        --duration 1h --with "Jane Doe" --send
    """
    import os

    from iqcadence.core.accounts import outreach
    from iqcadence.core.base.errors import RefusedFile
    from iqcadence.core.store import output_files

    location = common.options(ctx).location()
    if ics is not None:
        # Refuse an unwritable destination before anything is logged or sent.
        try:
            target = output_files.check_output(
                ics, database=location, force=force, label="--ics", what="the invite"
            )
            if not os.access(target.path.parent, os.W_OK):
                raise RefusedFile(f"--ics {ics}: cannot write the invite (permission denied).")
        except RefusedFile as refused:
            raise common.fail(f"{str(refused).rstrip('.')}; nothing was logged.") from None

    with common.session_as(ctx) as (session, actor):
        result = outreach.schedule_meeting(
            session,
            actor,
            customer,
            title=title,
            at=at,
            duration=duration,
            with_contacts=with_ or [],
            description=description,
            send=send,
        )
        data = result.to_dict()
    if ics is not None and result.ics is not None:
        output_files.write_output(
            ics, result.ics, database=location, force=force, label="--ics", what="the invite"
        )
        data["ics"] = ics
    if as_json:
        common.print_json(data)
        return
    out = common.console()
    sent = " and sent the invite" if send else ""
    out.print(
        f"Logged meeting “{data['title']}” at {data['at'].replace('T', ' ')} "
        f"on {data['customer']}'s timeline{sent}."
    )
    if ics is not None:
        out.print(f"Invite written to {ics}.")


@smtp_app.command("set")
def smtp_set_command(
    ctx: typer.Context,
    host: str = typer.Option(..., "--host", help="SMTP server host name."),
    port: int | None = typer.Option(
        None,
        "--port",
        help="Port (default 587 STARTTLS, 465 SSL, 25 none).",
        callback=common.whole_number("--port", 1, 65535),
    ),
    user: str | None = typer.Option(None, "--user", help="Login user (none = no login)."),
    sender: str = typer.Option(..., "--from", metavar="ADDRESS", help="From address."),
    starttls: bool = typer.Option(False, "--starttls", help="Upgrade with STARTTLS (default)."),
    ssl: bool = typer.Option(False, "--ssl", help="Connect with TLS from the start."),
    no_tls: bool = typer.Option(False, "--no-tls", help="Plain connection (local relays only)."),
    timeout: float | None = typer.Option(None, "--timeout", help="Seconds (default 15)."),
    ca_file: str | None = typer.Option(
        None,
        "--ca-file",
        metavar="PEM",
        help="Trust the server's certificate through this CA file instead of the system's "
        "(a private CA); IQCADENCE_SMTP_CA_FILE overrides it.",
    ),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from stdin instead of a prompt."
    ),
) -> None:
    """Configure the SMTP server (admin). With --user, the password is asked
    (hidden) and kept in the OS keyring, never in the database; without a
    usable keyring, set IQCADENCE_SMTP_PASSWORD instead.

    Example:

    \b
      iqcadence smtp set --host smtp.example.com --port 587 --user me@example.com
        --from me@example.com --starttls
    """
    from iqcadence.core.store import mail

    chosen = [name for name, on in (("starttls", starttls), ("ssl", ssl), ("none", no_tls)) if on]
    if len(chosen) > 1:
        raise common.fail("give one of --starttls, --ssl or --no-tls.", 2)
    smtp = mail.validate(
        host=host,
        port=port,
        user=user,
        sender=sender,
        security=chosen[0] if chosen else "starttls",
        timeout=timeout,
        ca_file=ca_file,
    )
    password: str | None = None
    if smtp.user:
        if password_stdin:
            password = typer.get_text_stream("stdin").readline().rstrip("\r\n")
        else:
            password = typer.prompt(f"Password for {smtp.user}", hide_input=True, default="")
    stored = None
    with common.session_as(ctx) as (session, actor):
        actor.require_admin("configure the SMTP server")
        if password:
            # before saving, so a keyring failure changes nothing
            stored = mail.set_password(password)
        mail.save_settings(session, actor, smtp)
    out = common.console()
    out.print(f"SMTP server set: {smtp.host}:{smtp.port} ({smtp.security}), from {smtp.sender}.")
    if smtp.user and password and stored is None:
        out.print("Password not stored: the environment already gives it.")
    elif smtp.user and password and stored is not None:
        out.print(f"Password stored in the keyring backend {stored.name}.", markup=False)
        warning = mail.password_warning()
        if warning:
            common.err_console().print(f"warning: {warning}", soft_wrap=True, markup=False)
    elif smtp.user:
        out.print("No password given: set IQCADENCE_SMTP_PASSWORD or run this again.")


@smtp_app.command("show")
def smtp_show_command(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print the settings as JSON."),
) -> None:
    """Show the SMTP settings; the password is masked and its source named.

    Example:

    \b
      iqcadence smtp show --json
    """
    from iqcadence.core.store import mail

    with common.session_as(ctx, write=False) as (session, actor):
        data = mail.describe(session, actor.client_id)
    if as_json:
        common.print_json(data)
        return
    out = common.console()
    if not data["configured"]:
        out.print("No SMTP server configured (`iqcadence smtp set --help`).")
        return
    for key in ("host", "port", "security", "user", "from", "timeout", "ca_file", "password"):
        shown = data.get(key) if data.get(key) is not None else "—"
        out.print(f"{key:>9}: {shown}", markup=False)
    out.print(f"{'source':>9}: {data['password_source']}")
    if data["keyring_backend"]:
        plain = " (a plain-text file)" if data["keyring_plaintext"] else ""
        out.print(f"{'keyring':>9}: {data['keyring_backend']}{plain}", markup=False)


@smtp_app.command("test")
def smtp_test_command(
    ctx: typer.Context,
    to: str = typer.Argument(..., help="Address to send a test message to."),
) -> None:
    """Send a short test message through the configured server (not as a viewer).

    Example:

    \b
      iqcadence smtp test me@example.com
    """
    from iqcadence.core.store import mail

    with common.session_as(ctx, write=False) as (session, actor):
        smtp = mail.send_test_message(session, actor, to)
    common.console().print(f"Test message delivered to {smtp.host}:{smtp.port} for {to}.")


def import_events_command(
    ctx: typer.Context,
    file: str = typer.Argument(..., help="A .csv, .jsonl or .ics file ('-' = stdin)."),
    format_: str | None = typer.Option(None, "--format", help="csv | jsonl | ics."),
    skip_invalid: bool = typer.Option(
        False, "--skip-invalid", help="Write the good rows even when some are rejected."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check and report; write nothing."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Import timeline events from CSV or JSON lines, or meetings from an .ics
    calendar. Calendar meetings go to the customers their attendees belong to
    (contact e-mail, else e-mail domain); unmatched meetings are listed.
    Re-importing never duplicates (source + external id; the UID for .ics).

    Example:

    \b
      iqcadence import events calendar.ics
      iqcadence import events tickets.csv --skip-invalid
    """
    import sys

    from iqcadence.core.io import events as imports_events

    if file == "-" and not format_:
        raise common.fail("reading stdin needs --format csv|jsonl|ics.", 2)
    source: Any = sys.stdin.buffer if file == "-" else Path(file)
    with common.session_as(ctx) as (session, actor):
        summary = imports_events.import_events(
            session,
            actor,
            source,
            name="stdin" if file == "-" else file,
            format=format_,
            skip_invalid=skip_invalid,
            dry_run=dry_run,
        )
    data = summary.to_dict()
    if as_json:
        common.print_json(data)
    else:
        _render_import(data)
    if data["rejected"]:
        raise typer.Exit(3 if data["written"] else 1)


def _render_import(data: dict[str, Any]) -> None:
    from rich.markup import escape

    out = common.console()
    err = common.err_console()
    nothing_written = data["dry_run"] or (data["rejected"] and not data["written"])
    verb = "Would import" if nothing_written else "Imported"
    out.print(
        f"{verb} {data['file']} ({data['format']}): {data['rows']} read, "
        f"{data['created']} new, {data['updated']} updated, {data['unchanged']} unchanged, "
        f"{data['rejected']} rejected."
    )
    for item in data["matched"]:
        out.print(
            f"  matched  {escape(item['start'].replace('T', ' '))}  {escape(item['title'])} "
            f"→ {escape(', '.join(item['customers']))}"
        )
    for item in data["unmatched"]:
        out.print(
            f"  [yellow]unmatched[/] {escape(item['start'].replace('T', ' '))}  "
            f"{escape(item['title'])} ({escape(', '.join(item['people']) or 'no attendees')})"
        )
    if data["ignored_columns"]:
        out.print(f"Ignored columns: {escape(', '.join(data['ignored_columns']))}.")
    for problem in data["errors"][:20]:
        err.print(escape(problem["message"]), highlight=False, soft_wrap=True)
    if data["rejected"] and not data["written"] and not data["dry_run"]:
        err.print(
            f"error: {data['rejected']} row{'' if data['rejected'] == 1 else 's'} rejected, "
            "so nothing was written "
            "(fix them, or pass --skip-invalid to write the good rows).",
            highlight=False,
        )


def register(app: typer.Typer) -> None:
    from iqcadence.cli.import_group import ensure_registered

    app.command("email")(email_command)
    app.command("meeting")(meeting_command)
    app.add_typer(smtp_app, name="smtp")
    ensure_registered(app).command("events")(import_events_command)
