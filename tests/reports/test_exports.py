"""Report downloads: what a manager sees when opening the CSV, the Excel workbook and the PDF."""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timezone
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from lit_platform.reports import charts, exports
from lit_platform.reports.document import Chart, ReportDocument, Section, Table

GENERATED = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)


def make_document(*, extra_rows: int = 0, sections: list[Section] | None = None) -> ReportDocument:
    """A small evaluation report: a chart with its data, an outcome table and learners' comments."""
    means = Table(title="Mean scores", columns=["Assessment", "Mean", "95% CI low", "95% CI high"],
                  rows=[["Before", 48.2468, 44.0, 52.5], ["After", 71.5032, 67.1, 75.9]], decimals=1)
    outcomes = Table(
        title="Scores by outcome", columns=["Outcome", "Learners", "Before", "After", "Change"],
        rows=[["Plan a search", 12, 40.25, 66.0, 25.75],
              ["Judge sources", 3, None, None, None],
              ["Cite sources", 14, 70.0, 68.96, -1.04]]
        + [[f"Extra outcome {n}", n, 50.0 + n / 10, 60.0, 9.9] for n in range(extra_rows)],
        note="Means are out of 100; groups under 5 are hidden.", decimals=1)
    comments = Table(title="Comments", columns=["Learner", "Comment", "Rating"],
                     rows=[[("/people/1", "Ada"), '=HYPERLINK("http://evil.example","click")', 4],
                           [("/people/2", "=1+1"), "-1+2", 5],
                           [("/people/3", "Grace"), "@SUM(A1:A9)", None]],
                     link_column=0, decimals=0)
    chart = Chart(title="Scores before and after", summary="Scores rose from 48.2 to 71.5 out of 100.",
                  svg_source=charts.paired_plot(48.2468, 71.5032, (44.0, 52.5), (67.1, 75.9), "Scores before and after"),
                  table=means)
    return ReportDocument(
        key="evaluation", title="Evaluation: Finding evidence", generated_at=GENERATED,
        filters=[("Course", "Finding evidence"), ("Period", "January to March 2026"), ("Team", "=cmd|' /C calc'!A0")],
        sections=sections if sections is not None else [
            Section(key="scores", title="Scores", summary=["Scores rose by 23.3 points.", "Most learners improved."],
                    tables=[outcomes], charts=[chart]),
            Section(key="feedback", title="Feedback", summary=["Learners rated the course 4.5 out of 5."],
                    tables=[comments]),
        ],
        methods=[("95% confidence interval", "The range that would hold the true mean in 95 of 100 samples."),
                 ("Normalised gain", "The share of the possible improvement that was achieved.")])


def read_csv(doc: ReportDocument) -> list[list[str]]:
    return list(csv.reader(io.StringIO(exports.to_csv(doc))))


# CSV -----------------------------------------------------------------------------------------------

def test_csv_starts_with_title_time_and_filters():
    rows = read_csv(make_document())
    assert rows[0] == ["Evaluation: Finding evidence"]
    assert rows[1] == ["Generated", "2 March 2026, 09:30 UTC"]
    assert rows[2] == ["Course", "Finding evidence"]
    assert rows[3] == ["Period", "January to March 2026"]
    assert rows[4] == ["Team", "'=cmd|' /C calc'!A0"]
    assert rows[5] == ["Small groups", "Figures about fewer than 5 people are not shown, and neither is any figure "
                                       "from which one could be worked out."]


def test_csv_lists_every_table_in_order_under_section_and_table_title():
    rows = read_csv(make_document())
    headings = [row[0] for before, row in zip(rows, rows[1:]) if before == [] and row]
    assert headings == ["Scores — Mean scores", "Scores — Scores by outcome", "Feedback — Comments"]
    start = rows.index(["Scores — Scores by outcome"])
    assert rows[start + 1] == ["Outcome", "Learners", "Before", "After", "Change"]
    assert rows[start + 5] == ["Means are out of 100; groups under 5 are hidden."]


def test_csv_rounds_like_the_screen_and_leaves_missing_values_empty():
    rows = read_csv(make_document())
    assert ["Before", "48.2", "44.0", "52.5"] in rows
    assert ["Plan a search", "12", "40.2", "66.0", "25.8"] in rows
    assert ["Judge sources", "3", "", "", ""] in rows
    assert ["Cite sources", "14", "70.0", "69.0", "-1.0"] in rows, "negative numbers stay numbers"


def test_csv_rounds_database_decimals_and_treats_not_a_number_as_missing():
    table = Table(title="Averages", columns=["Group", "Mean", "Spread"],
                  rows=[["All", Decimal("3.14159"), float("nan")]], decimals=2)
    rows = read_csv(make_document(sections=[Section(key="s", title="Averages", tables=[table])]))
    assert ["All", "3.14", ""] in rows


def test_csv_neutralises_formula_looking_cells_and_keeps_link_labels():
    rows = read_csv(make_document())
    assert ["Ada", '\'=HYPERLINK("http://evil.example","click")', "4"] in rows
    assert ["'=1+1", "'-1+2", "5"] in rows
    assert ["Grace", "'@SUM(A1:A9)", ""] in rows
    assert not any("/people/" in cell for row in rows for cell in row)


def test_csv_response_is_a_utf8_download_with_a_byte_order_mark():
    response = exports.csv_response(make_document(), "evaluation.csv")
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="evaluation.csv"'
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    assert "Scores — Mean scores".encode() in body


# Excel ---------------------------------------------------------------------------------------------

def open_workbook(doc: ReportDocument):
    return load_workbook(io.BytesIO(exports.to_xlsx(doc)))


def find(sheet, value):
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value == value:
                return cell
    raise AssertionError(f"{value!r} not on sheet {sheet.title!r}")


def test_xlsx_has_summary_a_sheet_per_section_and_methods():
    workbook = open_workbook(make_document())
    assert workbook.sheetnames == ["Summary", "Scores", "Feedback", "Methods"]
    summary = workbook["Summary"]
    assert summary["A1"].value == "Evaluation: Finding evidence"
    assert find(summary, "Course").offset(column=1).value == "Finding evidence"
    find(summary, "Scores rose by 23.3 points.")
    find(summary, "Learners rated the course 4.5 out of 5.")
    methods = workbook["Methods"]
    assert [[c.value for c in row] for row in methods.iter_rows(min_row=2)] == [
        ["95% confidence interval", "The range that would hold the true mean in 95 of 100 samples."],
        ["Normalised gain", "The share of the possible improvement that was achieved."]]


def test_xlsx_sheet_names_are_valid_and_unique_whatever_the_section_titles():
    long_title = "Outcomes: before/after [pilot] — what changed? *all* teams\\sites"
    sections = [Section(key=str(n), title=title) for n, title in enumerate(
        [long_title, long_title, "Summary", "methods", "'Quoted'", "???", "History"])]
    names = open_workbook(make_document(sections=sections)).sheetnames
    assert names[0] == "Summary" and names[-1] == "Methods"
    assert len(names) == 9
    assert len({name.casefold() for name in names}) == 9
    for name in names:
        assert len(name) <= 31
        assert not re.search(r"[\[\]:*?/\\]", name)
        assert not name.startswith("'") and not name.endswith("'")
    assert names[1].startswith("Outcomes before after pilot")


def test_xlsx_numbers_are_numeric_cells_shown_to_the_tables_decimals():
    sheet = open_workbook(make_document())["Scores"]
    mean = find(sheet, "Before").offset(column=1)
    assert mean.data_type == "n" and abs(mean.value - 48.2468) < 1e-9
    assert mean.number_format == "0.0"
    row = find(sheet, "Plan a search").row
    assert [c.value for c in sheet[row][:5]] == ["Plan a search", 12, 40.25, 66.0, 25.75]
    assert sheet.cell(row=row, column=2).number_format == "0"
    missing = find(sheet, "Judge sources").row
    assert sheet.cell(row=missing, column=3).value is None
    assert find(sheet, "Scores rose by 23.3 points.").row < find(sheet, "Mean scores").row


def test_xlsx_headers_are_bold_first_header_frozen_and_notes_kept():
    sheet = open_workbook(make_document())["Scores"]
    header = find(sheet, "Assessment")
    assert header.font.b
    assert sheet.freeze_panes == f"A{header.row + 1}"
    find(sheet, "Means are out of 100; groups under 5 are hidden.")
    assert sheet.column_dimensions["A"].width >= len("Extra outcome") - 2


def test_xlsx_never_stores_text_as_a_formula():
    workbook = open_workbook(make_document())
    feedback = workbook["Feedback"]
    for text in ("=1+1", '=HYPERLINK("http://evil.example","click")', "-1+2", "@SUM(A1:A9)"):
        cell = find(feedback, text)
        assert cell.data_type == "s", text
        assert cell.quotePrefix, "Excel keeps it text even when someone edits the cell"
    assert find(workbook["Summary"], "=cmd|' /C calc'!A0").data_type == "s"
    assert find(feedback, "Ada").offset(column=2).value == 4


def test_xlsx_response_is_an_excel_download():
    response = exports.xlsx_response(make_document(), "evaluation.xlsx")
    assert response.mimetype == exports.XLSX_MIMETYPE
    assert response.headers["Content-Disposition"] == 'attachment; filename="evaluation.xlsx"'
    assert load_workbook(io.BytesIO(response.get_data())).sheetnames[0] == "Summary"


# PDF -----------------------------------------------------------------------------------------------

class Outline(HTMLParser):
    """Collects headings, table header scopes and tables without a caption."""

    def __init__(self):
        super().__init__()
        self.headings: list[int] = []
        self.scopes: list[str | None] = []
        self.tables = self.captions = 0

    def handle_starttag(self, tag, attrs):
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        elif tag == "th":
            self.scopes.append(dict(attrs).get("scope"))
        elif tag == "table":
            self.tables += 1
        elif tag == "caption":
            self.captions += 1


def test_pdf_html_is_a_standalone_accessible_page(app):
    with app.app_context():
        html = exports.to_pdf_html(make_document())
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert '<html lang="en-GB">' in html
    assert "@page" in html and "counter(page)" in html
    outline = Outline()
    outline.feed(html)
    assert outline.headings[0] == 1
    assert all(b - a <= 1 for a, b in zip(outline.headings, outline.headings[1:]))
    assert outline.tables == outline.captions == 3
    assert set(outline.scopes) == {"col", "row"}
    assert 'role="img"' in html and 'aria-label="Scores before and after"' in html
    assert "48.2" in html and "–" in html, "numbers rounded, missing values shown as a dash"
    assert "/people/" not in html
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))


def pdf_text(pdf: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def test_pdf_shows_title_figures_tables_and_methods(app):
    with app.app_context():
        pages, text = pdf_text(exports.to_pdf(make_document()))
    assert "Evaluation: Finding evidence" in text
    assert "71.5" in text
    assert "Scores by outcome" in text
    assert "Methods" in text and "Normalised gain" in text
    assert "Page 1 of" in text


def test_pdf_of_a_long_table_runs_over_several_pages(app):
    with app.app_context():
        response = exports.pdf_response(make_document(extra_rows=150), "evaluation.pdf")
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename="evaluation.pdf"'
    pages, text = pdf_text(response.get_data())
    assert pages > 1
    assert "Extra outcome 149" in text
    # The header row is repeated on every page the table runs onto.
    assert text.count("Outcome Learners Before After Change") >= 2


# Rates, signs and the small-group note, in every format ----------------------------------------------

def rates_document() -> ReportDocument:
    """A table of rates (held as fractions) beside counts and a signed change."""
    table = Table(title="Attendance", columns=["Month", "Booked", "No-show rate", "Change"],
                  rows=[["Jan 2026", 40, 0.126, -0.2], ["Feb 2026", 31, 0.0645, 3.5]], decimals=2,
                  percent_columns={2})
    return ReportDocument(key="reach", title="Reach and delivery", generated_at=GENERATED, filters=[],
                          sections=[Section(key="delivery", title="Sessions and attendance", tables=[table])],
                          min_group=5)


def test_rates_are_percentages_in_the_csv_and_signed_numbers_stay_numbers():
    rows = read_csv(rates_document())
    assert ["Jan 2026", "40", "13%", "-0.20"] in rows
    assert ["Feb 2026", "31", "6%", "3.50"] in rows
    assert not any(cell.startswith("'") for row in rows for cell in row), "no apostrophe before a number"


def test_csv_prefixes_only_text_that_a_spreadsheet_would_run_as_a_formula():
    from lit_platform.core.exports import neutralise

    for formula in ("=1+1", "+A1", "-1+2", "@SUM(A1)", "\t=1", "\r=1"):
        assert neutralise(formula) == "'" + formula
    for harmless in ("-0.20", "+3.5", "-5%", "42%", "Fewer than 5", "–", "−2 points", -0.2, 7, None):
        assert neutralise(harmless) == harmless


def test_rates_are_percentage_formatted_numbers_in_the_workbook():
    sheet = open_workbook(rates_document())["Sessions and attendance"]
    rate = find(sheet, "Jan 2026").offset(column=2)
    assert rate.data_type == "n" and rate.value == pytest.approx(0.126)
    assert rate.number_format == "0%"
    change = find(sheet, "Jan 2026").offset(column=3)
    assert change.value == pytest.approx(-0.2) and change.number_format == "0.00"


def test_rates_are_percentages_on_screen_and_in_print(app):
    table = rates_document().sections[0].tables[0]
    assert exports.table_cell_text(table, 2, 0.126) == "13%"
    assert exports.table_cell_text(table, 3, -0.2) == "-0.20"
    with app.app_context():
        html = exports.to_pdf_html(rates_document())
    assert ">13%<" in html.replace(" ", "") and "0.13" not in html


def test_every_export_states_when_it_was_made_in_the_sites_format_and_the_small_group_rule(app):
    note = "Figures about fewer than 5 people are not shown"
    app.config["LIT_TIMEZONE"] = "Europe/London"
    with app.app_context():
        rows = read_csv(rates_document())
        summary = open_workbook(rates_document())["Summary"]
        _, text = pdf_text(exports.to_pdf(rates_document()))
    assert ["Generated", "2 March 2026, 09:30"] in rows
    assert any(row and row[0] == "Small groups" and row[1].startswith(note) for row in rows)
    assert find(summary, "Generated").offset(column=1).value == "2 March 2026, 09:30"
    assert find(summary, "Small groups").offset(column=1).value.startswith(note)
    assert "2 March 2026, 09:30" in text and note in " ".join(text.split())
    assert "T09:30" not in " ".join(c[0] for c in rows if c), "no ISO time stamp"


def test_sheet_names_are_cut_at_a_word_boundary():
    from lit_platform.reports.workbook import sheet_title

    taken: set[str] = set()
    title = "Performance tasks: each rubric criterion before and after"
    first, second = sheet_title(title, taken), sheet_title(title, taken)
    assert first == "Performance tasks each rubric"
    assert second == "Performance tasks each (2)"
    assert sheet_title("Retention: the follow-up test some weeks later", taken) == "Retention the follow-up test"
    assert sheet_title("Antidisestablishmentarianism-and-more-words", taken) == "Antidisestablishmentarianism-an"


# Accessible PDFs ------------------------------------------------------------------------------------

def test_the_pdf_is_tagged_with_language_title_and_alternative_text_for_each_chart(app):
    import pikepdf

    with app.app_context():
        pdf = pikepdf.open(io.BytesIO(exports.to_pdf(make_document())))
    root = pdf.Root
    assert "/StructTreeRoot" in root, "the PDF has a structure tree (it is tagged)"
    assert root.MarkInfo.Marked is True
    assert str(root.Lang) == "en-GB"
    assert str(pdf.docinfo.Title) == "Evaluation: Finding evidence"
    assert root.ViewerPreferences.DisplayDocTitle is True
    with pdf.open_metadata() as metadata:
        assert metadata.get("pdfuaid:part") == "1", "it declares PDF/UA-1"

    def elements(node):
        kids = node.get("/K")
        kids = kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []
        for kid in kids:
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                yield kid
                yield from elements(kid)

    found = list(elements(root.StructTreeRoot))
    kinds = [str(e.S) for e in found]
    for kind in ("/H1", "/H2", "/Table", "/TH", "/TD", "/Caption", "/Figure"):
        assert kind in kinds, kind
    figures = [e for e in found if e.S == "/Figure"]
    assert figures and all(str(f.get("/Alt", "")).strip() for f in figures)
    assert "Scores before and after" in [str(f.Alt) for f in figures]
    # The reading order is the page's: the title, then the sections in turn.
    headings = [e for e in found if str(e.S) in ("/H1", "/H2")]
    assert str(headings[0].S) == "/H1"
