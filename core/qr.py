"""QR codes for printables (posters, flyers): an SVG data URI WeasyPrint draws
sharp at any size. qrcode comes with allauth[mfa]'s TOTP."""

from __future__ import annotations

import base64
import io


def qr_svg(link: str) -> str:
    """A QR code of `link` as an SVG data URI."""
    import qrcode  # imported here: only the printables need it, and they are rare
    import qrcode.image.svg

    buffer = io.BytesIO()
    qrcode.make(link, image_factory=qrcode.image.svg.SvgPathImage, box_size=20, border=2).save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()
