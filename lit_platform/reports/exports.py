"""Report downloads (CSV, Excel and PDF), each rendered from the one ReportDocument the page shows."""
from __future__ import annotations

import csv
import io
import math
import re
from decimal import Decimal

from flask import Response, render_template
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from ..core.exports import FORMULA_STARTS, download, html_to_pdf, neutralise
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

    def write(cells, decimals: int = 2) -> None:
        # neutralise sees the raw value, so numbers (negative ones too) are never prefixed.
        writer.writerow([cell_text(neutralise(value), decimals, missing="") for value in cells])

    write([doc.title])
    write(["Generated at", doc.generated_at.isoformat()])
    for label, value in doc.filters:
        write([label, value])
    for section in doc.sections:
        for table in section_tables(section):
            writer.writerow([])
            write([f"{section.title} — {table.title}"])
            write(table.columns)
            for row in table.rows:
                write([plain_cell(table, column, value) for column, value in enumerate(row)], table.decimals)
            if table.note:
                write([table.note])
    return buffer.getvalue()


def csv_response(doc: ReportDocument, filename: str) -> Response:
    """The CSV as a download."""
    # The byte-order mark makes Excel read the file as UTF-8.
    return download("\ufeff" + to_csv(doc), filename, CSV_MIMETYPE)


# Excel -------------------------------------------------------------------------------------------

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_SHEET_MAX = 31
#: names taken by the workbook's own sheets (and "History", which Excel reserves); compared case-blind
_RESERVED_SHEETS = ("summary", "methods", "history")
_BOLD = Font(bold=True)
_HEADING = Font(bold=True, size=14)
_NOTE = Font(italic=True)
_WRAP = Alignment(wrap_text=True, vertical="top")


def sheet_title(title: str, taken: set[str]) -> str:
    """A valid, unused sheet name for `title`; records it in `taken` (lower-cased names)."""
    base = " ".join(_SHEET_FORBIDDEN.sub(" ", title).split()).strip("'") or "Section"
    name, number = base[:_SHEET_MAX].rstrip(" '"), 2
    while name.casefold() in taken:
        suffix = f" ({number})"
        name = base[:_SHEET_MAX - len(suffix)].rstrip(" '") + suffix
        number += 1
    taken.add(name.casefold())
    return name


def _number_format(value: int | float, decimals: int) -> str:
    if isinstance(value, int) or decimals <= 0:
        return "0"
    return "0." + "0" * decimals


def _put(sheet, row: int, column: int, value: object, decimals: int = 2, font: Font | None = None):
    """Write one cell: numbers as numbers, text always as text (never as a formula)."""
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, bool):
        value = cell_text(value)
    if is_number(value):
        cell.value = value
        cell.number_format = _number_format(value, decimals)
    elif value is not None:
        text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
        cell.value = text
        # openpyxl takes any string starting with "=" for a formula; this keeps it a string.
        cell.data_type = "s"
        if text.startswith(FORMULA_STARTS):
            # Excel keeps the cell as text even if someone edits it.
            cell.quotePrefix = True
        if len(text) > 60:
            cell.alignment = _WRAP
    if font is not None:
        cell.font = font
    return cell


def _write_table(sheet, row: int, table: Table, widths: dict[int, int]) -> tuple[int, int]:
    """Write a table from `row`; returns (its header row, the next free row)."""
    _put(sheet, row, 1, table.title, font=_BOLD)
    header = row + 1
    for column, name in enumerate(table.columns, start=1):
        _put(sheet, header, column, name, font=_BOLD)
        widths[column] = max(widths.get(column, 0), len(str(name)))
    row = header + 1
    for values in table.rows:
        for index, value in enumerate(values):
            value = plain_cell(table, index, value)
            _put(sheet, row, index + 1, value, table.decimals)
            widths[index + 1] = max(widths.get(index + 1, 0), len(cell_text(value, table.decimals, "")))
        row += 1
    if table.note:
        _put(sheet, row, 1, table.note, font=_NOTE)
        row += 1
    return header, row + 1


def _set_widths(sheet, widths: dict[int, int]) -> None:
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = min(max(width + 2, 10), 60)


def to_xlsx(doc: ReportDocument) -> bytes:
    """The report as an Excel workbook: Summary, one sheet per section, then Methods."""
    workbook = Workbook()
    summary = workbook.active
    summary.title = "Summary"
    _put(summary, 1, 1, doc.title, font=_HEADING)
    _put(summary, 2, 1, "Generated at", font=_BOLD)
    _put(summary, 2, 2, doc.generated_at.isoformat())
    row = 3
    for label, value in doc.filters:
        _put(summary, row, 1, label, font=_BOLD)
        _put(summary, row, 2, value)
        row += 1
    _put(summary, row, 1, f"Groups smaller than {doc.min_group} are not shown.")
    row += 2
    for section in doc.sections:
        _put(summary, row, 1, section.title, font=_BOLD)
        row += 1
        for sentence in section.summary:
            _put(summary, row, 1, sentence)
            row += 1
        row += 1
    _set_widths(summary, {1: 28, 2: 48})

    taken = set(_RESERVED_SHEETS)
    for section in doc.sections:
        sheet = workbook.create_sheet(sheet_title(section.title, taken))
        _put(sheet, 1, 1, section.title, font=_HEADING)
        row = 2
        for sentence in section.summary:
            _put(sheet, row, 1, sentence)
            row += 1
        row += 1
        widths: dict[int, int] = {}
        for number, table in enumerate(section_tables(section)):
            header, row = _write_table(sheet, row, table, widths)
            if number == 0:
                sheet.freeze_panes = sheet.cell(row=header + 1, column=1)
        _set_widths(sheet, widths)

    methods = workbook.create_sheet("Methods")
    _put(methods, 1, 1, "Term", font=_BOLD)
    _put(methods, 1, 2, "Explanation", font=_BOLD)
    for row, (term, explanation) in enumerate(doc.methods, start=2):
        _put(methods, row, 1, term, font=_BOLD)
        _put(methods, row, 2, explanation).alignment = _WRAP
    methods.freeze_panes = "A2"
    _set_widths(methods, {1: 28, 2: 90})

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(doc: ReportDocument, filename: str) -> Response:
    """The Excel workbook as a download."""
    return download(to_xlsx(doc), filename, XLSX_MIMETYPE)


# PDF ---------------------------------------------------------------------------------------------

def _print_cell(table: Table, column: int, value: object) -> str:
    return cell_text(plain_cell(table, column, value), table.decimals)


def to_pdf_html(doc: ReportDocument) -> str:
    """The report as a standalone printable HTML page (needs an app context)."""
    return render_template("reports/pdf.html", doc=doc, cell=_print_cell, numeric_columns=_numeric_columns)


def to_pdf(doc: ReportDocument) -> bytes:
    """The report as an A4 PDF (needs an app context)."""
    return html_to_pdf(to_pdf_html(doc))


def pdf_response(doc: ReportDocument, filename: str) -> Response:
    """The PDF as a download (needs an app context)."""
    return download(to_pdf(doc), filename, PDF_MIMETYPE)
