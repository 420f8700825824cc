"""Opening a CSV whatever produced it: encoding, delimiter and quoting.

Files are streamed, never read whole. Detection looks at the first 64 KiB
(the byte-order mark, NUL patterns of UTF-16, whether the bytes decode as
UTF-8) and, for files on disk, checks the rest of the file decodes as UTF-8
before settling on it, so a stray Windows-1252 byte deep in a file is found
instead of failing half-way. Bytes that are not UTF-8 go to the detector of
`encoding` (which says why it chose, or why it cannot: then the file is
refused with a request for `--encoding`). The delimiter is the candidate that
splits the first lines into the same number of fields (more than one).

Quoting is read strictly: a quote that is never closed (or closes in the
middle of a value) is a broken record reported with its first line, never a
merge of the rows after it into one value.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from iqcadence.core.base.errors import InvalidValue, RefusedFile
from iqcadence.core.io.imports.encoding import (
    SAMPLE_BYTES,
    UnclearEncoding,
    first_non_utf8,
    not_utf8,
    window_at,
)

DELIMITERS: tuple[str, ...] = (",", ";", "\t", "|")
DELIMITER_NAMES: dict[str, str] = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
DELIMITER_WORDS: dict[str, str] = {
    "comma": ",",
    "semicolon": ";",
    "tab": "\t",
    "\\t": "\t",
    "pipe": "|",
}
csv.field_size_limit(16 * 1024 * 1024)


class _CountingReader(io.RawIOBase):
    """Bytes already sampled, then the rest of the stream; counts bytes read."""

    def __init__(self, prefix: bytes, stream: BinaryIO) -> None:
        self._prefix = prefix
        self._stream = stream
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        size = len(buffer)
        if self._prefix:
            chunk = self._prefix[:size]
            self._prefix = self._prefix[size:]
        else:
            chunk = self._stream.read(size)
        count = len(chunk)
        buffer[:count] = chunk
        self.bytes_read += count
        return count


def detect_encoding(sample: bytes) -> str:
    """The encoding of a file from its first bytes (BOM, NULs, UTF-8 test,
    else the detector); raises UnclearEncoding when it cannot be told."""
    return _detect(sample)[0]


def _detect(sample: bytes) -> tuple[str, str | None]:
    """(encoding, why it was chosen when the bytes are not UTF-8)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", None
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", None
    if len(sample) >= 4:
        even_nuls = sample[0:200:2].count(0)
        odd_nuls = sample[1:200:2].count(0)
        half = min(len(sample), 200) // 2
        if odd_nuls > half * 0.3 and even_nuls == 0:
            return "utf-16-le", None
        if even_nuls > half * 0.3 and odd_nuls == 0:
            return "utf-16-be", None
    if _decodes(sample, "utf-8", final=False):
        return "utf-8", None
    return not_utf8(sample)


def _decodes(data: bytes, encoding: str, *, final: bool) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        decoder.decode(data, final=final)
    except UnicodeDecodeError:
        return False
    return True


class BrokenRecord(list[str]):
    """A record the CSV reader could not split (broken quoting): no fields,
    and `reason`, which completes "FILE:LINE: row: ..."."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


def _quoting_problem(exc: csv.Error, start: int, stop: int) -> str:
    """What is wrong with a record the reader refused, in words."""
    if "unexpected end of data" in str(exc):
        return (
            f"a quote opened on line {start} is never closed "
            "(it would run to the end of the file); close it or remove it"
        )
    if "expected after" in str(exc):
        return (
            f"a quoted value ends before the delimiter on line {stop}; "
            "quote whole values and double any quote inside one"
        )
    return f"cannot read the CSV ({exc})"


def detect_delimiter(text: str) -> str:
    """The delimiter giving the same field count (> 1) on the most lines."""
    lines = text.splitlines()[:50]
    if len(text) >= SAMPLE_BYTES // 2 and len(lines) > 1:
        lines = lines[:-1]  # the last sampled line may be cut short
    best: tuple[int, int, int] = (0, 0, 0)
    chosen = ","
    sample = "\n".join(lines)
    for rank, candidate in enumerate(DELIMITERS):
        try:
            rows = [r for r in csv.reader(io.StringIO(sample), delimiter=candidate) if r]
        except csv.Error:
            continue
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        agree = sum(1 for r in rows if len(r) == width)
        score = (agree, width, -rank)
        if score > best:
            best, chosen = score, candidate
    return chosen


def _not_text(name: str, encoding: str, exc: UnicodeDecodeError, lines_read: int) -> str:
    bad = exc.object[exc.start : exc.start + 1]
    where = f" after line {lines_read}" if lines_read else ""
    return (
        f"{name}: the text is not valid {encoding} (byte 0x{bad.hex()}{where}); "
        "pass --encoding with the file's encoding (e.g. cp1252)."
    )


def parse_delimiter(value: str) -> str:
    """`--delimiter`: one character, or a name (comma, semicolon, tab, pipe)."""
    word = DELIMITER_WORDS.get(value.strip().lower()) if value.strip() else None
    if word is not None:
        return word
    if len(value) == 1:
        return value
    raise InvalidValue(
        f"--delimiter: {value!r} is not one character or one of comma, semicolon, tab, pipe."
    )


def check_encoding(value: str) -> str:
    try:
        return codecs.lookup(value).name
    except LookupError:
        raise InvalidValue(
            f"--encoding: {value!r} is not an encoding Python knows "
            "(e.g. utf-8, utf-8-sig, utf-16, cp1252, latin-1)."
        ) from None


@dataclass
class CsvSource:
    """An opened CSV: its display name, what was detected, and its rows."""

    name: str
    encoding: str
    delimiter: str
    header: list[str]
    size: int | None
    _raw: _CountingReader
    _text: io.TextIOWrapper
    _reader: Iterator[list[str]]
    _owned: BinaryIO | None = None
    header_line: int = 1
    _line_num: int = field(default=0)
    path: Path | None = None  # set when the rows can be read again
    encoding_note: str | None = None  # why the encoding was chosen, when detected

    @property
    def bytes_read(self) -> int:
        return self._raw.bytes_read

    @property
    def delimiter_name(self) -> str:
        return DELIMITER_NAMES.get(self.delimiter, self.delimiter)

    def rows(self, *, broken_records: bool = False) -> Iterator[tuple[int, list[str]]]:
        """(first line number of the record, its fields), blank lines skipped.

        A record with broken quoting refuses the file, or with
        `broken_records` comes as a `BrokenRecord` (no fields, and why) and
        the rows after it follow."""
        reader = self._reader
        previous = reader.line_num  # type: ignore[attr-defined]
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError as exc:
                raise RefusedFile(_not_text(self.name, self.encoding, exc, previous)) from None
            except csv.Error as exc:
                start, previous = previous + 1, reader.line_num  # type: ignore[attr-defined]
                reason = _quoting_problem(exc, start, previous)
                if not broken_records:
                    raise RefusedFile(f"{self.name}:{start}: {reason}.") from None
                yield start, BrokenRecord(reason)
                continue
            start = previous + 1
            previous = reader.line_num  # type: ignore[attr-defined]
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            yield start, row

    def reread(self, lines: Collection[int]) -> dict[int, list[str]]:
        """The records starting on `lines`, read again from the file (for a
        problem found after the rows were written). Needs `path`."""
        if self.path is None:
            raise ValueError(f"{self.name} cannot be read twice")
        wanted = set(lines)
        found: dict[int, list[str]] = {}
        with open_csv(
            self.path, name=self.name, encoding=self.encoding, delimiter=self.delimiter
        ) as again:
            for line, row in again.rows(broken_records=True):
                if line in wanted:
                    found[line] = row
                    if len(found) == len(wanted):
                        break
        return found

    def close(self) -> None:
        if not self._text.closed:
            self._text.close()
        if self._owned is not None:
            self._owned.close()

    def __enter__(self) -> CsvSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_csv(
    source: str | os.PathLike[str] | BinaryIO,
    *,
    name: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> CsvSource:
    """Open a path (or a binary stream such as stdin), detect its encoding and
    delimiter unless given, and read the header row."""
    owned: BinaryIO | None = None
    size: int | None = None
    path: Path | None = None
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        display = name or str(path)
        try:
            stream: BinaryIO = open(path, "rb")  # noqa: SIM115 - closed by CsvSource.close
        except FileNotFoundError:
            raise RefusedFile(f"{display}: no such file.") from None
        except IsADirectoryError:
            raise RefusedFile(f"{display}: is a directory, not a CSV file.") from None
        except OSError as exc:
            raise RefusedFile(f"{display}: cannot be read ({exc.strerror}).") from None
        owned = stream
        size = os.fstat(stream.fileno()).st_size
    else:
        stream = source
        display = name or "stdin"
    try:
        sample = stream.read(SAMPLE_BYTES)
        note: str | None = None
        if encoding:
            chosen = check_encoding(encoding)
            if chosen == "utf-8" and sample.startswith(codecs.BOM_UTF8):
                chosen = "utf-8-sig"
        else:
            try:
                chosen, note = _detect(sample)
                if chosen == "utf-8" and owned is not None and len(sample) == SAMPLE_BYTES:
                    bad = first_non_utf8(stream)
                    if bad is not None:
                        chosen, note = not_utf8(window_at(stream, bad))
                    stream.seek(len(sample))
            except UnclearEncoding as exc:
                raise RefusedFile(
                    f"{display}: the text is not UTF-8 and its encoding is not clear "
                    f"({exc.why}); pass --encoding with the file's encoding "
                    "(such as cp1252, iso8859_2 or shift_jis)."
                ) from None
        raw = _CountingReader(sample, stream)
        text = io.TextIOWrapper(
            io.BufferedReader(raw, buffer_size=1 << 16), encoding=chosen, newline=""
        )
        try:
            sample_text = sample.decode(chosen, errors="replace")
        except LookupError:
            sample_text = ""
        if sample_text.startswith("\ufeff"):
            sample_text = sample_text[1:]
        if not sample_text.strip():
            raise RefusedFile(f"{display}: the file is empty (expected a header row).")
        delim = parse_delimiter(delimiter) if delimiter else detect_delimiter(sample_text)
        reader = csv.reader(text, delimiter=delim, skipinitialspace=False, strict=True)
        try:
            header: list[str] | None = None
            for row in reader:
                if row and any(cell.strip() for cell in row):
                    header = row
                    break
        except UnicodeDecodeError as exc:
            raise RefusedFile(_not_text(display, chosen, exc, 0)) from None
        except csv.Error as exc:
            line = reader.line_num
            reason = _quoting_problem(exc, 1, line)
            raise RefusedFile(f"{display}:1: cannot read the header: {reason}.") from None
        if header is None:
            raise RefusedFile(f"{display}: the file is empty (expected a header row).")
        header = [cell.strip().lstrip("\ufeff").strip() for cell in header]
        return CsvSource(
            name=display,
            encoding=chosen,
            encoding_note=note,
            delimiter=delim,
            header=header,
            size=size,
            _raw=raw,
            _text=text,
            _reader=reader,
            _owned=owned,
            header_line=reader.line_num,
            path=path,
        )
    except BaseException:
        if owned is not None:
            owned.close()
        raise
