"""The syntax tree of a condition and its evaluation over facts: comparisons
joined by `and` / `or` / `not`, each comparison compiled once into a test of
one value, and the canonical text a tree prints as."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import date
from typing import Any

from iqcadence.core.scoring.conditions.fields import FIELDS, KEYWORDS, FieldDef


def _never(actual: Any) -> bool:
    return False


class Condition:
    """A parsed condition. Immutable; `str()` gives its canonical text."""

    def evaluate(self, facts: Mapping[str, Any]) -> bool:
        raise NotImplementedError

    def fields(self) -> set[str]:
        """The field names the condition reads."""
        raise NotImplementedError

    def _text(self, parent: str) -> str:
        raise NotImplementedError

    def __str__(self) -> str:
        return self._text("top")


Value = float | int | str | date


@dataclass(frozen=True, eq=True)
class Comparison(Condition):
    field: str
    op: str
    values: tuple[Value, ...]  # one value, or several for `in`

    def fields(self) -> set[str]:
        return {self.field}

    check: Callable[[Any], bool] = dc_field(
        init=False, repr=False, compare=False, hash=False, default=_never
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "check", self._compile())

    def evaluate(self, facts: Mapping[str, Any]) -> bool:
        actual = facts.get(self.field)
        if actual is None:
            return False
        return self.check(actual)

    def _compile(self) -> Callable[[Any], bool]:
        """The test of one present value, with everything about the right-hand
        side worked out once (conditions run over many customers)."""
        spec = FIELDS[self.field]
        if spec.kind == "tags":
            return self._evaluate_tags
        if self.op in ("=", "!=", "in"):
            wanted = [_comparable(spec, v) for v in self.values]
            negate = self.op == "!="

            def equal(actual: Any) -> bool:
                value = _comparable(spec, actual)
                found = value is not None and value in wanted
                return not found if negate else found

            return equal
        if self.op == "contains":
            needle = str(self.values[0]).casefold()
            return lambda actual: needle in str(actual).casefold()
        right = _ordered(spec, self.values[0])
        compare = _ORDER_OPS[self.op]

        def ordered(actual: Any) -> bool:
            left = _ordered(spec, actual)
            return left is not None and right is not None and bool(compare(left, right))

        return ordered

    def _evaluate_tags(self, actual: Any) -> bool:
        if isinstance(actual, str):
            tags = {t.strip().casefold() for t in re.split(r"[|,]", actual) if t.strip()}
        else:
            tags = {str(t).strip().casefold() for t in actual}
        wanted = {str(v).casefold() for v in self.values}
        has = bool(tags & wanted)
        return not has if self.op == "!=" else has

    def _text(self, parent: str) -> str:
        if self.op == "in":
            return f"{self.field} in ({', '.join(_render(v) for v in self.values)})"
        return f"{self.field} {self.op} {_render(self.values[0])}"


@dataclass(frozen=True, eq=True)
class Not(Condition):
    child: Condition

    def fields(self) -> set[str]:
        return self.child.fields()

    def evaluate(self, facts: Mapping[str, Any]) -> bool:
        return not self.child.evaluate(facts)

    def _text(self, parent: str) -> str:
        inner = self.child._text("not")
        if isinstance(self.child, All | Any_):
            inner = f"({inner})"
        return f"not {inner}"


@dataclass(frozen=True, eq=True)
class All(Condition):
    """Every part holds (`and`)."""

    parts: tuple[Condition, ...]

    def fields(self) -> set[str]:
        return set().union(*(p.fields() for p in self.parts))

    def evaluate(self, facts: Mapping[str, Any]) -> bool:
        return all(p.evaluate(facts) for p in self.parts)

    def _text(self, parent: str) -> str:
        texts = []
        for part in self.parts:
            text = part._text("and")
            texts.append(f"({text})" if isinstance(part, Any_) else text)
        return " and ".join(texts)


@dataclass(frozen=True, eq=True)
class Any_(Condition):  # noqa: N801 - `Any` is taken by typing
    """At least one part holds (`or`)."""

    parts: tuple[Condition, ...]

    def fields(self) -> set[str]:
        return set().union(*(p.fields() for p in self.parts))

    def evaluate(self, facts: Mapping[str, Any]) -> bool:
        return any(p.evaluate(facts) for p in self.parts)

    def _text(self, parent: str) -> str:
        return " or ".join(p._text("or") for p in self.parts)


_ORDER_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _comparable(spec: FieldDef, value: Any) -> Any:
    """The form `=` / `in` compare: numbers as floats, dates as dates, words
    case-folded (None when a value cannot be read as the field's kind)."""
    if spec.kind == "number":
        try:
            return float(value)
        except (TypeError, ValueError):
            return None
    if spec.kind == "date":
        return as_date(value)
    return str(value).casefold()


def _ordered(spec: FieldDef, value: Any) -> Any:
    """A comparable form of a value (None when it has none)."""
    if spec.kind == "number":
        try:
            return float(value)
        except (TypeError, ValueError):
            return None
    if spec.kind == "date":
        return as_date(value)
    if spec.ordered:
        text = str(value).casefold()
        return spec.choices.index(text) if text in spec.choices else None
    return None


def as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value if type(value) is date else value.date()  # type: ignore[attr-defined]
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


_BARE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.@\-+]*$")


def _render(value: Value) -> str:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float):
        number = float(value)
        return str(int(number)) if number.is_integer() else repr(number)
    if _BARE.match(value) and value.casefold() not in KEYWORDS:
        return value
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
