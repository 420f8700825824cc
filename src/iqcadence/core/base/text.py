"""Text that cannot take over a terminal or a spreadsheet.

Stored text is what people typed. Three rules keep it harmless wherever it
goes next:

* at input, a single-line field (a name, a title, a website) refuses control
  characters, and multi-line text (notes) refuses all but tab and newline:
  an ESC byte would let a name clear a screen, and the bidirectional
  overrides (U+202E and friends) make text read backwards;
* on display, `printable()` drops any that older data still holds;
* in a CSV cell, `spreadsheet_cell()` neutralises a leading formula
  character with an apostrophe (OWASP's rule for CSV injection), and
  `from_spreadsheet_cell()` undoes it on import so a round trip changes
  nothing.
"""

from __future__ import annotations

import re

# Bidirectional embeddings, overrides and isolates reorder what is shown
# ("Trojan Source"); the marks U+200E/U+200F only set direction and stay.
_BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"
# Lone surrogates are what undecodable bytes become (surrogateescape): no
# terminal or UTF-8 file can take them.
_SURROGATES = "\ud800-\udfff"
# C0 controls but tab and newline, DEL, C1 controls, bidi controls, surrogates.
_HIDDEN = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI_CONTROLS}{_SURROGATES}]")
# A single line also refuses tab, newline and the Unicode line separators.
_HIDDEN_IN_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029{_BIDI_CONTROLS}{_SURROGATES}]")
# A cell a spreadsheet would evaluate: = + - @ (or tab, CR) first, possibly
# behind apostrophes already (so escaping stays reversible).
_FORMULA = re.compile("'*[=+\\-@\t\r]")


def unsafe_character(text: str, *, multiline: bool = False) -> str | None:
    """The first control character `text` may not hold, else None."""
    if text.isprintable():
        return None
    found = (_HIDDEN if multiline else _HIDDEN_IN_LINE).search(text)
    return None if found is None else found.group()


def describe_character(char: str) -> str:
    """`U+001B` (ESC, NUL, ... spelled as a code point people can look up)."""
    return f"U+{ord(char):04X}"


def printable(text: str) -> str:
    """`text` without the control characters a terminal, a PDF or a screen
    would act on (tab and newline stay)."""
    if text.isprintable():
        return text
    return _HIDDEN.sub("", text)


def spreadsheet_cell(text: str) -> str:
    """A CSV cell a spreadsheet shows as text: `=1+2` becomes `'=1+2`."""
    return "'" + text if _FORMULA.match(text) else text


def from_spreadsheet_cell(text: str) -> str:
    """Undo `spreadsheet_cell` on a cell read back (one apostrophe before a
    formula character); anything else is returned as it is."""
    if text[:1] == "'" and _FORMULA.match(text, 1):
        return text[1:]
    return text
