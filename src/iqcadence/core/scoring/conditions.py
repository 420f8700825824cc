"""The one condition language: playbook triggers and custom alert rules.

A condition is comparisons joined by `and` / `or`, grouped with parentheses
and negated with `not` (precedence: `not` binds tightest, then `and`, then
`or`)::

    score < 40 and tier = enterprise and renewal_within <= 60
    band in (critical, "at risk") or (tags contains vip and days > 21)
    not lifecycle = churned

A comparison is `FIELD OP VALUE` with OP one of `= != < <= > >= contains in`;
`in` takes a parenthesised list: `tier in (mid, enterprise)`. Values are
numbers, bare words (several bare words in a row are one value: `band = at
risk`), quoted strings ('…' or "…", backslash escapes the quote) and dates
(YYYY-MM-DD). Words and field names are case-insensitive.

Values are checked against their field when the text is parsed (a number
for numeric fields, one of the allowed words for choice fields, aliases such
as `ent` or `at risk` accepted), so a rule that parses can always be
evaluated. Evaluation reads a mapping of facts built by `customer_facts`.

Rules of evaluation:

* a comparison whose field has no value (None) is false, whatever the
  operator — `!=` included; `not` then makes it true;
* text fields (name, manager) compare case-insensitively; `contains` is a
  substring test;
* `tags` is a list: `tags = vip` and `tags contains vip` mean "has the tag
  vip", `tags != vip` means "does not have it", `tags in (a, b)` means "has
  any of them" (tag names compare case-insensitively);
* `band` and `cadence_status` are ordered (critical < at_risk < watch <
  healthy < expansion; ok < due_soon < overdue), so `band <= at_risk` works;
  other choice fields take only `= != in`;
* `renewal_within` is the number of days until the renewal date (0 = today);
  a customer without a renewal date, or whose renewal date has passed,
  never matches it;
* `cadence_status` compares the days since last contact (with decay) with
  the tier's cadence (due soon / overdue days): `ok`, `due_soon` or
  `overdue`; without a tier or a contact baseline it has no value.
"""

from __future__ import annotations

import difflib
import operator
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import date
from typing import TYPE_CHECKING, Any

from iqcadence.core.base.errors import InvalidValue
from iqcadence.core.scoring.fields import (
    GROWTH_ALIASES,
    LIFECYCLE_ALIASES,
    TIER_ALIASES,
    parse_date,
)
from iqcadence.core.scoring.formula import (
    BANDS,
    GROWTH_VALUES,
    LIFECYCLES,
    SENTIMENTS,
    STATUSES,
    TIERS,
    ScoringConfig,
    effective_days,
)

if TYPE_CHECKING:
    from sqlmodel import Session

    from iqcadence.core.store.models import Customer

OPERATORS: tuple[str, ...] = ("=", "!=", "<", "<=", ">", ">=", "contains", "in")
ORDER_OPERATORS: tuple[str, ...] = ("<", "<=", ">", ">=")
CADENCE_STATUSES: tuple[str, ...] = ("ok", "due_soon", "overdue")
KEYWORDS: frozenset[str] = frozenset({"and", "or", "not", "in", "contains"})

BAND_ALIASES: dict[str, str] = {
    "critical": "critical",
    "atrisk": "at_risk",
    "at_risk": "at_risk",
    "risk": "at_risk",
    "watch": "watch",
    "healthy": "healthy",
    "expansion": "expansion",
}
CADENCE_ALIASES: dict[str, str] = {
    "ok": "ok",
    "duesoon": "due_soon",
    "due_soon": "due_soon",
    "soon": "due_soon",
    "overdue": "overdue",
}


@dataclass(frozen=True)
class FieldDef:
    """One field of the language: its kind and, for choices, the allowed words."""

    name: str
    kind: str  # number, choice, text, tags, date
    help: str
    choices: tuple[str, ...] = ()
    aliases: Mapping[str, str] | None = None
    ordered: bool = False  # choices have an order (band, cadence_status)

    @property
    def operators(self) -> tuple[str, ...]:
        if self.kind in ("number", "date") or self.ordered:
            return ("=", "!=", "<", "<=", ">", ">=", "in")
        if self.kind in ("text", "tags"):
            return ("=", "!=", "contains", "in")
        return ("=", "!=", "in")


def _number(name: str, help_text: str) -> FieldDef:
    return FieldDef(name, "number", help_text)


FIELDS: dict[str, FieldDef] = {
    f.name: f
    for f in (
        _number("score", "health score 0–100"),
        FieldDef("band", "choice", "health band", BANDS, BAND_ALIASES, ordered=True),
        FieldDef("tier", "choice", "tier", TIERS, TIER_ALIASES),
        FieldDef("lifecycle", "choice", "lifecycle stage", LIFECYCLES, LIFECYCLE_ALIASES),
        FieldDef("status", "choice", "record status", STATUSES),
        _number("logins", "logins in the last 30 days"),
        _number("adoption", "feature adoption %"),
        _number("tickets", "open support tickets"),
        _number("nps", "NPS 0–10"),
        _number("csat", "CSAT 1–5"),
        _number("days", "days since last contact (with decay)"),
        FieldDef("growth", "choice", "growth", GROWTH_VALUES, GROWTH_ALIASES),
        _number("mrr", "monthly recurring revenue"),
        _number("arr", "annual recurring revenue"),
        _number("momentum", "score now minus 7 days ago"),
        FieldDef(
            "cadence_status",
            "choice",
            "contact cadence",
            CADENCE_STATUSES,
            CADENCE_ALIASES,
            ordered=True,
        ),
        _number("renewal_within", "days until the renewal date"),
        FieldDef("tags", "tags", "the customer's tags"),
        FieldDef("manager", "text", "primary owner / CSM"),
        FieldDef("sentiment", "choice", "sentiment", SENTIMENTS),
        FieldDef("name", "text", "customer name"),
        FieldDef("renewal_date", "date", "renewal date"),
        FieldDef("last_contact_date", "date", "date of the last contact"),
    )
}
FIELD_NAMES: tuple[str, ...] = tuple(FIELDS)


# --- the tree -------------------------------------------------------------------


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
        return _as_date(value)
    return str(value).casefold()


def _ordered(spec: FieldDef, value: Any) -> Any:
    """A comparable form of a value (None when it has none)."""
    if spec.kind == "number":
        try:
            return float(value)
        except (TypeError, ValueError):
            return None
    if spec.kind == "date":
        return _as_date(value)
    if spec.ordered:
        text = str(value).casefold()
        return spec.choices.index(text) if text in spec.choices else None
    return None


def _date_of(data: Mapping[str, Any], key: str) -> date | None:
    value = data.get(key)
    return None if value is None or value == "" else _as_date(value)


def _as_date(value: Any) -> date | None:
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


# --- tokens ---------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    kind: str  # word, number, date, string, op, lparen, rparen, comma, end
    text: str  # the value (strings unescaped)
    column: int  # 1-based position in the text

    def describe(self) -> str:
        if self.kind == "end":
            return "the end of the condition"
        if self.kind == "string":
            return f'"{self.text}"'
        return f"'{self.text}'"


_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<date>\d{4}-\d{2}-\d{2}(?![\w.\-]))
  | (?P<number>-?(?:\d+(?:\.\d*)?|\.\d+)(?![\w.]))
  | (?P<op><=|>=|!=|==|<>|=|<|>)
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<comma>,)
  | (?P<quote>["'])
  | (?P<word>[A-Za-z_][A-Za-z0-9_.@\-+]*)
    """,
    re.VERBOSE,
)


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise InvalidValue(
                f"condition: unexpected character {text[pos]!r} at column {pos + 1}; "
                f"expected a field, an operator ({' '.join(OPERATORS)}), a value or a parenthesis."
            )
        kind = match.lastgroup or ""
        if kind == "quote":
            value, end = _read_string(text, pos)
            tokens.append(Token("string", value, pos + 1))
            pos = end
            continue
        if kind != "space":
            raw = match.group()
            if kind == "op" and raw in ("==", "<>"):
                raw = "=" if raw == "==" else "!="
            tokens.append(Token(kind, raw, pos + 1))
        pos = match.end()
    tokens.append(Token("end", "", len(text) + 1))
    return tokens


def _read_string(text: str, start: int) -> tuple[str, int]:
    quote = text[start]
    out: list[str] = []
    pos = start + 1
    while pos < len(text):
        char = text[pos]
        if char == "\\" and pos + 1 < len(text):
            out.append(text[pos + 1])
            pos += 2
            continue
        if char == quote:
            return "".join(out), pos + 1
        out.append(char)
        pos += 1
    raise InvalidValue(
        f"condition: the string starting at column {start + 1} is not closed; "
        f"expected a closing {quote}."
    )


# --- parser -----------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.pos = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.pos]

    def advance(self) -> Token:
        token = self.tokens[self.pos]
        if token.kind != "end":
            self.pos += 1
        return token

    def at_word(self, word: str) -> bool:
        token = self.current
        return token.kind == "word" and token.text.casefold() == word

    def parse(self) -> Condition:
        if self.current.kind == "end":
            raise InvalidValue(
                "condition: it is empty; expected a comparison such as 'score < 40'."
            )
        node = self.parse_or()
        token = self.current
        if token.kind == "rparen":
            raise InvalidValue(
                f"condition: unexpected ')' at column {token.column}; there is no '(' to close."
            )
        if token.kind != "end":
            raise InvalidValue(
                f"condition: expected 'and', 'or' or the end at column {token.column}, "
                f"found {token.describe()}."
            )
        return node

    def parse_or(self) -> Condition:
        parts = [self.parse_and()]
        while self.at_word("or"):
            self.advance()
            parts.append(self.parse_and())
        return _join(Any_, parts)

    def parse_and(self) -> Condition:
        parts = [self.parse_not()]
        while self.at_word("and"):
            self.advance()
            parts.append(self.parse_not())
        return _join(All, parts)

    def parse_not(self) -> Condition:
        if self.at_word("not"):
            self.advance()
            return Not(self.parse_not())
        return self.parse_primary()

    def parse_primary(self) -> Condition:
        token = self.current
        if token.kind == "lparen":
            self.advance()
            node = self.parse_or()
            closing = self.current
            if closing.kind != "rparen":
                raise InvalidValue(
                    f"condition: the '(' at column {token.column} is not closed; expected ')' "
                    f"at column {closing.column}, found {closing.describe()}."
                )
            self.advance()
            return node
        return self.parse_comparison()

    def parse_comparison(self) -> Condition:
        token = self.current
        if token.kind != "word" or token.text.casefold() in KEYWORDS:
            raise InvalidValue(
                f"condition: expected a field name at column {token.column}, found "
                f"{token.describe()}; fields are {', '.join(FIELD_NAMES)}."
            )
        name = token.text.casefold()
        spec = FIELDS.get(name)
        if spec is None:
            close = difflib.get_close_matches(name, FIELD_NAMES, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise InvalidValue(
                f"condition: unknown field {token.text!r} at column {token.column}{hint}; "
                f"fields are {', '.join(FIELD_NAMES)}."
            )
        self.advance()
        op_token = self.current
        op = op_token.text.casefold() if op_token.kind in ("op", "word") else ""
        if op not in OPERATORS:
            raise InvalidValue(
                f"condition: expected an operator ({' '.join(OPERATORS)}) after {name} "
                f"at column {op_token.column}, found {op_token.describe()}."
            )
        if op not in spec.operators:
            raise InvalidValue(
                f"condition: operator {op!r} at column {op_token.column} does not apply to "
                f"{name}; {name} takes {' '.join(spec.operators)}."
            )
        self.advance()
        if op == "in":
            return Comparison(name, op, self.parse_list(spec))
        return Comparison(name, op, (self.parse_value(spec, op),))

    def parse_list(self, spec: FieldDef) -> tuple[Value, ...]:
        opening = self.current
        if opening.kind != "lparen":
            raise InvalidValue(
                f"condition: expected '(' after 'in' at column {opening.column}, found "
                f"{opening.describe()}; write {spec.name} in (a, b)."
            )
        self.advance()
        values = [self.parse_value(spec, "in")]
        while self.current.kind == "comma":
            self.advance()
            values.append(self.parse_value(spec, "in"))
        closing = self.current
        if closing.kind != "rparen":
            raise InvalidValue(
                f"condition: expected ',' or ')' in the list at column {closing.column}, "
                f"found {closing.describe()}."
            )
        self.advance()
        return tuple(values)

    def parse_value(self, spec: FieldDef, op: str) -> Value:
        token = self.current
        if token.kind == "word" and token.text.casefold() not in KEYWORDS:
            words = [self.advance().text]
            while self.current.kind == "word" and self.current.text.casefold() not in KEYWORDS:
                words.append(self.advance().text)
            raw = " ".join(words)
        elif token.kind in ("number", "date", "string"):
            raw = self.advance().text
        else:
            raise InvalidValue(
                f"condition: expected a value for {spec.name} at column {token.column}, "
                f"found {token.describe()}; {_expected(spec)}."
            )
        return _coerce(spec, op, raw, token)


def _join(kind: type[All] | type[Any_], parts: Sequence[Condition]) -> Condition:
    if len(parts) == 1:
        return parts[0]
    flat: list[Condition] = []
    for part in parts:
        flat.extend(part.parts if isinstance(part, kind) else (part,))
    return kind(tuple(flat))


def _expected(spec: FieldDef) -> str:
    if spec.kind == "number":
        return f"{spec.name} takes a number"
    if spec.kind == "date":
        return f"{spec.name} takes a date (YYYY-MM-DD)"
    if spec.kind == "choice":
        return f"{spec.name} takes one of {', '.join(spec.choices)}"
    if spec.kind == "tags":
        return "tags takes a tag name"
    return f"{spec.name} takes a word or a quoted text"


def _coerce(spec: FieldDef, op: str, raw: str, token: Token) -> Value:
    where = f"at column {token.column}"
    if spec.kind == "number":
        if token.kind != "number":
            raise InvalidValue(
                f"condition: {spec.name} takes a number, but {token.describe()} {where} is not one."
            )
        number = float(raw)
        return int(number) if number.is_integer() else number
    if spec.kind == "date":
        try:
            day = parse_date(spec.name, raw)
        except InvalidValue:
            day = None
        if day is None:
            raise InvalidValue(
                f"condition: {spec.name} takes a date (YYYY-MM-DD), got {raw!r} {where}."
            )
        return day
    if spec.kind == "choice":
        key = re.sub(r"[\s\-]+", "_", raw.strip().casefold())
        aliases = spec.aliases or {}
        found = aliases.get(key) or aliases.get(key.replace("_", ""))
        if found is None and key in spec.choices:
            found = key
        if found is None:
            raise InvalidValue(
                f"condition: {spec.name} takes one of {', '.join(spec.choices)}, "
                f"got {raw!r} {where}."
            )
        return found
    if raw == "":
        raise InvalidValue(f"condition: {spec.name} needs a non-empty value {where}.")
    return raw


def parse_condition(text: str) -> Condition:
    """Parse a condition; raises InvalidValue naming the column and what was expected."""
    return _Parser(text).parse()


def check_condition(text: str | None) -> str | None:
    """The canonical text of a condition (None/blank stays None); raises on errors."""
    if text is None or not text.strip():
        return None
    return str(parse_condition(text))


# --- facts --------------------------------------------------------------------------


def cadence_status(days: int | None, tier: str | None, config: ScoringConfig) -> str | None:
    """`ok`, `due_soon` or `overdue` against the tier's contact cadence."""
    if days is None or tier is None or tier not in config.cadence:
        return None
    due_soon, overdue = config.cadence[tier]
    if days >= overdue:
        return "overdue"
    if days >= due_soon:
        return "due_soon"
    return "ok"


def renewal_within(renewal: date | None, today: date) -> int | None:
    """Days until the renewal date; None without one or once it has passed."""
    if renewal is None:
        return None
    days = (renewal - today).days
    return days if days >= 0 else None


# Customer columns each derived field is computed from (the others are columns).
DERIVED_COLUMNS: dict[str, tuple[str, ...]] = {
    "days": ("days_baseline", "days_as_of"),
    "cadence_status": ("days_baseline", "days_as_of", "tier"),
    "renewal_within": ("renewal_date",),
    "momentum": ("score",),
}
_PLAIN: tuple[str, ...] = tuple(
    name for name in FIELDS if name not in DERIVED_COLUMNS and name not in ("tags",)
)


def columns_for(fields: Iterable[str]) -> set[str]:
    """The customer columns needed to build the facts of these fields."""
    out: set[str] = set()
    for name in fields:
        out.update(DERIVED_COLUMNS.get(name, (name,)))
    return out


def customer_facts(
    session: Session | None,
    customer: Customer | Mapping[str, Any],
    *,
    today: date,
    config: ScoringConfig,
    momentum: float | None = None,
    fields: Iterable[str] | None = None,
) -> dict[str, Any]:
    """The facts a condition reads, from a Customer or a plain row (column → value).

    Keys: every name in FIELDS, or only `fields` when given (a condition's
    `fields()`: cheaper over many rows; see `columns_for`). `momentum` comes
    from the caller (it needs the score history); without it, momentum has no
    value.
    """
    del session  # facts come from the row alone today; kept for richer facts later
    data: Mapping[str, Any] = customer if isinstance(customer, Mapping) else customer.model_dump()
    wanted = set(FIELDS) if fields is None else set(fields)
    facts: dict[str, Any] = {}
    for name in _PLAIN:
        if name in wanted:
            facts[name] = _date_of(data, name) if FIELDS[name].kind == "date" else data.get(name)
    if "days" in wanted or "cadence_status" in wanted:
        days = effective_days(data.get("days_baseline"), _date_of(data, "days_as_of"), today)
        facts["days"] = days
        if "cadence_status" in wanted:
            facts["cadence_status"] = cadence_status(days, data.get("tier"), config)
    if "renewal_within" in wanted:
        facts["renewal_within"] = renewal_within(_date_of(data, "renewal_date"), today)
    if "momentum" in wanted:
        facts["momentum"] = momentum
    if "tags" in wanted:
        raw_tags = data.get("tags") or ""
        facts["tags"] = (
            [t for t in raw_tags.split("|") if t]
            if isinstance(raw_tags, str)
            else [str(t) for t in raw_tags]
        )
    return facts


__all__ = [
    "FIELDS",
    "OPERATORS",
    "All",
    "Any_",
    "Comparison",
    "Condition",
    "Not",
    "cadence_status",
    "check_condition",
    "columns_for",
    "customer_facts",
    "parse_condition",
    "renewal_within",
]
