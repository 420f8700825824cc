"""`report TYPE`, `report list`, `reports company`: PDF and CSV reports for people and cron."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from iqcadence.cli import common, quiet_mode

REPORT_TYPES = (
    ("portfolio", "Portfolio summary: KPIs, band distribution, tier breakdown."),
    ("at-risk", "At-risk accounts: below 50, most urgent first, with why."),
    ("renewals", "Renewal forecast: 12 months by month, with risk flags."),
    ("csm", "CSM performance: each manager's portfolio compared."),
    ("segments", "Segment analysis: health by tier, lifecycle stage and tag."),
    ("trend", "Trend (90 days): average score, risk share, biggest movers."),
    ("churn-risk", "Churn risk: probability per account with contributing factors."),
    ("customer", "Customer health: one account in depth (needs --customer)."),
    ("history", "Score history: every score change in 90 days (--customer for one)."),
    ("digest", "Weekly digest: movers, newly at risk, renewals, tasks done."),
)

report_app = typer.Typer(
    help="Generate a report as PDF or CSV. Example: iqcadence report portfolio --out book.pdf",
    no_args_is_help=True,
)
reports_app = typer.Typer(
    help=(
        "Report branding and schedules.\n\nExample:\n\n"
        "  iqcadence reports schedule add digest --every weekly@mon-08:00 --email lead@example.com"
    ),
    no_args_is_help=True,
)


@report_app.command("list")
def list_reports(as_json: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
    """List the report types.

    Example:

      iqcadence report list
    """
    if as_json:
        common.print_json([{"type": name, "description": text} for name, text in REPORT_TYPES])
        return
    out = common.console()
    for name, text in REPORT_TYPES:
        out.print(f"[bold]{name:<11}[/] {text}")


def _make_command(kind: str, description: str) -> None:
    def command(
        ctx: typer.Context,
        fmt: str = typer.Option("pdf", "--format", "-f", help="pdf | csv."),
        out: str | None = typer.Option(
            None, "--out", "-o", help="File to write, or - for stdout (default: TYPE-DATE.FORMAT)."
        ),
        customer: str | None = typer.Option(
            None, "--customer", help="The account (customer, history)."
        ),
        manager: str | None = typer.Option(None, "--manager", help="Only this manager's accounts."),
        tier: str | None = typer.Option(
            None, "--tier", help="Only this tier: smb | mid | enterprise."
        ),
        tag: str | None = typer.Option(None, "--tag", help="Only accounts with this tag."),
        as_of: str | None = typer.Option(
            None, "--as-of", help="Reproduce the report for a past date (YYYY-MM-DD)."
        ),
        page_size: str = typer.Option("a4", "--page-size", help="a4 | letter."),
        force: bool = typer.Option(False, "--force", help=common.FORCE_HELP),
        quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing on success."),
    ) -> None:
        from iqcadence.core.reports import service as reports_service

        if fmt not in ("pdf", "csv"):
            raise common.fail(f"--format: {fmt!r} is not one of pdf, csv.", 2)
        if page_size.lower() not in ("a4", "letter"):
            raise common.fail(f"--page-size: {page_size!r} is not one of a4, letter.", 2)
        with common.session_as(ctx, write=False) as (session, actor):
            rendered = reports_service.render(
                session,
                actor.client_id,
                kind,
                fmt=fmt,
                customer=customer,
                manager=manager,
                tier=tier,
                tag=tag,
                as_of=as_of,
                page_size=page_size,
            )
        if out == "-":
            sys.stdout.buffer.write(rendered.content)
            sys.stdout.flush()
            return
        path = Path(out) if out else Path(rendered.default_filename)
        _save(ctx, path, rendered.content, force, "the report", "--out" if out else "")
        if not quiet:
            count = rendered.pages or len(rendered.content.splitlines()) - 1
            unit = ("page" if fmt == "pdf" else "row") + ("" if count == 1 else "s")
            quiet_mode.echo(f"{path} ({count} {unit}) — {rendered.summary}")

    command.__doc__ = (
        f"{description}\n\nExample:\n\n  iqcadence report {kind} --format pdf --out {kind}.pdf"
        + (" --customer 'Acme Corp'" if kind == "customer" else "")
    )
    report_app.command(kind)(command)


for _kind, _text in REPORT_TYPES:
    _make_command(_kind, _text)


@reports_app.command("company")
def company(
    ctx: typer.Context,
    name: str | None = typer.Argument(None, help="The company name printed in report headers."),
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """Show or set the company name in report headers.

    Example:

      iqcadence reports company "Northwind CS"
    """
    from iqcadence.core.reports import service as reports_service

    with common.session_as(ctx) as (session, actor):
        if name is not None:
            reports_service.set_company(session, actor, name)
        current = reports_service.company_name(session, actor.client_id)
    if as_json:
        common.print_json({"company": current})
    else:
        quiet_mode.echo(current)


brand_app = typer.Typer(
    help=(
        "The brand colour and logo on every report PDF.\n\nExample:\n\n"
        "  iqcadence reports brand set --logo logo.png --color '#1F6FEB'"
    ),
    no_args_is_help=True,
)
reports_app.add_typer(brand_app, name="brand")


@brand_app.command("set")
def brand_set(
    ctx: typer.Context,
    logo: str | None = typer.Option(
        None, "--logo", help="A PNG or SVG file (at most 256 KB), shown at the top right."
    ),
    color: str | None = typer.Option(
        None, "--color", help="A hex colour like #1F6FEB for headers and tables; default resets."
    ),
    no_logo: bool = typer.Option(False, "--no-logo", help="Remove the logo."),
    as_json: bool = typer.Option(False, "--json", help="Print the brand as JSON."),
) -> None:
    """Set the logo and brand colour used by every report PDF (admins).

    Both are kept in the settings, so backups carry them.

    Example:

      iqcadence reports brand set --logo logo.svg --color "#0B7A75"
    """
    from iqcadence.core.reports import branding

    with common.session_as(ctx) as (session, actor):
        branding.set_brand(
            session,
            actor,
            logo=Path(logo) if logo is not None else None,
            colour=color,
            clear_logo=no_logo,
        )
        summary = branding.brand_summary(session, actor.client_id)
    _print_brand(summary, as_json)


@brand_app.command("show")
def brand_show(
    ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print as JSON.")
) -> None:
    """Show the company name, brand colour and logo of report PDFs.

    Example:

      iqcadence reports brand show --json
    """
    from iqcadence.core.reports import branding

    with common.session_as(ctx, write=False) as (session, actor):
        summary = branding.brand_summary(session, actor.client_id)
    _print_brand(summary, as_json)


def _print_brand(summary: dict[str, object], as_json: bool) -> None:
    if as_json:
        common.print_json(summary)
        return
    logo = summary["logo"]
    described = (
        f"{logo['file'] or 'logo'} ({logo['format']}, {logo['bytes']:,} bytes)"
        if isinstance(logo, dict)
        else "none"
    )
    quiet_mode.echo(f"company {summary['company']}, colour {summary['color']}, logo {described}")


def export_record(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The customer."),
    out: str = typer.Option(..., "--out", "-o", help="PDF file to write, or - for stdout."),
    page_size: str = typer.Option("a4", "--page-size", help="a4 | letter."),
    force: bool = typer.Option(False, "--force", help=common.FORCE_HELP),
) -> None:
    """Export a Customer 360 record as PDF: header, attributes and custom fields,
    contacts, score breakdown, health history and timeline.

    Example:

      iqcadence customers export-record "Acme Corp" --out acme.pdf
    """
    from iqcadence.core.reports import service as reports_service

    with common.session_as(ctx, write=False) as (session, actor):
        content = reports_service.record_pdf(session, actor, name, page_size=page_size)
    _write(ctx, out, content, force, "the record")


def qbr(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The customer."),
    out: str | None = typer.Option(
        None, "--out", "-o", help="FILE.pdf or FILE.md (default: print Markdown)."
    ),
    page_size: str = typer.Option("a4", "--page-size", help="a4 | letter (PDF only)."),
    force: bool = typer.Option(False, "--force", help=common.FORCE_HELP),
) -> None:
    """Prepare a quarterly business review: the quarter's health story, usage and
    adoption trends, tickets, wins, risks, renewal and a proposed agenda.

    Example:

      iqcadence qbr "Acme Corp" --out acme-qbr.pdf
    """
    from iqcadence.core.reports import service as reports_service

    as_pdf = out is not None and out != "-" and out.lower().endswith(".pdf")
    if out is not None and out != "-" and not as_pdf and not out.lower().endswith(".md"):
        raise common.fail(f"--out {out}: use a .pdf or .md file name.", 2)
    with common.session_as(ctx, write=False) as (session, actor):
        content = reports_service.qbr_document(
            session, actor, name, fmt="pdf" if as_pdf else "md", page_size=page_size
        )
    if out is None:
        sys.stdout.write(content.decode("utf-8"))
        return
    _write(ctx, out, content, force, "the QBR document")


def _write(ctx: typer.Context, out: str, content: bytes, force: bool, what: str) -> None:
    if out == "-":
        sys.stdout.buffer.write(content)
        sys.stdout.flush()
        return
    path = Path(out)
    _save(ctx, path, content, force, what)
    quiet_mode.echo(str(path))


def _save(
    ctx: typer.Context, path: Path, content: bytes, force: bool, what: str, label: str = "--out"
) -> None:
    """Through core's output files: never over the database, nor over an
    existing file without --force, and never half a file."""
    from iqcadence.core.store.output_files import write_output

    location = common.options(ctx).location()
    write_output(path, content, database=location, force=force, label=label, what=what)


def _register_on_customers(app: typer.Typer) -> None:
    try:
        from iqcadence.cli.customers import customers_app
    except ImportError:  # pragma: no cover - customers always ships
        return
    customers_app.command("export-record")(export_record)


schedule_app = typer.Typer(
    help=(
        "E-mail reports on a schedule (sent by `automations run`).\n\nExample:\n\n"
        "  iqcadence reports schedule add portfolio --every monthly@1-08:00 --email cso@example.com"
    ),
    no_args_is_help=True,
)

reports_app.add_typer(schedule_app, name="schedule")


@schedule_app.command("add")
def schedule_add(
    ctx: typer.Context,
    report_type: str = typer.Argument(
        ..., metavar="TYPE", help="A report type (see `report list`)."
    ),
    every: str = typer.Option(
        ..., "--every", help="daily@07:00 | weekly@mon-08:00 | monthly@1-08:00."
    ),
    email: str = typer.Option(..., "--email", help="Recipients, comma-separated."),
    fmt: str = typer.Option("pdf", "--format", "-f", help="pdf | csv."),
    manager: str | None = typer.Option(None, "--manager", help="Only this manager's accounts."),
    tier: str | None = typer.Option(None, "--tier", help="Only this tier."),
    tag: str | None = typer.Option(None, "--tag", help="Only accounts with this tag."),
    customer: str | None = typer.Option(None, "--customer", help="The account (customer report)."),
    as_json: bool = typer.Option(False, "--json", help="Print the schedule as JSON."),
) -> None:
    """Schedule a report to be e-mailed every day, week or month.

    `iqcadence automations run` (from cron) renders and sends each period
    once, through the outbox, with the report attached.

    Example:

      iqcadence reports schedule add digest --every weekly@mon-08:00 --email lead@example.com
    """
    from iqcadence.core.reports import schedules as report_schedules
    from iqcadence.core.store import mail

    with common.session_as(ctx) as (session, actor):
        schedule = report_schedules.add_schedule(
            session,
            actor,
            report_type,
            every=every,
            recipients=email,
            fmt=fmt,
            filters={"manager": manager, "tier": tier, "tag": tag, "customer": customer},
        )
        data = report_schedules.schedule_to_dict(schedule)
        smtp_ready = mail.load_settings(session, actor.client_id) is not None
    if as_json:
        common.print_json(data)
        return
    quiet_mode.echo(
        f"Scheduled {data['report']} ({data['format']}) {data['every']} to "
        f"{', '.join(data['recipients'])}; first delivery {data['next_due']}. (id {data['id']})"
    )
    if not smtp_ready:
        common.err_console().print(
            "note: no SMTP server is set yet; set one with `iqcadence smtp set` before it is due.",
            soft_wrap=True,
        )


@schedule_app.command("list")
def schedule_list(
    ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print as JSON.")
) -> None:
    """List scheduled reports with their next delivery.

    Example:

      iqcadence reports schedule list
    """
    from iqcadence.core.reports import schedules as report_schedules

    with common.session_as(ctx, write=False) as (session, actor):
        rows = [
            report_schedules.schedule_to_dict(s)
            for s in report_schedules.list_schedules(session, actor.client_id)
        ]
    if as_json:
        common.print_json(rows)
        return
    if not rows:
        quiet_mode.echo("No scheduled reports.")
        return
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for column in ("id", "report", "format", "every", "to", "filters", "next"):
        table.add_column(column)
    for row in rows:
        filters = ", ".join(f"{k}={v}" for k, v in row["filters"].items()) or "—"
        table.add_row(
            str(row["id"]),
            row["report"],
            row["format"],
            row["every"],
            ", ".join(row["recipients"]),
            filters,
            row["next_due"],
        )
    common.console().print(table)


@schedule_app.command("remove")
def schedule_remove(
    ctx: typer.Context,
    schedule_id: int = typer.Argument(..., metavar="ID", callback=common.whole_number("ID", 1)),
) -> None:
    """Remove a scheduled report.

    Example:

      iqcadence reports schedule remove 3
    """
    from iqcadence.core.reports import schedules as report_schedules

    with common.session_as(ctx) as (session, actor):
        report_schedules.remove_schedule(session, actor, schedule_id)
    quiet_mode.echo(f"Removed report schedule {schedule_id}.")


def register(app: typer.Typer) -> None:
    app.add_typer(report_app, name="report")
    app.add_typer(reports_app, name="reports")
    app.command("qbr")(qbr)
    _register_on_customers(app)
