"""Markdown to safe HTML: python-markdown renders, nh3 sanitises against an allow-list."""
from __future__ import annotations

from functools import lru_cache

import html as html_module
import re

import markdown
import nh3
from markupsafe import Markup

EXTENSIONS = ["extra", "admonition", "sane_lists", "toc"]
EXTENSION_CONFIGS = {"toc": {"permalink": False, "toc_depth": "2-3"}}

ALLOWED_TAGS = {
    "a", "abbr", "aside", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "details", "dfn", "div",
    "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd",
    "li", "mark", "ol", "p", "pre", "q", "s", "samp", "section", "small", "span", "strong", "sub", "summary",
    "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul", "var",
}
ALLOWED_ATTRIBUTES = {
    "*": {"id", "class", "title", "lang"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "ol": {"start"},
    "abbr": {"title"},
}
URL_SCHEMES = {"http", "https", "mailto"}


def sanitise_html(html: str, rewrite_url=None) -> str:
    """Keep only allow-listed tags, attributes and URL schemes (no scripts, handlers or data: URLs).

    `rewrite_url(url) -> url` may map relative links and image sources (e.g. course files) to site URLs.
    """
    def rewrite_links(tag, attribute, value):
        if (tag, attribute) in {("a", "href"), ("img", "src")}:
            return rewrite_url(value)
        return value

    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
        attribute_filter=rewrite_links if rewrite_url else None,
    )


_TABLE_TAG = re.compile(r"<table\b[^>]*>|</table>")
_HEADER_CELL = re.compile(r"<th\b[^>]*>(.*?)</th>", re.S)
_CAPTION = re.compile(r"<caption\b[^>]*>(.*?)</caption>", re.S)


def wrap_tables(html: str) -> str:
    """Put each outermost table in a labelled region that scrolls sideways and can take keyboard focus.

    Runs on sanitised HTML, so the region's role, tabindex and label need not be allowed in Markdown.
    """
    out, depth, start, pos = [], 0, 0, 0
    for match in _TABLE_TAG.finditer(html):
        if match.group().startswith("</"):
            depth = max(depth - 1, 0)
            if depth == 0:
                table = html[start:match.end()]
                out.append(html[pos:start])
                out.append(f'<div class="table-scroll" role="region" tabindex="0" aria-label="{_table_label(table)}">'
                           f"{table}</div>")
                pos = match.end()
        else:
            if depth == 0:
                start = match.start()
            depth += 1
    out.append(html[pos:])
    return "".join(out)


def _table_label(table: str) -> str:
    def text(fragment: str) -> str:
        return " ".join(html_module.unescape(re.sub(r"<[^>]+>", "", fragment)).split())

    caption = _CAPTION.search(table)
    if caption and text(caption.group(1)):
        label = text(caption.group(1))
    else:
        headers = [text(cell) for cell in _HEADER_CELL.findall(table)[:4]]
        label = "Table: " + ", ".join(h for h in headers if h) if any(headers) else "Table"
    return html_module.escape(label[:120], quote=True)


def render_document(text: str, rewrite_url=None) -> tuple[str, str]:
    """Render a whole document (a course module): returns (sanitised HTML, sanitised table of contents)."""
    renderer = _renderer()
    # Module pages show their own "On this page" list, so a [TOC] line in the text is dropped.
    text = "\n".join(line for line in (text or "").splitlines() if line.strip() != "[TOC]")
    html = renderer.convert(text)
    return wrap_tables(sanitise_html(html, rewrite_url)), sanitise_html(getattr(renderer, "toc", ""), rewrite_url)


def _renderer() -> markdown.Markdown:
    return markdown.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS, output_format="html")


@lru_cache(maxsize=20_000)
def render_markdown(text: str | None) -> Markup:
    """Render Markdown source to sanitised HTML (cached: question text repeats across attempts)."""
    if not text:
        return Markup("")
    html = _renderer().convert(text)
    return Markup(wrap_tables(sanitise_html(html)))


@lru_cache(maxsize=20_000)
def render_inline(text: str | None) -> Markup:
    """Render a short piece of Markdown (a choice, a label) without the wrapping paragraph."""
    html = str(render_markdown(text))
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return Markup(html)
