"""A manager opens the reports on the demo installation, filters by course, reads the charts' text and
tables, and downloads the learning report as CSV, XLSX and PDF; axe checks every page on the way."""
import csv
import io
import re

from openpyxl import load_workbook
from playwright.sync_api import expect
from pypdf import PdfReader

from lit_platform.demo import DEMO_ACCOUNTS, set_up_demo

MANAGER = next((email, password) for role, email, _, password, _ in DEMO_ACCOUNTS if role == "manager")


def download(page, link_name: str) -> bytes:
    # The PDF (charts drawn, then laid out by WeasyPrint) can take a while on two busy cores.
    with page.expect_download(timeout=90_000) as info:
        page.get_by_role("link", name=link_name).click()
    with open(info.value.path(), "rb") as handle:
        return handle.read()


def test_manager_filters_the_learning_report_and_downloads_it(page, live_app, axe):
    with live_app.app_context():
        set_up_demo(echo=lambda *_: None)

    page.goto("/account/login")
    page.get_by_label("E-mail address").fill(MANAGER[0])
    page.get_by_label("Password").fill(MANAGER[1])
    page.get_by_label("Password").press("Enter")
    page.get_by_role("link", name="Reports", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports")
    expect(page.get_by_text("learners who took both tests").first).to_be_visible()
    axe(page)

    page.get_by_role("link", name="Learning: before and after teaching").click()
    page.get_by_label("Course").select_option(label="Searching effectively")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"/reports/learning\?(.*&)?course=\d+"))
    expect(page.get_by_role("definition").filter(has_text="Searching effectively")).to_be_visible()
    axe(page)

    body = page.request.get(page.url.replace("/reports/learning", "/api/v1/reports/learning")).json()
    paired = body["sections"]["summary"]["data"]["paired"]
    mean_pre, mean_post = f"{paired['mean_pre']:.2f}", f"{paired['mean_post']:.2f}"
    # What changed, for how many and how sure, in words first; the statistics one click away.
    plain = f"Of {paired['n']} learners who took both tests, scores rose by {paired['mean_diff']:.0f} percentage"
    expect(page.locator("p.lead").first).to_contain_text(plain)
    details = page.locator("#summary details.full-statistics")
    expect(details.locator("p").first).to_be_hidden()
    page.locator("#summary").get_by_text("The full statistics").click()
    headline = f"Scores rose from {paired['mean_pre']:.0f}% to {paired['mean_post']:.0f}%"
    expect(details.locator("p").first).to_contain_text(headline)
    # Each chart is an image file of its own, with a caption and its data as a table for anyone who cannot see it.
    chart = page.get_by_role("img", name="Mean score before and after, with 95% confidence intervals")
    expect(chart).to_be_visible()
    assert chart.evaluate("image => image.complete && image.naturalWidth > 0"), "the chart's SVG file loaded"
    page.get_by_text("The chart's data as a table").first.click()
    expect(page.get_by_role("table", name="Means before and after")).to_be_visible()
    axe(page)
    # The section's tables are one link away, on a page of their own with the same filters.
    report_url = page.url
    page.locator("#summary").get_by_role("link", name=re.compile("tables of “Overall change”")).click()
    expect(page).to_have_url(re.compile(r"/reports/learning/summary\?(.*&)?course=\d+"))
    expect(page.get_by_role("region", name="Paired summary, all tests")).to_contain_text(mean_pre)
    axe(page)
    page.goto(report_url)

    text = download(page, "CSV file of the learning report").decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert "Searching effectively" in cells
    assert mean_pre in cells and mean_post in cells

    book = load_workbook(io.BytesIO(download(page, "XLSX file of the learning report")))
    numbers = [cell for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for cell in row
               if isinstance(cell, float)]
    assert any(abs(n - paired["mean_pre"]) < 1e-9 for n in numbers)
    assert any(abs(n - paired["mean_post"]) < 1e-9 for n in numbers)

    pdf = PdfReader(io.BytesIO(download(page, "PDF file of the learning report")))
    pdf_text = "\n".join(p.extract_text() for p in pdf.pages)
    assert mean_pre in pdf_text and mean_post in pdf_text and "Methods" in pdf_text

    for name in ("Reaction", "Reach and delivery"):
        page.get_by_role("navigation", name="Reports", exact=True).get_by_role("link", name=name).click()
        expect(page.get_by_role("link", name=name, exact=True).first).to_have_attribute("aria-current", "page")
        axe(page)
