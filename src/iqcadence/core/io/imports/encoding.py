"""Telling the encoding of a CSV whose bytes are not UTF-8.

The candidates come from charset-normalizer (a maintained detector beats a
hand-written guess). On a few lines of text it often ranks a wrong code page
first, so its candidates are then checked against what real text looks like:

* a reading with control characters is wrong (text never holds them, and
  they must not reach the database);
* a reading is plausible when, in every word holding non-ASCII characters,
  those characters are letters of one script (Latin with Japanese or Chinese
  is fine), no capital follows a small letter, and no symbol touches a letter
  (a Polish `Łódź` read as Windows-1252 is `£ód¼`; `Żywiec` is `¯ywiec`).

When Windows-1252 (Western European, what a spreadsheet saved on Windows
usually is) is among the candidates and reads plausibly, it is chosen; else
the plausible readings must all agree. Otherwise the guess is not confident,
and the file is refused with a request for `--encoding`, naming the readings.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass
from typing import BinaryIO

SAMPLE_BYTES = 64 * 1024
WESTERN = "cp1252"
WESTERN_NAME = "Windows-1252 (Western European)"
# The encodings CSV files are written in today: Windows and ISO code pages,
# KOI8 and the East Asian ones (DOS and old Mac code pages read nearly any
# bytes as some letters, and would only add wrong readings).
COMMON_ENCODINGS: tuple[str, ...] = (
    *(f"cp{page}" for page in range(1250, 1259)),
    *(f"iso8859_{part}" for part in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16)),
    "koi8_r",
    "koi8_u",
    "cp874",
    "cp932",
    "shift_jis",
    "euc_jp",
    "gb18030",
    "gbk",
    "big5",
    "cp949",
    "euc_kr",
)
_DECODE_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# A word holding a non-ASCII character, between spaces, delimiters and quotes.
_WORD = re.compile(r"""[^\s,;|"'()\[\]{}<>/\\]*[^\x00-\x7f][^\s,;|"'()\[\]{}<>/\\]*""")
# Signs written next to words and numbers (Acme™, 25°C, m²) in real text.
_AFTER_WORD = frozenset("™®©°²³¹ªº")
# Scripts written together in one word (Japanese mixes kanji, kana and Latin).
_EAST_ASIAN = frozenset(
    {"CJK", "HIRAGANA", "KATAKANA", "HALFWIDTH", "FULLWIDTH", "IDEOGRAPHIC", "BOPOMOFO"}
)


class UnclearEncoding(Exception):
    """Bytes that are not UTF-8 and whose encoding cannot be told; `why` says
    what the detector saw."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


@dataclass(frozen=True)
class EncodingGuess:
    """The encoding chosen (None when not confident) and why, in words."""

    encoding: str | None
    why: str


def guess_encoding(sample: bytes) -> EncodingGuess:
    """Guess the encoding of bytes that are not UTF-8."""
    from charset_normalizer import from_bytes  # only for files that are not UTF-8

    candidates: list[str] = []
    for match in from_bytes(sample, cp_isolation=list(COMMON_ENCODINGS)):
        for name in (match.encoding, *match.could_be_from_charset):
            if name not in candidates:
                candidates.append(name)
    plausible: dict[str, list[str]] = {}  # decoded text → the encodings reading it so
    implausible: set[str] = set()
    for name in candidates:
        try:
            text = sample.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
        if text in plausible:
            plausible[text].append(name)
        elif text in implausible:
            continue
        elif _plausible(text):
            plausible[text] = [name]
        else:
            implausible.add(text)
    if any(WESTERN in names for names in plausible.values()):
        return EncodingGuess(
            WESTERN, f"the bytes are not UTF-8, and {WESTERN_NAME} reads them as plain text"
        )
    readings = [(text, names[0]) for text, names in plausible.items()]
    if len(readings) == 1:
        return EncodingGuess(
            readings[0][1],
            f"the bytes are not UTF-8, and {readings[0][1]} is the one encoding "
            "charset-normalizer found that reads them as plain text",
        )
    if not readings:
        return EncodingGuess(None, "no encoding reads it as plain text")
    words = _where_they_differ([text for text, _name in readings[:3]])
    shown = ", ".join(
        f"{name} reads {word!r}" for (_text, name), word in zip(readings, words, strict=False)
    )
    return EncodingGuess(None, f"several encodings read it as plain text: {shown}")


def _plausible(text: str) -> bool:
    if _DECODE_CONTROLS.search(text):
        return False
    return all(_plausible_word(word) for word in _WORD.findall(text))


def _plausible_word(word: str) -> bool:
    scripts: set[str] = set()
    previous = ""
    for index, char in enumerate(word):
        category = unicodedata.category(char)
        if category[0] == "L":
            if category == "Lu" and not char.isascii() and previous.islower():
                return False
            scripts.add("LATIN" if char.isascii() else _script(char))
        elif category[0] in "SN" and not char.isascii() and char not in _AFTER_WORD:
            following = word[index + 1 : index + 2]
            if following.isalpha() or previous.isalpha():
                return False
        previous = char if category[0] in "LM" else ""
    others = scripts - {"LATIN"} - _EAST_ASIAN
    if others:
        return len(scripts) == 1
    return True


def _script(char: str) -> str:
    name = unicodedata.name(char, "")  # "KATAKANA-HIRAGANA PROLONGED ..." → KATAKANA
    return name.split(" ", 1)[0].split("-", 1)[0] if name else "UNKNOWN"


def _where_they_differ(texts: list[str]) -> list[str]:
    """Each text's first word that is not the same in all of them."""
    split = [_WORD.findall(text) for text in texts]
    for words in zip(*split, strict=False):
        if len(set(words)) > 1:
            return [word[:40] for word in words]
    return [text[:40] for text in texts]


def not_utf8(sample: bytes) -> tuple[str, str]:
    """(encoding, why) of a sample that is not UTF-8, or UnclearEncoding."""
    guess = guess_encoding(_whole_lines(sample))
    if guess.encoding is None:
        raise UnclearEncoding(guess.why)
    return guess.encoding, guess.why


def _whole_lines(sample: bytes) -> bytes:
    """A sample without its last, possibly cut, line (a cut multi-byte
    character would make the right encoding look wrong)."""
    end = sample.rfind(b"\n")
    return sample[: end + 1] if end > 0 and len(sample) >= SAMPLE_BYTES else sample


def first_non_utf8(stream: BinaryIO) -> int | None:
    """The offset of the first byte of the stream (from where it is) that is
    not UTF-8, or None when all of it is."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = stream.tell()
    while True:
        chunk = stream.read(1 << 20)
        try:
            decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            return offset + exc.start - len(decoder.getstate()[0])
        if not chunk:
            return None
        offset += len(chunk)


def window_at(stream: BinaryIO, offset: int) -> bytes:
    """Whole lines around `offset`, for the detector to look at."""
    start = max(0, offset - SAMPLE_BYTES // 2)
    stream.seek(start)
    window = stream.read(SAMPLE_BYTES)
    if start:
        window = window[window.find(b"\n") + 1 :]
    return window
