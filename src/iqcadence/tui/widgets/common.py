"""Small pieces shared by every screen: band colours, labels and money (all
from core: `base.palette`, `base.labels`, `base.money`), the KPI strip and
the health distribution bar.

Colours are the palette's hex values; on a terminal without truecolor they
become the palette's 256-colour fallback (see `base.palette`). Amounts are
right-aligned in every table and compact only in the KPI tiles, whose
tooltips give them in full."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import DataTable, Static
from textual.widgets.data_table import RowKey

from iqcadence.core.base.labels import label
from iqcadence.core.base.money import DEFAULT_CURRENCY
from iqcadence.core.base.money import money as format_money
from iqcadence.core.base.palette import band_colour, severity_colour
from iqcadence.core.read.kpis import Kpis
from iqcadence.core.scoring.formula import BANDS


def band_style(band: str | None) -> str:
    """The band's palette colour (grey when unscored)."""
    return band_colour(band).hex


def severity_style(severity: str | None) -> str:
    """An alert severity's colour: the band colour of the same urgency."""
    return severity_colour(severity).hex


def band_label(band: str | None) -> str:
    return label("band", band)


def band_text(band: str | None) -> Text:
    return Text(band_label(band), style=band_style(band))


def score_text(score: float | None, band: str | None, manual: bool = False) -> Text:
    if score is None:
        return Text("—", style="dim", justify="right")
    return Text(f"{score:5.1f}{'*' if manual else ''}", style=band_style(band), justify="right")


def money(value: float | None, currency: str = DEFAULT_CURRENCY, *, compact: bool = False) -> str:
    return format_money(value, currency=currency, compact=compact)


def money_text(value: float | None, currency: str = DEFAULT_CURRENCY, style: str = "") -> Text:
    """An amount for a table cell: in full, right-aligned."""
    return Text(money(value, currency), style=style, justify="right")


def pending_money(value: float | None, style: str, currency: str) -> tuple[str, str]:
    """A KPI amount (compact), or a dim ellipsis while it is still being read (None)."""
    return ("…", "dim") if value is None else (money(value, currency, compact=True), style)


def momentum_text(value: float | None) -> Text:
    if value is None:
        return Text("·", style="dim")
    points = round(value)  # whole points: a move under half a point reads as flat
    if points > 0:
        return Text(f"▲+{points}", style="green")
    if points < 0:
        return Text(f"▼{points}", style="red")
    return Text("▶0", style="dim")


def date_text(value: date | None, today: date | None = None) -> str:
    if value is None:
        return "—"
    if today is None:
        return value.isoformat()
    return f"{value.isoformat()} ({(value - today).days:+d}d)"


def plain(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def distribution_text(bands: dict[str, int], unscored: int, width: int = 40) -> Text:
    """A one-line bar: each band's share of the accounts, in its colour."""
    total = sum(bands.values()) + unscored
    bar = Text()
    if total == 0:
        return Text("no accounts yet", style="dim")
    used = 0
    parts = [(band, bands.get(band, 0)) for band in BANDS] + [("", unscored)]
    for index, (band, count) in enumerate(parts):
        cells = round(count / total * width) if index < len(parts) - 1 else width - used
        cells = max(0, min(cells, width - used))
        used += cells
        bar.append("█" * cells, style=band_style(band or None))
    return bar


class KpiStrip(Horizontal):
    """Accounts by band, total MRR, revenue at risk, expansion opportunity."""

    def compose(self) -> ComposeResult:
        yield Static(id="kpi-accounts", classes="kpi")
        yield Static(id="kpi-mrr", classes="kpi")
        yield Static(id="kpi-risk", classes="kpi")
        yield Static(id="kpi-expansion", classes="kpi")
        yield Static(id="kpi-bar", classes="kpi kpi-bar")

    def show(self, kpis: Kpis, currency: str = DEFAULT_CURRENCY) -> None:
        self.query_one("#kpi-accounts", Static).update(
            Text.assemble(("Accounts\n", "dim"), (f"{kpis.accounts:,}", "bold"))
        )
        amounts = (
            ("#kpi-mrr", "Total MRR", kpis.total_mrr, "bold"),
            (
                "#kpi-risk",
                "Revenue at risk",
                kpis.revenue_at_risk,
                f"bold {band_style('critical')}",
            ),
            (
                "#kpi-expansion",
                "Expansion opportunity",
                kpis.expansion_opportunity,
                f"bold {band_style('expansion')}",
            ),
        )
        for selector, title, value, style in amounts:
            tile = self.query_one(selector, Static)
            tile.update(Text.assemble((f"{title}\n", "dim"), pending_money(value, style, currency)))
            # The tile is compact ("$1.2M"); hovering gives the amount in full.
            tile.tooltip = None if value is None else f"{title}: {money(value, currency)}"
        legend = Text()
        for band in BANDS:
            legend.append(f"{band_label(band)} {kpis.bands.get(band, 0)}  ", band_style(band))
        if kpis.unscored:
            legend.append(f"{band_label(None)} {kpis.unscored}", band_style(None))
        self.query_one("#kpi-bar", Static).update(
            Text.assemble(distribution_text(kpis.bands, kpis.unscored), "\n", legend)
        )


class Table(DataTable[Any]):
    """A DataTable whose cells are drawn again when a column's width changes.

    DataTable works out column widths on idle, after new rows arrive, but
    keeps the cells it may already have drawn at the old widths: a table
    filled while its screen was being laid out kept showing 'tick' for
    'ticket: Webhook failing'. Any change of a column's width here drops
    the drawn cells."""

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        before = [column.get_render_width(self) for column in self.ordered_columns]
        self._measure_new_rows(list(new_rows))
        if [column.get_render_width(self) for column in self.ordered_columns] != before:
            self._clear_caches()
            self.refresh()

    def _measure_new_rows(self, keys: list[RowKey]) -> None:
        """Widen the columns for new rows, as DataTable does."""
        super()._update_dimensions(keys)
