"""Reports as Excel workbooks (openpyxl): numbers as numbers, text always as text, never a formula."""
from __future__ import annotations

import io
import re

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from ..core.exports import FORMULA_STARTS
from .document import ReportDocument, Table
from .exports import cell_text, generated_text, is_number, plain_cell, section_tables, table_cell_text

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_SHEET_MAX = 31
#: names taken by the workbook's own sheets (and "History", which Excel reserves); compared case-blind
_RESERVED_SHEETS = ("summary", "methods", "history")
_BOLD = Font(bold=True)
_HEADING = Font(bold=True, size=14)
_NOTE = Font(italic=True)
_WRAP = Alignment(wrap_text=True, vertical="top")


def _shorten(text: str, limit: int) -> str:
    """`text` cut to `limit` characters at a word boundary (mid-word only when the first word is longer)."""
    if len(text) <= limit:
        return text
    cut = text[:limit + 1].rsplit(" ", 1)[0] if " " in text[:limit + 1] else text[:limit]
    return cut.rstrip(" '-–—,;:.(") or text[:limit]


def sheet_title(title: str, taken: set[str]) -> str:
    """A valid, unused sheet name for `title`, shortened at a word boundary; records it in `taken` (lower-cased)."""
    base = " ".join(_SHEET_FORBIDDEN.sub(" ", title).split()).strip("'") or "Section"
    name, number = _shorten(base, _SHEET_MAX), 2
    while name.casefold() in taken:
        suffix = f" ({number})"
        name = _shorten(base, _SHEET_MAX - len(suffix)) + suffix
        number += 1
    taken.add(name.casefold())
    return name


def _number_format(value: int | float, decimals: int, percent: bool = False) -> str:
    if percent:
        return "0%" if decimals <= 0 else "0." + "0" * decimals + "%"
    if isinstance(value, int) or decimals <= 0:
        return "0"
    return "0." + "0" * decimals


def _put(sheet, row: int, column: int, value: object, decimals: int = 2, font: Font | None = None,
         percent: bool = False):
    """Write one cell: numbers as numbers (rates as percentage-formatted fractions), text always as text."""
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, bool):
        value = cell_text(value)
    if is_number(value):
        cell.value = value
        cell.number_format = _number_format(value, decimals, percent)
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
            _put(sheet, row, index + 1, plain_cell(table, index, value), table.decimals_for(index),
                 percent=table.is_percent(index))
            widths[index + 1] = max(widths.get(index + 1, 0), len(table_cell_text(table, index, value, "")))
        row += 1
    if table.note:
        _put(sheet, row, 1, table.note, font=_NOTE)
        row += 1
    return header, row + 1


def _set_widths(sheet, widths: dict[int, int]) -> None:
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = min(max(width + 2, 10), 60)


def report_workbook(doc: ReportDocument) -> bytes:
    """The report as an Excel workbook: Summary, one sheet per section, then Methods."""
    workbook = Workbook()
    summary = workbook.active
    summary.title = "Summary"
    _put(summary, 1, 1, doc.title, font=_HEADING)
    _put(summary, 2, 1, "Generated", font=_BOLD)
    _put(summary, 2, 2, generated_text(doc))
    row = 3
    for label, value in doc.filters:
        _put(summary, row, 1, label, font=_BOLD)
        _put(summary, row, 2, value)
        row += 1
    _put(summary, row, 1, "Small groups", font=_BOLD)
    _put(summary, row, 2, doc.suppression_note).alignment = _WRAP
    row += 2
    for section in doc.sections:
        _put(summary, row, 1, section.title, font=_BOLD)
        row += 1
        for sentence in section.plain + section.summary:
            _put(summary, row, 1, sentence)
            row += 1
        row += 1
    _set_widths(summary, {1: 28, 2: 48})

    taken = set(_RESERVED_SHEETS)
    for section in doc.sections:
        sheet = workbook.create_sheet(sheet_title(section.title, taken))
        _put(sheet, 1, 1, section.title, font=_HEADING)
        row = 2
        for sentence in section.plain + section.summary:
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
