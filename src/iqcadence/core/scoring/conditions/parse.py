"""Reading a condition's text: the tokenizer and the parser, which check
each value against its field and name the column and what was expected
(with the closest field name) when the text is wrong."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from iqcadence.core.base.errors import InvalidValue
from iqcadence.core.scoring.conditions.fields import (
    FIELD_NAMES,
    FIELDS,
    KEYWORDS,
    OPERATORS,
    FieldDef,
)
from iqcadence.core.scoring.conditions.tree import All, Any_, Comparison, Condition, Not, Value
from iqcadence.core.scoring.fields import parse_date


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
