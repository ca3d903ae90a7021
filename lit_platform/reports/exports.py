"""Report downloads (CSV, Excel and PDF), each rendered from the one ReportDocument the page shows."""
from __future__ import annotations

import csv
import io
import math
from decimal import Decimal

from flask import Response, current_app, has_app_context, render_template

from ..core.exports import download, html_to_pdf, neutralise
from .document import ReportDocument, Section, Table

CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_MIMETYPE = "application/pdf"

#: how a missing value looks on screen and in print
DASH = "–"


# Cells, as every format shows them ------------------------------------------------------------

def section_tables(section: Section) -> list[Table]:
    """The section's tables in reading order: each chart's data table, then the section's own tables."""
    return [chart.table for chart in section.charts] + list(section.tables)


def plain_cell(table: Table, column: int, value: object) -> object:
    """A cell's value for export: a link keeps its label, and NaN or infinity counts as missing."""
    if column == table.link_column and isinstance(value, (tuple, list)) and len(value) == 2:
        value = value[1]
    if isinstance(value, Decimal):
        # PostgreSQL returns averages as NUMERIC; they are shown like any other fraction.
        value = float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def is_number(value: object) -> bool:
    """True for ints and floats, not for booleans (which Python counts as ints)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def cell_text(value: object, decimals: int = 2, missing: str = DASH) -> str:
    """A value as the screen shows it: floats to `decimals` places, booleans as Yes/No, None as `missing`."""
    if value is None:
        return missing
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float):
        text = f"{value:.{decimals}f}"
        # Rounding can leave "-0.0", which reads as a loss where there is none.
        return text.lstrip("-") if float(text) == 0 else text
    return str(value)


def percent_text(fraction: float, decimals: int = 0) -> str:
    """A rate held as a fraction, as a percentage: 0.425 -> "43%" (or "42.5%" to one place)."""
    return cell_text(fraction * 100, decimals) + "%"


def table_cell_text(table: Table, column: int, value: object, missing: str = DASH) -> str:
    """A table's cell as the page, the CSV and the PDF show it: rates as percentages, links by their label."""
    value = plain_cell(table, column, value)
    if table.is_percent(column) and is_number(value):
        return percent_text(value, table.decimals_for(column))
    return cell_text(value, table.decimals_for(column), missing)


def generated_text(doc: ReportDocument) -> str:
    """When the report was made, in the site's date format and time zone."""
    from ..templating import local_time

    if has_app_context() and "LIT_TIMEZONE" in current_app.config:
        return local_time(doc.generated_at)
    return doc.generated_at.strftime("%-d %B %Y, %H:%M UTC")


def _numeric_columns(table: Table) -> set[int]:
    """Columns whose filled cells are all numbers (right-aligned in print)."""
    columns = set()
    for index in range(len(table.columns)):
        values = [row[index] for row in table.rows if index < len(row) and row[index] is not None]
        if values and all(is_number(v) for v in values):
            columns.add(index)
    return columns


# CSV ---------------------------------------------------------------------------------------------

def to_csv(doc: ReportDocument) -> str:
    """The whole report as one CSV: the heading rows, then every table under "Section — Table"."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def write(cells) -> None:
        # neutralise sees the text a cell will hold; numbers (negative ones too) stay numbers.
        writer.writerow([neutralise(cell) for cell in cells])

    write([doc.title])
    write(["Generated", generated_text(doc)])
    for label, value in doc.filters:
        write([label, value])
    write(["Small groups", doc.suppression_note])
    for section in doc.sections:
        for table in section_tables(section):
            writer.writerow([])
            write([f"{section.title} — {table.title}"])
            write(table.columns)
            for row in table.rows:
                write([_csv_cell(table, column, value) for column, value in enumerate(row)])
            if table.note:
                write([table.note])
    return buffer.getvalue()


def _csv_cell(table: Table, column: int, value: object) -> object:
    """Numbers as numbers (a spreadsheet reads "-0.20" and "42%" as numbers); text as text."""
    return table_cell_text(table, column, value, missing="")


def csv_response(doc: ReportDocument, filename: str) -> Response:
    """The CSV as a download."""
    # The byte-order mark makes Excel read the file as UTF-8.
    return download("\ufeff" + to_csv(doc), filename, CSV_MIMETYPE)


# Excel -------------------------------------------------------------------------------------------

def to_xlsx(doc: ReportDocument) -> bytes:
    """The report as an Excel workbook: Summary, one sheet per section, then Methods."""
    # openpyxl takes about 25 MB once imported: it is loaded by the first workbook asked for, not by
    # every process that serves pages.
    from .workbook import report_workbook

    return report_workbook(doc)


def xlsx_response(doc: ReportDocument, filename: str) -> Response:
    """The Excel workbook as a download."""
    return download(to_xlsx(doc), filename, XLSX_MIMETYPE)


# PDF ---------------------------------------------------------------------------------------------

def _print_cell(table: Table, column: int, value: object) -> str:
    return table_cell_text(table, column, value)


def to_pdf_html(doc: ReportDocument) -> str:
    """The report as a standalone printable HTML page (needs an app context)."""
    return render_template("reports/pdf.html", doc=doc, cell=_print_cell, numeric_columns=_numeric_columns,
                           generated=generated_text(doc))


def to_pdf(doc: ReportDocument) -> bytes:
    """The report as an A4 PDF (needs an app context)."""
    return html_to_pdf(to_pdf_html(doc))


def pdf_response(doc: ReportDocument, filename: str) -> Response:
    """The PDF as a download (needs an app context)."""
    return download(to_pdf(doc), filename, PDF_MIMETYPE)
