"""Files for download: CSV that spreadsheets cannot be tricked by, and PDF from HTML."""
from __future__ import annotations

import csv
import io
import mimetypes
from pathlib import Path

from flask import Response, current_app

#: what makes a spreadsheet program take a cell for a formula
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _is_number_text(text: str) -> bool:
    try:
        float(text.removesuffix("%"))
    except ValueError:
        return False
    return True


def neutralise(value):
    """Stop a spreadsheet from running a cell as a formula (CSV injection): every CSV cell passes through here.

    Only text that starts like a formula is changed (an apostrophe in front, which spreadsheets keep
    as text); numbers, and text that is a plain number such as "-0.20" or "-5%", are left alone.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _is_number_text(value):
        return "'" + value
    return value


def csv_text(header: list[str], rows) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([neutralise("" if value is None else value) for value in row])
    return buffer.getvalue()


def download(body: str | bytes, filename: str, mimetype: str) -> Response:
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def csv_response(header: list[str], rows, filename: str) -> Response:
    return download("\ufeff" + csv_text(header, rows), filename, "text/csv; charset=utf-8")


def html_to_pdf(html: str) -> bytes:
    """Render HTML to a tagged, accessible PDF (PDF/UA-1) with WeasyPrint; only this site's static files may be
    loaded (no network). The HTML gives the language (html lang), the title (<title>), the reading order
    (the source order) and each figure's alternative text (img alt, or an inline SVG's <title>)."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    static = Path(current_app.static_folder).resolve()

    class StaticOnly(URLFetcher):
        def fetch(self, url, headers=None):
            prefix = "file:///static/"
            path = (static / url[len(prefix):]).resolve() if url.startswith(prefix) else None
            if path is None or not path.is_relative_to(static) or not path.is_file():
                raise ValueError(f"refusing to load {url}")
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})

    return HTML(string=html, base_url="file:///", url_fetcher=StaticOnly()).write_pdf(pdf_variant="pdf/ua-1")
