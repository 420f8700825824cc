"""`reports brand`: a logo and a brand colour, kept in the settings (and so in
backups), drawn on every report PDF; a bad colour or file is one sentence,
a non-zero exit, and the database unchanged."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from iqcadence.core.reports import service
from iqcadence.core.reports.catalog import REPORTS
from tests.factories import build_portfolio, dump

SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="30" viewBox="0 0 120 30">'
    '<rect width="120" height="30" fill="#123456"/></svg>'
)


def png(path: Path, size: tuple[int, int] = (120, 30)) -> Path:
    from PIL import Image

    Image.new("RGB", size, (200, 30, 60)).save(path, format="PNG")
    return path


def fill_colours(page: Any) -> set[tuple[int, int, int]]:
    """Every RGB fill colour a page's content sets (`r g b rg`), in 0–255."""
    content = page.get_contents().get_data().decode("latin-1")
    found = re.findall(r"([\d.]+) ([\d.]+) ([\d.]+) rg", content)
    return {
        (round(float(r) * 255), round(float(g) * 255), round(float(b) * 255)) for r, g, b in found
    }


def images(page: Any) -> int:
    xobjects = page["/Resources"].get("/XObject") or {}
    return sum(1 for x in xobjects.values() if x.get_object()["/Subtype"] == "/Image")


def every_pdf(session: Any, actor: Any) -> list[tuple[str, bytes]]:
    out = [
        (kind, service.render(session, actor.client_id, kind, customer="Globex").content)
        for kind in REPORTS
    ]
    out.append(("record", service.record_pdf(session, actor, "Globex")))
    out.append(("qbr", service.qbr_document(session, actor, "Globex", fmt="pdf")))
    return out


def test_logo_and_colour_on_every_pdf(cli: Any, tmp_path: Path, session: Any, actor: Any) -> None:
    build_portfolio(session, actor, days=14)
    logo = png(tmp_path / "logo.png")
    result = cli("reports", "brand", "set", "--logo", str(logo), "--color", "#0b7a75")
    assert result.exit_code == 0, result.output
    shown = json.loads(cli("reports", "brand", "show", "--json").stdout)
    assert shown["color"] == "#0B7A75"
    assert shown["logo"]["format"] == "png" and shown["logo"]["file"] == "logo.png"
    assert shown["logo"]["bytes"] == logo.stat().st_size
    session.expire_all()
    for name, content in every_pdf(session, actor):
        for page in PdfReader(io.BytesIO(content)).pages:
            assert images(page) == 1, name
            assert (11, 122, 117) in fill_colours(page), name


def test_an_svg_logo_is_drawn_as_vectors(
    cli: Any, tmp_path: Path, session: Any, actor: Any
) -> None:
    build_portfolio(session, actor, days=7)
    (tmp_path / "logo.svg").write_text(SVG)
    assert cli("reports", "brand", "set", "--logo", str(tmp_path / "logo.svg")).exit_code == 0
    session.expire_all()
    content = service.render(session, actor.client_id, "portfolio").content
    page = PdfReader(io.BytesIO(content)).pages[0]
    assert (0x12, 0x34, 0x56) in fill_colours(page)


def test_text_on_the_brand_colour_stays_readable() -> None:
    from iqcadence.core.reports.pdf_style import INK, Brand

    assert Brand(accent=(255, 213, 79)).on_accent == INK  # light yellow: dark text
    assert Brand(accent=(11, 122, 117)).on_accent == (255, 255, 255)
    assert Brand().on_accent == (255, 255, 255)


def test_reset_and_remove(cli: Any, tmp_path: Path) -> None:
    cli("reports", "brand", "set", "--logo", str(png(tmp_path / "l.png")), "--color", "#123")
    assert json.loads(cli("reports", "brand", "show", "--json").stdout)["color"] == "#112233"
    assert cli("reports", "brand", "set", "--color", "default", "--no-logo").exit_code == 0
    shown = json.loads(cli("reports", "brand", "show", "--json").stdout)
    assert shown == {"company": "iqcadence", "color": "#28468C", "logo": None}


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--color", "blue"], 2, "--color: 'blue' is not a hex colour like #1F6FEB."),
        (["--color", "#12345"], 2, "--color: '#12345' is not a hex colour like #1F6FEB."),
        ([], 2, "give --logo FILE, --color HEX or --no-logo."),
        (["--logo", "{dir}/missing.png"], 1, "{dir}/missing.png: no such file."),
        (["--logo", "{dir}/logo.gif"], 1, "{dir}/logo.gif: not a PNG or SVG image."),
        (["--logo", "{dir}/big.png"], 1, "a logo may be at most 256 KB."),
        (["--logo", "{dir}/broken.png"], 1, "{dir}/broken.png: the image cannot be drawn"),
        (["--logo", "{dir}/outside.svg"], 1, "the SVG refers to something outside itself"),
        # a good logo with a bad colour: neither is saved
        (["--logo", "{dir}/good.png", "--color", "nope"], 2, "--color: 'nope'"),
    ],
)
def test_bad_input_is_one_sentence_and_changes_nothing(
    cli: Any, tmp_path: Path, db_path: Path, args: list[str], code: int, message: str
) -> None:
    (tmp_path / "logo.gif").write_bytes(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;")
    png(tmp_path / "good.png")
    from PIL import Image

    noise = Image.frombytes("RGB", (400, 400), bytes(range(256)) * 1875)
    noise.save(tmp_path / "big.png", format="PNG", compress_level=0)
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    (tmp_path / "outside.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        '<image xlink:href="file:///etc/passwd" width="10" height="10"/></svg>'
    )
    assert cli("reports", "company").exit_code == 0  # the day's first write (decay) is done
    before = dump(db_path)
    result = cli("reports", "brand", "set", *[a.format(dir=tmp_path) for a in args])
    assert result.exit_code == code
    assert message.format(dir=tmp_path) in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert dump(db_path) == before


def test_the_brand_is_kept_in_backups(cli: Any, tmp_path: Path) -> None:
    logo = png(tmp_path / "logo.png")
    cli("reports", "brand", "set", "--logo", str(logo), "--color", "#0B7A75")
    backup = tmp_path / "backup.json"
    assert cli("backup", "--out", str(backup)).exit_code == 0
    tables = json.loads(backup.read_text())["tables"]
    keys = [row[tables["setting"]["columns"].index("key")] for row in tables["setting"]["rows"]]
    assert "reports" in keys and "reports_logo" in keys
    cli("reports", "brand", "set", "--no-logo", "--color", "default")
    assert cli("restore", str(backup), "--yes").exit_code == 0
    shown = json.loads(cli("reports", "brand", "show", "--json").stdout)
    assert shown["color"] == "#0B7A75" and shown["logo"]["bytes"] == logo.stat().st_size
