"""Small pieces shared by every screen: band colours, money, the KPI strip
and the health distribution bar."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import DataTable, Static
from textual.widgets.data_table import RowKey

from iqcadence.core.read.kpis import Kpis
from iqcadence.core.scoring.formula import BAND_LABELS, BANDS

BAND_STYLES: dict[str, str] = {
    "critical": "bold red",
    "at_risk": "dark_orange",
    "watch": "yellow",
    "healthy": "green",
    "expansion": "bold cyan",
}


def band_label(band: str | None) -> str:
    return BAND_LABELS.get(band or "", "Unscored")


def band_text(band: str | None) -> Text:
    return Text(band_label(band), style=BAND_STYLES.get(band or "", "dim"))


def score_text(score: float | None, band: str | None, manual: bool = False) -> Text:
    if score is None:
        return Text("—", style="dim")
    return Text(f"{score:5.1f}{'*' if manual else ''}", style=BAND_STYLES.get(band or "", ""))


def money(value: float | None) -> str:
    if value is None:
        return "—"
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:.1f}M"
    if abs(value) >= 10_000:
        return f"{value / 1000:.0f}k"
    return f"{value:,.0f}"


def pending_money(value: float | None, style: str) -> tuple[str, str]:
    """A KPI amount, or a dim ellipsis while it is still being read (None)."""
    return ("…", "dim") if value is None else (money(value), style)


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
        bar.append("█" * cells, style=BAND_STYLES.get(band, "grey50"))
    return bar


class KpiStrip(Horizontal):
    """Accounts by band, total MRR, revenue at risk, expansion opportunity."""

    def compose(self) -> ComposeResult:
        yield Static(id="kpi-accounts", classes="kpi")
        yield Static(id="kpi-mrr", classes="kpi")
        yield Static(id="kpi-risk", classes="kpi")
        yield Static(id="kpi-expansion", classes="kpi")
        yield Static(id="kpi-bar", classes="kpi kpi-bar")

    def show(self, kpis: Kpis) -> None:
        self.query_one("#kpi-accounts", Static).update(
            Text.assemble(("Accounts\n", "dim"), (f"{kpis.accounts:,}", "bold"))
        )
        self.query_one("#kpi-mrr", Static).update(
            Text.assemble(("Total MRR\n", "dim"), pending_money(kpis.total_mrr, "bold"))
        )
        self.query_one("#kpi-risk", Static).update(
            Text.assemble(
                ("Revenue at risk\n", "dim"), pending_money(kpis.revenue_at_risk, "bold red")
            )
        )
        self.query_one("#kpi-expansion", Static).update(
            Text.assemble(
                ("Expansion opportunity\n", "dim"),
                pending_money(kpis.expansion_opportunity, "bold cyan"),
            )
        )
        legend = Text()
        for band in BANDS:
            legend.append(f"{BAND_LABELS[band]} {kpis.bands.get(band, 0)}  ", BAND_STYLES[band])
        if kpis.unscored:
            legend.append(f"Unscored {kpis.unscored}", "grey50")
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
