"""QR codes as inline SVG (no images to serve, nothing loaded from elsewhere)."""
from __future__ import annotations

import re

import qrcode
import qrcode.image.svg


def qr_svg(text: str, label: str = "QR code for checking in") -> str:
    """An accessible, scalable SVG of `text` as a QR code."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    svg = image.to_string(encoding="unicode")
    svg = re.sub(r'<\?xml[^>]*>', "", svg)
    svg = re.sub(r'\s(width|height)="[^"]*"', "", svg, count=2)
    return svg.replace("<svg ", f'<svg class="qr" role="img" aria-label="{label}" ', 1)
