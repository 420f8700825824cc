"""The customer filters `customers list` and `export csv` share: one set of
options and one way to turn them into a `CustomerFilter`."""

from __future__ import annotations

from typing import Annotated, Any

import typer

LIST_STATUSES = ("active", "archived", "trashed", "all")

Band = Annotated[
    str | None, typer.Option("--band", help="critical | at_risk | watch | healthy | expansion.")
]
Manager = Annotated[str | None, typer.Option("--manager", help="Primary CSM (exact, any case).")]
Tier = Annotated[str | None, typer.Option("--tier", help="smb | mid | enterprise.")]
Tag = Annotated[str | None, typer.Option("--tag", help="Customers carrying this tag.")]
Lifecycle = Annotated[
    str | None,
    typer.Option("--lifecycle", help="onboarding | active | atrisk | won | churned."),
]
Status = Annotated[
    str, typer.Option("--status", help="active (default) | archived | trashed | all.")
]
Search = Annotated[
    str | None,
    typer.Option("--search", help="Words matching the start of words in name, manager or tags."),
]
Where = Annotated[
    list[str] | None,
    typer.Option("--where", metavar="FIELD=VALUE", help="Custom field equals value (repeatable)."),
]
Sort = Annotated[str, typer.Option("--sort", help="name | score | mrr | arr | renewal | updated.")]
Desc = Annotated[bool, typer.Option("--desc", help="Sort descending.")]


def customer_filter(
    *,
    band: str | None,
    manager: str | None,
    tier: str | None,
    tag: str | None,
    lifecycle: str | None,
    status: str,
    search: str | None,
    where: list[str] | None,
) -> Any:
    """A validated `CustomerFilter` (bad values refused before any output)."""
    from iqcadence.core.base.errors import InvalidValue
    from iqcadence.core.read import customer_pages as queries
    from iqcadence.core.scoring.fields import parse_assignment

    if status not in LIST_STATUSES:
        raise InvalidValue(f"--status: {status!r} is not one of {', '.join(LIST_STATUSES)}.")
    pairs = []
    for item in where or []:
        if "=" not in item:
            raise InvalidValue(f"--where {item!r}: expected FIELD=VALUE.")
        pairs.append(parse_assignment(item))
    if band is not None:
        band = band.strip().lower().replace(" ", "_").replace("-", "_")  # "At Risk" → at_risk
    filters = queries.CustomerFilter(
        band=band,
        manager=manager,
        tier=tier,
        tag=tag,
        lifecycle=lifecycle,
        status=None if status == "all" else status,
        search=search,
        where=pairs,
    )
    filters.validate()
    return filters
