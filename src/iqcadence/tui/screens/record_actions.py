"""The Customer 360 actions that open a dialog and call a Customer 360
service: log a note / e-mail / meeting, create a task, start a playbook, the
briefing, the timeline filter; and the text of a score explanation."""

from __future__ import annotations

import importlib.util
from typing import TYPE_CHECKING, Any

from iqcadence.core.explain import Explanation
from iqcadence.tui.modals.form import FormField, FormModal

if TYPE_CHECKING:
    from iqcadence.tui.screens.customer360 import Customer360Screen


def available(module: str) -> bool:
    return importlib.util.find_spec(f"iqcadence.core.{module}") is not None


def _missing(screen: Customer360Screen, what: str) -> None:
    screen.notify(f"{what} is not available in this build.", severity="warning")


def explanation_text(explanation: Explanation) -> str:
    result = explanation.result
    customer = explanation.customer
    lines = [
        f"Score {customer.score if customer.score is not None else '—'} "
        f"({customer.band or 'unscored'}); computed {result.score} with "
        f"{explanation.weights_from} weights.",
        "",
        f"{'signal':<10}{'value':>8}{'sub':>8}{'weight':>8}{'points':>9}",
    ]
    for line in result.lines:
        value = "—" if line.value is None else str(line.value)
        sub = "—" if line.subscore is None else f"{line.subscore:.1f}"
        points = "—" if line.contribution is None else f"{line.contribution:.2f}"
        lines.append(f"{line.signal:<10}{value:>8}{sub:>8}{line.weight:>8}{points:>9}")
    if explanation.previous is not None:
        lines += [
            "",
            f"Since {explanation.previous.taken_at:%Y-%m-%d} ({explanation.previous.score}):",
        ]
        for move in explanation.moves:
            effect = "" if move.score_effect is None else f"  ({move.score_effect:+g} points)"
            lines.append(f"  {move.signal}: {move.before} → {move.after}{effect}")
        if not explanation.moves:
            lines.append("  no signal changed")
    if explanation.flags:
        lines += ["", "Worth a look:"]
        lines += [f"  • {flag.message}" for flag in explanation.flags]
    return "\n".join(lines)


def log_entry(screen: Customer360Screen, kind: str) -> None:
    if not available("timeline"):
        _missing(screen, "The timeline")
        return
    _missing(screen, f"Logging an {kind}")


def new_task(screen: Customer360Screen) -> None:
    if not available("tasks"):
        _missing(screen, "Tasks")
        return
    _missing(screen, "Tasks")


def start_playbook(screen: Customer360Screen) -> None:
    if not available("playbooks"):
        _missing(screen, "Playbooks")
        return
    _missing(screen, "Playbooks")


def brief(screen: Customer360Screen) -> None:
    if not available("brief"):
        _missing(screen, "The briefing")
        return
    _missing(screen, "The briefing")


def timeline_filter(screen: Customer360Screen) -> None:
    current = screen.timeline_filter

    def apply(values: dict[str, str] | None) -> None:
        if values is not None:
            screen.timeline_filter = values
            screen.load()

    fields: list[Any] = [
        FormField("type", "Type", "any type", current.get("type", "")),
        FormField("days", "Days", "any time", current.get("days", ""), options=("7", "30", "90")),
        FormField("contact", "Contact", "anyone", current.get("contact", "")),
        FormField("author", "Author", "anyone", current.get("author", "")),
    ]
    screen.app.push_screen(FormModal("Filter the timeline", fields, save_label="Apply"), apply)
