"""An allow-list sanitiser for uploaded SVG images.

An SVG is a document that can run scripts and fetch other resources when opened on its own (as a course
image is, at its own URL). Only drawing elements and presentation attributes are kept; anything that runs,
embeds HTML or reaches outside the file is dropped.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"

ELEMENTS = {
    "svg", "g", "defs", "title", "desc", "symbol", "use", "path", "rect", "circle", "ellipse", "line",
    "polyline", "polygon", "text", "tspan", "textPath", "marker", "linearGradient", "radialGradient", "stop",
    "clipPath", "mask", "pattern", "style", "filter", "feGaussianBlur", "feOffset", "feBlend", "feFlood",
    "feComposite", "feMerge", "feMergeNode", "feColorMatrix", "feDropShadow",
}
ATTRIBUTES = {
    "id", "class", "style", "viewBox", "width", "height", "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx",
    "ry", "d", "points", "transform", "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width",
    "stroke-opacity", "stroke-dasharray", "stroke-dashoffset", "stroke-linecap", "stroke-linejoin",
    "stroke-miterlimit", "opacity", "font-family", "font-size", "font-weight", "font-style", "text-anchor",
    "dominant-baseline", "alignment-baseline", "baseline-shift", "letter-spacing", "word-spacing",
    "text-decoration", "dx", "dy", "rotate", "textLength", "lengthAdjust", "role", "aria-label",
    "aria-labelledby", "aria-describedby", "aria-hidden", "focusable", "preserveAspectRatio", "version",
    "marker-start", "marker-mid", "marker-end", "markerWidth", "markerHeight", "markerUnits", "refX", "refY",
    "orient", "clip-path", "clipPathUnits", "clip-rule", "mask", "maskUnits", "maskContentUnits",
    "patternUnits", "patternContentUnits", "patternTransform", "gradientUnits", "gradientTransform",
    "offset", "stop-color", "stop-opacity", "fx", "fy", "fr", "spreadMethod", "visibility", "display",
    "color", "filter", "stdDeviation", "in", "in2", "result", "mode", "operator", "flood-color",
    "flood-opacity", "values", "type", "k1", "k2", "k3", "k4", "filterUnits", "primitiveUnits", "startOffset",
    "href", "paint-order", "vector-effect", "shape-rendering", "text-rendering", "xml:space", "lang",
}
#: url(...) that points anywhere but inside this file
EXTERNAL_URL = re.compile(r"url\(\s*(['\"]?)\s*(?!#)", re.I)
DANGEROUS_CSS = re.compile(r"@import|expression\s*\(|javascript:|behavior\s*:|-moz-binding", re.I)


class SvgError(ValueError):
    """Not an SVG image that can be kept; the message says why."""


def _local(name: str) -> tuple[str, str]:
    """(namespace, local name) of an element or attribute name as ElementTree spells it."""
    if name.startswith("{"):
        namespace, _, local = name[1:].partition("}")
        return namespace, local
    return "", name


def _clean_style(value: str) -> str:
    """A style attribute without declarations that load or run anything."""
    kept = [part for part in value.split(";")
            if part.strip() and not EXTERNAL_URL.search(part) and not DANGEROUS_CSS.search(part)]
    return ";".join(kept)


def _clean_attributes(element) -> None:
    for name in list(element.attrib):
        namespace, local = _local(name)
        value = element.attrib.pop(name)
        if namespace == XLINK_NS and local == "href":
            local, namespace = "href", ""
        if namespace == "http://www.w3.org/XML/1998/namespace":
            local = f"xml:{local}"
        elif namespace not in ("", SVG_NS):
            continue
        if local not in ATTRIBUTES or local.lower().startswith("on"):
            continue
        if local == "href" and not value.strip().startswith("#"):
            continue
        if local == "style":
            value = _clean_style(value)
            if not value:
                continue
        elif EXTERNAL_URL.search(value) or DANGEROUS_CSS.search(value):
            continue
        element.set("{http://www.w3.org/XML/1998/namespace}space" if local == "xml:space" else local, value)


def _clean(element) -> None:
    for child in list(element):
        namespace, local = _local(child.tag) if isinstance(child.tag, str) else ("", "")
        if namespace != SVG_NS or local not in ELEMENTS:
            element.remove(child)
            continue
        if local == "style":
            text = child.text or ""
            if EXTERNAL_URL.search(text) or DANGEROUS_CSS.search(text) or len(child):
                element.remove(child)
                continue
        _clean_attributes(child)
        _clean(child)


def sanitise_svg(data: bytes) -> bytes:
    """The SVG with only drawing elements and safe attributes left.

    :raises SvgError: not well-formed XML, a DOCTYPE or entities, or not an <svg> document.
    """
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise SvgError("the SVG declares a DOCTYPE or entities, which are not allowed") from None
    except ET.ParseError as error:
        raise SvgError(f"the SVG is not well-formed XML ({error})") from None
    namespace, local = _local(root.tag)
    if local != "svg" or namespace not in ("", SVG_NS):
        raise SvgError("the file is not an SVG image (its root element is not <svg>)")
    if namespace == "":
        # An SVG without its namespace is not drawn by browsers; give it the namespace so it is.
        for element in root.iter():
            if isinstance(element.tag, str) and not element.tag.startswith("{"):
                element.tag = f"{{{SVG_NS}}}{element.tag}"
    _clean_attributes(root)
    _clean(root)
    ET.register_namespace("", SVG_NS)
    return ET.tostring(root, encoding="unicode").encode("utf-8")
