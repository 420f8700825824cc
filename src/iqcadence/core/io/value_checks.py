"""Checks of one stored value, made from the rules commands and imports apply.

A check takes a column name and a value already decoded to the column's
type (never None) and raises InvalidValue with a sentence about it. The
rules come from where they live: the standard fields and their limits
(`scoring.fields`), the models' vocabularies, the alert events and the
condition language; nothing here decides a range of its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from iqcadence.core.alerts.events import FACT_KEYS, EventSpec, parse_event
from iqcadence.core.base.errors import InvalidValue
from iqcadence.core.scoring.conditions.parse import parse_condition
from iqcadence.core.scoring.fields import (
    COUNT_MAX,
    FIELDS,
    MONEY_MAX,
    NAME_MAX_CHARS,
    check_date,
    check_line,
    check_multiline,
    parse_email,
    parse_money,
    parse_number,
    parse_website,
)
from iqcadence.core.scoring.formula import BANDS, LIFECYCLES, SIGNAL_BOUNDS, SIGNALS

Check = Callable[[str, Any], object]

_FLAG = re.compile(r"^--[\w-]+(?: '[^']*')?: ")


def shown(value: Any, width: int = 60) -> str:
    """A value in a refusal: quoted, escaped, and cut when long."""
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def plain(message: str) -> str:
    """A command's sentence without its leading `--option:`, for a stored value."""
    return _FLAG.sub("", message)


def one_of(choices: Sequence[str]) -> Check:
    allowed = frozenset(choices)
    words = ", ".join(choices)

    def check(field: str, value: Any) -> None:
        if value not in allowed:
            raise InvalidValue(f"{field}: {shown(value)} is not one of {words}.")

    return check


def _bounded(minimum: float, maximum: float, integer: bool, parse: Check) -> Check:
    """A number within bounds passes at once (a backup holds millions);
    any other value goes to `parse`, the command's own reading, which says why."""

    def check(field: str, value: Any) -> None:
        kind = type(value)
        if (kind is int or (kind is float and not integer)) and minimum <= value <= maximum:
            return
        parse(field, value)

    return check


def signal(name: str) -> Check:
    """A signal's bounds (as `parse_signal`), for any column holding that signal."""
    minimum, maximum, integer = SIGNAL_BOUNDS[name]

    def parse(field: str, value: Any) -> None:
        parse_number(field, value, minimum=minimum, maximum=maximum, integer=integer, cap=COUNT_MAX)

    top = COUNT_MAX if maximum is None else min(maximum, COUNT_MAX)
    return _bounded(minimum, top, integer, parse)


def whole(minimum: int) -> Check:
    def parse(field: str, value: Any) -> None:
        parse_number(field, value, minimum=minimum, integer=True, cap=COUNT_MAX)

    return _bounded(minimum, COUNT_MAX, True, parse)


def at_least(minimum: float) -> Check:
    def parse(field: str, value: Any) -> None:
        parse_number(field, value, minimum=minimum, cap=COUNT_MAX)

    return _bounded(minimum, COUNT_MAX, False, parse)


def score(field: str, value: Any) -> None:
    FIELDS["score"].parse(value)


money = _bounded(0, MONEY_MAX, False, parse_money)


def day(field: str, value: Any) -> None:
    """A date a person gives (a renewal, a due date)."""
    check_date(field, value)


def name(field: str, value: Any) -> None:
    """A name: one line of at most NAME_MAX_CHARS, not blank."""
    if not check_line(field, value, limit=NAME_MAX_CHARS).strip():
        raise InvalidValue(f"{field}: must not be empty.")


def line(field: str, value: Any) -> None:
    check_line(field, value)


def required_line(field: str, value: Any) -> None:
    if not check_line(field, value).strip():
        raise InvalidValue(f"{field}: must not be empty.")


def notes(field: str, value: Any) -> None:
    check_multiline(field, value)


def tags(field: str, value: Any) -> None:
    """Tags joined by `|`, each as `parse_tags` keeps it (their number is free)."""
    for tag in value.split("|") if value else ():
        check_line(field, tag, limit=NAME_MAX_CHARS)


def website(field: str, value: Any) -> None:
    parse_website(field, value)


def email(field: str, value: Any) -> None:
    parse_email(field, value)


def line_up_to(limit: int, *, required: bool = False) -> Check:
    def check(field: str, value: Any) -> None:
        if not check_line(field, value, limit=limit).strip() and required:
            raise InvalidValue(f"{field}: must not be empty.")

    return check


def text_up_to(limit: int) -> Check:
    """Text of several lines, at most `limit` characters."""

    def check(field: str, value: Any) -> None:
        check_multiline(field, value)
        if len(value) > limit:
            raise InvalidValue(
                f"{field}: must be at most {limit:,} characters, got {len(value):,}."
            )

    return check


def parsed_as_stored(parse: Callable[[Any], Any]) -> Check:
    """A value a command normalises: it must be valid and already in the
    form the command stores."""

    def check(field: str, value: Any) -> None:
        stored = parse(value)
        if stored != value:
            raise InvalidValue(
                f"{field}: {shown(value)} is not in the form iqcadence stores ({shown(stored)})."
            )

    return check


def condition(field: str, value: Any) -> None:
    parse_condition(value)


# --- JSON columns ------------------------------------------------------------------------


def json_object(field: str, value: Any) -> None:
    if not isinstance(value, dict):
        raise InvalidValue(f"{field}: expected a JSON object, got {shown(value)}.")


def texts(field: str, value: Any) -> None:
    """A JSON array of single-line texts."""
    if not isinstance(value, list):
        raise InvalidValue(f"{field}: expected a JSON array, got {shown(value)}.")
    for number, item in enumerate(value, start=1):
        check_line(f"{field}[{number}]", item)


def conditions(field: str, value: Any) -> None:
    texts(field, value)
    for number, text in enumerate(value, start=1):
        try:
            parse_condition(text)
        except InvalidValue as exc:
            raise InvalidValue(f"{field}[{number}]: {exc.message}") from None


def weights(field: str, value: Any) -> None:
    """Signal weights: whole numbers of at least 0 over known signals (what a
    snapshot records; a profile's must also total 100, see `full_weights`)."""
    json_object(field, value)
    for signal_name, weight in value.items():
        if signal_name not in SIGNALS:
            raise InvalidValue(
                f"{field}: {shown(signal_name)} is not a signal ({', '.join(SIGNALS)})."
            )
        if isinstance(weight, bool) or not isinstance(weight, int) or weight < 0:
            raise InvalidValue(
                f"{field}.{signal_name}: must be a whole number of at least 0, got {shown(weight)}."
            )


def event_specs(field: str, value: Any) -> None:
    """An alert rule's events: `{"type": EVENT, "param": NUMBER or null}` each,
    as `rules add --event` stores them."""
    if not isinstance(value, list):
        raise InvalidValue(f"{field}: expected a JSON array, got {shown(value)}.")
    for number, item in enumerate(value, start=1):
        where = f"{field}[{number}]"
        param = item.get("param") if isinstance(item, dict) else None
        if (
            not isinstance(item, dict)
            or set(item) - {"type", "param"}
            or not isinstance(item.get("type"), str)
            or isinstance(param, bool)
            or not isinstance(param, int | float | None)
        ):
            raise InvalidValue(
                f'{where}: expected {{"type": EVENT, "param": NUMBER or null}}, got {shown(item)}.'
            )
        label = EventSpec.from_dict(item).label()
        try:
            stored = parse_event(label).label()
        except InvalidValue as exc:
            raise InvalidValue(f"{where}: {plain(exc.message)}") from None
        if stored != label:
            raise InvalidValue(
                f"{where}: {shown(label)} is not in the form iqcadence stores ({shown(stored)})."
            )


def payload(field: str, value: Any) -> None:
    """A notification: an object whose `title` is text, `lines` an array of
    texts and `data` an object, as senders read it."""
    json_object(field, value)
    if not isinstance(value.get("title", ""), str):
        raise InvalidValue(f"{field}.title: expected text, got {shown(value['title'])}.")
    lines = value.get("lines", [])
    if not isinstance(lines, list) or not all(isinstance(item, str) for item in lines):
        raise InvalidValue(f"{field}.lines: expected an array of texts, got {shown(lines)}.")
    json_object(f"{field}.data", value.get("data", {}))


def _nullable(check: Check) -> Check:
    def nullable(field: str, value: Any) -> None:
        if value is not None:
            check(field, value)

    return nullable


def _number(field: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidValue(f"{field}: expected a number, got {shown(value)}.")


def _whole_number(field: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValue(f"{field}: expected a whole number, got {shown(value)}.")


def _iso_date(field: str, value: Any) -> None:
    try:
        date.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidValue(f"{field}: {shown(value)} is not a date YYYY-MM-DD.") from None


def _both(first: Check, second: Check) -> Check:
    def check(field: str, value: Any) -> None:
        first(field, value)
        second(field, value)

    return check


# What the alert rules last saw of a customer (see `alerts.events.event_facts`):
# the events compare these values with `<` and `>=`, so each must be its kind.
_FACT_CHECKS: Mapping[str, Check] = {
    "score": _nullable(_both(_number, score)),
    "band": _nullable(one_of(BANDS)),
    "lifecycle": _nullable(one_of(LIFECYCLES)),
    "nps": _nullable(_both(_whole_number, signal("nps"))),
    "days": _nullable(_both(_whole_number, signal("days"))),
    "renewal_date": _nullable(_iso_date),
    "renewal_days": _nullable(_whole_number),
}
assert set(_FACT_CHECKS) == set(FACT_KEYS), "every fact the events compare has a check"


def watch_facts(field: str, value: Any) -> None:
    """`{"events": {FACT: value}, "rules": {"RULE.REVISION": true|false}}`."""
    json_object(field, value)
    unknown = sorted(set(value) - {"events", "rules"})
    if unknown:
        raise InvalidValue(f"{field}: unknown key {shown(unknown[0])}; keys are events, rules.")
    events = value.get("events", {})
    json_object(f"{field}.events", events)
    for key, fact in events.items():
        check = _FACT_CHECKS.get(key)
        if check is None:
            raise InvalidValue(
                f"{field}.events: unknown fact {shown(key)}; facts are {', '.join(FACT_KEYS)}."
            )
        check(f"{field}.events.{key}", fact)
    rules = value.get("rules", {})
    json_object(f"{field}.rules", rules)
    for key, truth in rules.items():
        if not isinstance(truth, bool):
            raise InvalidValue(f"{field}.rules.{key}: expected true or false, got {shown(truth)}.")
