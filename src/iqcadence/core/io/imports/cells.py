"""Reading text cells: the text readers of `Normalizer`, and the pieces every
reader shares (the cell error, the blank words, the spreadsheet escape).

Text is trimmed; a leading apostrophe before `= + - @` is the formula escape
an export adds (`core.base.text.spreadsheet_cell`) and is dropped, so a
bulksheet round trip changes nothing. Control characters are refused, and
the limits of `core.scoring.fields` apply.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial

from iqcadence.core.accounts.customers import clean_name
from iqcadence.core.base.errors import InvalidValue
from iqcadence.core.base.text import from_spreadsheet_cell
from iqcadence.core.scoring.fields import (
    LINE_MAX_CHARS,
    NAME_MAX_CHARS,
    check_line,
    check_multiline,
    is_email,
    website_problem,
)


class CellError(Exception):
    """A cell that cannot be read; `reason` completes "FIELD: reason (value)"."""

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field


# Not "nan": a NaN in a number column is an error, not a blank.
NULL_WORDS = frozenset({"", "-", "--", "—", "n/a", "na", "null", "none", "nil", "#n/a"})


def domain_key(value: str) -> str | None:
    """The comparable form of a domain or URL: `https://www.Acme.com/x` → `acme.com`."""
    text = value.strip().lower()
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text)
    text = text.split("/", 1)[0].split("?", 1)[0].split(":", 1)[0]
    if "@" in text:
        text = text.rsplit("@", 1)[1]
    if text.startswith("www."):
        text = text[4:]
    if "." not in text or not re.fullmatch(r"[a-z0-9.-]+", text):
        return None
    return text


def _plain_name(value: str) -> bool:
    """Whether a name cell is already as `clean_name` makes it (printable
    ASCII, one space between words, within the limit, no formula escape),
    so most names skip the checks that could change or refuse them."""
    return (
        value.isascii()
        and value.isprintable()
        and 0 < len(value) <= NAME_MAX_CHARS
        and value[0] not in " '"
        and value[-1] != " "
        and "  " not in value
    )


def checked(check: Callable[[], str]) -> str:
    """A `core.scoring.fields` check whose refusal becomes this cell's reason."""
    try:
        return check()
    except InvalidValue as exc:
        raise CellError(str(exc).split(": ", 1)[-1].rstrip(".")) from None


def cell_text(value: str) -> str:
    """A text cell trimmed, without the spreadsheet's formula escape."""
    stripped = value.strip()
    return from_spreadsheet_cell(stripped) if stripped[:1] == "'" else stripped


class TextCells:
    """The readers of text fields (a `Normalizer` is one)."""

    @staticmethod
    def text(value: str) -> str | None:
        stripped = cell_text(value)
        if stripped.isprintable() and len(stripped) <= LINE_MAX_CHARS:
            return stripped or None
        return checked(lambda: check_line("text", stripped)) or None

    @staticmethod
    def notes(value: str) -> str | None:
        stripped = cell_text(value)
        return checked(lambda: check_multiline("notes", stripped)) or None

    @staticmethod
    def name(value: str) -> str | None:
        if _plain_name(value):
            return value
        if not value.strip():
            return None
        return checked(lambda: clean_name(cell_text(value)))

    @staticmethod
    def email(value: str) -> str | None:
        """Stored as written (trimmed); matching by e-mail ignores case."""
        if value[:1] != "'" and is_email(value):  # nothing to trim or undo
            return value
        stripped = cell_text(value)
        if stripped.casefold() in NULL_WORDS:
            return None
        if stripped.lower().startswith("mailto:"):
            stripped = stripped[7:].strip()
        if not is_email(stripped):
            raise CellError("not an e-mail address")
        return stripped

    @staticmethod
    def website(value: str) -> str | None:
        stripped = cell_text(value)
        if not stripped:
            return None
        problem = website_problem(checked(lambda: check_line("website", stripped)))
        if problem is not None:
            raise CellError(problem)
        return stripped

    @staticmethod
    def domain(value: str) -> str | None:
        """Stored as written (trimmed); must look like a domain or a URL."""
        stripped = cell_text(value)
        if stripped.casefold() in NULL_WORDS:
            return None
        if domain_key(stripped) is None:
            raise CellError("not a domain like example.com")
        return stripped

    @staticmethod
    def tags(value: str) -> str:
        if not value.strip():
            return ""
        seen: dict[str, str] = {}
        for part in re.split(r"[|,]", cell_text(value)):
            tag = part.strip()
            if not tag.isprintable() or len(tag) > NAME_MAX_CHARS:
                checked(partial(check_line, "tag", tag, limit=NAME_MAX_CHARS))
            if tag and tag.casefold() not in seen:
                seen[tag.casefold()] = tag
        return "|".join(seen.values())
