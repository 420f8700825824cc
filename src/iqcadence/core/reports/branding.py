"""A client's report branding: the company name, a brand colour and a logo,
used by every PDF (reports, the record export, QBR prep).

All three live in the settings table, so backups carry them: the name and
colour in the `reports` block, the logo (PNG or SVG, at most 256 KB) as
base64 under `reports_logo`, apart, so the audit entry of a change records
its digest rather than the whole image. A logo is checked when it is set
(the file's signature, that it draws, and that an SVG is self-contained);
a stored value that no longer reads (a hand-edited backup) is ignored, so a
report still renders, with the default look.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session

from iqcadence.core.base import clock
from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import InvalidValue, RefusedFile
from iqcadence.core.reports.pdf_style import ACCENT, RGB, Brand, hex_colour
from iqcadence.core.scoring.fields import parse_name
from iqcadence.core.store import audit, settings
from iqcadence.core.store.models import Setting

REPORTS_KEY = "reports"
LOGO_KEY = "reports_logo"
DEFAULT_COMPANY = "iqcadence"
MAX_LOGO_BYTES = 256 * 1024
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_HEX = re.compile(r"#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})")
# What would make an SVG reach outside itself (a file, a URL) or run code.
_SVG_OUTSIDE = re.compile(
    rb"<!DOCTYPE|<!ENTITY|<script|<image|<foreignObject|<use[^>]*href\s*=\s*[\"'](?!#)",
    re.IGNORECASE,
)


def parse_colour(text: str) -> RGB:
    """`#1F6FEB`, `1f6feb` or `#1F6` as RGB."""
    match = _HEX.fullmatch(text.strip())
    if match is None:
        raise InvalidValue(f"--color: {text!r} is not a hex colour like #1F6FEB.")
    digits = match.group(1)
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return (int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16))


def read_logo(path: Path) -> tuple[str, bytes]:
    """The logo file's format (`png` or `svg`) and bytes, or one sentence
    saying why it cannot be a logo."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise RefusedFile(f"{path}: no such file.") from None
    except OSError as exc:
        raise RefusedFile(f"{path}: cannot be read ({exc.strerror}).") from None
    if len(data) > MAX_LOGO_BYTES:
        raise RefusedFile(
            f"{path}: the logo is {len(data) / 1024:,.0f} KB; "
            f"a logo may be at most {MAX_LOGO_BYTES // 1024} KB."
        )
    fmt = logo_format(data)
    if fmt is None:
        raise RefusedFile(f"{path}: not a PNG or SVG image.")
    if fmt == "svg" and _SVG_OUTSIDE.search(data):
        raise RefusedFile(
            f"{path}: the SVG refers to something outside itself (a DOCTYPE, entity, "
            "script, embedded image or external link); save it as plain shapes or PNG."
        )
    problem = _draw_problem(data)
    if problem:
        raise RefusedFile(f"{path}: the image cannot be drawn ({problem}).")
    return fmt, data


def logo_format(data: bytes) -> str | None:
    if data.startswith(PNG_SIGNATURE):
        return "png"
    head = data.lstrip()[:512].lower()
    if head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in data[:4096].lower()):
        return "svg"
    return None


def _draw_problem(data: bytes) -> str | None:
    """Why fpdf cannot place this image, or None when it can."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    try:
        pdf.image(io.BytesIO(data), x=10, y=10, w=40, h=10, keep_aspect_ratio=True)
        pdf.output()
    except Exception as exc:  # fpdf and Pillow raise many kinds for a bad image
        return str(exc).splitlines()[0][:120] or type(exc).__name__
    return None


def company_name(session: Session, client_id: int) -> str:
    block = settings.get_block(session, client_id, REPORTS_KEY) or {}
    return str(block.get("company_name") or DEFAULT_COMPANY)


def set_company(session: Session, actor: Actor, name: str) -> None:
    actor.require_admin("change report branding")
    cleaned = parse_name("company name", name)
    block = settings.get_block(session, actor.client_id, REPORTS_KEY) or {}
    block["company_name"] = cleaned
    settings.put_block(session, actor, REPORTS_KEY, block, action="config.reports")
    session.commit()


def load_brand(session: Session, client_id: int) -> Brand:
    """The client's brand; anything stored that does not read is left out."""
    block = settings.get_block(session, client_id, REPORTS_KEY) or {}
    accent = ACCENT
    try:
        accent = parse_colour(str(block["brand_color"]))
    except (KeyError, InvalidValue):
        pass
    logo = None
    stored = settings.get_block(session, client_id, LOGO_KEY) or {}
    try:
        data = base64.b64decode(str(stored["data"]), validate=True)
        if logo_format(data) is not None:
            logo = data
    except (KeyError, binascii.Error, ValueError):
        pass
    return Brand(accent=accent, logo=logo)


def brand_summary(session: Session, client_id: int) -> dict[str, Any]:
    """What `reports brand show` prints: name, colour and logo facts."""
    brand = load_brand(session, client_id)
    stored = settings.get_block(session, client_id, LOGO_KEY) or {}
    logo = None
    if brand.logo is not None:
        logo = {
            "format": logo_format(brand.logo),
            "bytes": len(brand.logo),
            "sha256": hashlib.sha256(brand.logo).hexdigest(),
            "file": stored.get("file"),
        }
    return {
        "company": company_name(session, client_id),
        "color": hex_colour(brand.accent),
        "logo": logo,
    }


def set_brand(
    session: Session,
    actor: Actor,
    *,
    logo: Path | None = None,
    colour: str | None = None,
    clear_logo: bool = False,
) -> None:
    """Set the brand colour and/or logo (admins); every value is checked
    before anything is written."""
    actor.require_admin("change report branding")
    if logo is None and colour is None and not clear_logo:
        raise InvalidValue("give --logo FILE, --color HEX or --no-logo.")
    if logo is not None and clear_logo:
        raise InvalidValue("--logo and --no-logo: give one of them.")
    default = colour is not None and colour.strip().lower() == "default"
    rgb = parse_colour(colour) if colour is not None and not default else None
    image = read_logo(logo) if logo is not None else None
    if colour is not None:
        block = settings.get_block(session, actor.client_id, REPORTS_KEY) or {}
        block.pop("brand_color", None)
        if rgb is not None:
            block["brand_color"] = hex_colour(rgb)
        settings.put_block(session, actor, REPORTS_KEY, block, action="config.reports")
    if image is not None:
        assert logo is not None
        fmt, data = image
        value = {"format": fmt, "file": logo.name, "data": base64.b64encode(data).decode()}
        _put_logo(
            session,
            actor,
            value,
            {
                "format": fmt,
                "file": logo.name,
                "bytes": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
            },
        )
    elif clear_logo:
        _put_logo(session, actor, {}, {"removed": True})
    session.commit()


def _put_logo(
    session: Session, actor: Actor, value: dict[str, Any], details: dict[str, Any]
) -> None:
    """Store the logo block; the audit records what it is, not its bytes."""
    row = session.get(Setting, (actor.client_id, LOGO_KEY))
    now: datetime = clock.now()
    if row is None:
        row = Setting(client_id=actor.client_id, key=LOGO_KEY, value=value)
    else:
        row.value = value
    row.updated_at = now
    row.updated_by = actor.email
    session.add(row)
    audit.record(session, actor, "config.reports.logo", details={"key": LOGO_KEY, **details})
