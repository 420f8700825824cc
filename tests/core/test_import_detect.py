"""Encoding, delimiter and quoting detection of CSV files."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from iqcadence.core.base.errors import InvalidValue, RefusedFile
from iqcadence.core.io.imports.detect import detect_delimiter, detect_encoding, open_csv
from iqcadence.core.io.imports.encoding import UnclearEncoding

DATA = Path(__file__).parent.parent / "data" / "import"
HEADER = ["Customer", "Manager", "MRR", "Logins", "Adoption", "NPS", "Tier", "Renewal Date"]


def read_all(path: Path, **kwargs: str) -> tuple[str, str, list[str], list[tuple[int, list[str]]]]:
    with open_csv(path, **kwargs) as source:  # type: ignore[arg-type]
        return source.encoding, source.delimiter, source.header, list(source.rows())


@pytest.mark.parametrize(
    ("filename", "encoding"),
    [
        ("utf8.csv", "utf-8"),
        ("utf8_bom.csv", "utf-8-sig"),
        ("utf16.csv", "utf-16"),
        ("cp1252.csv", "cp1252"),
    ],
)
def test_each_encoding_is_detected_and_decoded(filename: str, encoding: str) -> None:
    found, delimiter, header, rows = read_all(DATA / filename)
    assert found == encoding
    assert delimiter == ","
    assert header == HEADER
    assert rows[0] == (2, ["Café Zürich", "Renée", "1200", "12", "55%", "9", "smb", "2027-01-31"])
    assert rows[1][1][:2] == ["Smörgås AB", "Åsa"]


@pytest.mark.parametrize(
    ("filename", "delimiter"),
    [("utf8.csv", ","), ("semicolon.csv", ";"), ("tab.tsv", "\t"), ("pipe.csv", "|")],
)
def test_each_delimiter_is_detected(filename: str, delimiter: str) -> None:
    _enc, found, header, rows = read_all(DATA / filename)
    assert found == delimiter
    assert header == HEADER
    assert len(rows) == 2 and len(rows[0][1]) == 8


def test_quoting_keeps_delimiters_newlines_and_quotes_inside_fields() -> None:
    _enc, delimiter, header, rows = read_all(DATA / "quoted.csv")
    assert delimiter == ","
    assert header == ["name", "notes", "tags", "mrr"]
    (line1, first), (line2, second) = rows
    assert first == ["Hooli, Inc.", "Line one\nline two, with comma", "vip, beta", "$12,500.00"]
    assert (line1, line2) == (2, 4)  # a record spanning two lines keeps its first line number
    assert second[0] == 'The "Best" Co'


def test_utf16_without_bom_and_no_latin1_fallback() -> None:
    text = "name,mrr\nÉcole,5\n"
    assert detect_encoding(text.encode("utf-16-le")) == "utf-16-le"
    assert detect_encoding(text.encode("utf-16-be")) == "utf-16-be"
    # Latin-1 decodes any byte, 0x81 into a control character: not a reading
    with pytest.raises(UnclearEncoding, match="no encoding reads it as plain text"):
        detect_encoding("name\nCafé\x81,1\n".encode("latin-1"))


def test_cp1252_byte_after_the_sample_is_still_detected(tmp_path: Path) -> None:
    path = tmp_path / "late.csv"
    body = "name,mrr\n" + "".join(f"Customer {i},{i}\n" for i in range(8000))
    path.write_bytes(body.encode("ascii") + "Crème,5\n".encode("cp1252"))
    encoding, _d, _h, rows = read_all(path)
    assert encoding == "cp1252"
    assert rows[-1][1] == ["Crème", "5"]


def test_overrides_and_bad_overrides(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(b"a;b,c\n1;2,3\n")
    _e, delimiter, header, _r = read_all(path, delimiter="semicolon")
    assert delimiter == ";" and header == ["a", "b,c"]
    _e, delimiter, header, _r = read_all(path, delimiter=",")
    assert header == ["a;b", "c"]
    encoding, *_ = read_all(DATA / "cp1252.csv", encoding="latin-1")
    assert encoding == "iso8859-1"
    with pytest.raises(InvalidValue, match="--encoding"):
        read_all(path, encoding="klingon")
    with pytest.raises(InvalidValue, match="--delimiter"):
        read_all(path, delimiter="ab")


def test_refused_files(tmp_path: Path) -> None:
    with pytest.raises(RefusedFile, match="no such file"):
        open_csv(tmp_path / "missing.csv")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"\n\n")
    with pytest.raises(RefusedFile, match="empty"):
        open_csv(empty)
    bad = tmp_path / "bad.csv"
    bad.write_bytes("name\nCaf\xe9\n".encode("latin-1"))
    with pytest.raises(RefusedFile, match=r"bad\.csv: the text is not valid utf-8 \(byte 0xe9\)"):
        read_all(bad, encoding="utf-8")


def test_stream_source_and_delimiter_choice() -> None:
    stream = io.BytesIO(b"name|mrr\nA|1\n")
    with open_csv(stream, name="stdin") as source:
        assert source.name == "stdin" and source.delimiter == "|"
        assert list(source.rows()) == [(2, ["A", "1"])]
    # commas inside values of a semicolon file do not win
    assert detect_delimiter("name;mrr\nA;1,5\nB;2,5\nC;3\n") == ";"
