"""The small-group rule, on every page, export and API that shows the same figures: no figure about fewer
than LIT_REPORT_MIN_GROUP people appears, and no hidden count can be worked out by subtraction."""
import html
import io
import json
import re

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from lit_platform.core.small_groups import Suppressor

from ..assessments.test_live_sessions import choose_test, close_test, open_test, page_of
from ..bookings.conftest import SessionFactory, in_days
from ..conftest import Actions
from .test_reports import WORKSHOP, attend_and_rate, take


# The rule as plain functions --------------------------------------------------------------------

def test_small_counts_are_hidden_and_zero_is_shown():
    hide = Suppressor(5)
    assert [hide.count(n) for n in (0, 1, 4, 5, 12)] == [0, "fewer than 5", "fewer than 5", 5, 12]
    assert hide.count_value(3) is None and hide.count_value(0) == 0


def test_a_hidden_part_cannot_be_worked_out_from_the_total():
    hide = Suppressor(5)
    # 9 booked = 7 attended + 2 no-shows: showing 7 would give the 2 away.
    assert hide.protect_parts([7, 2]) == [False, False]
    # Two small parts that together reach the minimum protect each other.
    assert hide.protect_parts([20, 3, 2]) == [True, False, False]
    # One small part and a bigger one: the smallest shown part is hidden with it.
    assert hide.protect_parts([30, 8, 2]) == [True, False, False]
    # A lone hidden part is the total minus the others, however big it is.
    assert hide.protect_parts([30, 8], visible=[False, True]) == [False, False]
    # A part that is never shown (bookings not marked) counts as hidden already.
    assert hide.protect_parts([10, 6], always_hidden=[5]) == [True, True]
    assert hide.protect_parts([10, 6], always_hidden=[2]) == [True, False]
    assert hide.protect_parts([12, 0, 6]) == [True, True, True], "nothing hidden, nothing to protect"


def test_tables_are_protected_along_their_rows_and_their_columns():
    hide = Suppressor(5)
    # Two months of [booked, attended, no-shows]; the columns add up to a total shown elsewhere.
    visible = hide.protect_table([[30, 28, 2], [40, 30, 10]], row_parts=(1, 2), row_unshown=[0, 0])
    # January's 2 no-shows are hidden, so is its attended count (30 − 28 = 2); a column with one hidden
    # cell gives it away (58 attended in all − February's 30 = 28), so February's counts go too.
    assert visible == [[True, False, False], [True, False, False]]


def test_a_rate_is_shown_only_when_neither_its_part_nor_the_rest_is_hidden():
    hide = Suppressor(5)
    assert hide.rate(10, 40) == 0.25
    assert hide.rate(2, 40) is None
    assert hide.rate(38, 40) is None
    assert hide.rate(0, 40) == 0.0
    assert hide.rate(2, 4) is None


# Every page, export and API, on a session too small to report on ----------------------------------

COMMENTS = ["The teal lantern example stayed with me", "Please slow down at the citation part",
            "Loved the marmalade database exercise"]


@pytest.fixture
def small_session(app, make, librarian, course_id):
    """A past session with 7 booked (5 came, 2 absent), 4 feedback responses, 3 people paired and one
    pre-test only: every figure about the tests and the feedback rests on fewer than 5 people."""
    session = SessionFactory(app, make)(librarian, course_id=course_id, title="Finding the evidence",
                                        starts_at=in_days(-1), capacity=12)
    ratings = [(5, 4, True, COMMENTS[0]), (4, 2, True, COMMENTS[1]), (4, 3, False, COMMENTS[2]), (2, 2, True, "")]
    attend_and_rate(app, make, session, ["attended"] * 5 + ["absent"] * 2, ratings)
    staff = app.test_client()
    assert Actions(staff).login(librarian.email).status_code == 302
    choose_test(staff, session.id)
    for phase, index, confidence in (("pre", 0, "2"), ("post", 1, "4")):
        code = open_test(staff, session.id, phase)
        for k, answers in enumerate(WORKSHOP[:3] + (WORKSHOP[3:4] if phase == "pre" else [])):
            take(app, code, k, answers[index], confidence)
        close_test(staff, session.id, phase)
    return session, staff


@pytest.fixture
def manager(app, make):
    user = make.user("mo@example.org", "Mo Manager", roles=["manager"])
    client = app.test_client()
    assert Actions(client).login(user.email).status_code == 302
    return client


def every_view(client, session_id: int, scoped: bool) -> dict[str, str]:
    """The text of every page, download and API answer that shows figures about this session."""
    query = f"?session={session_id}" if scoped else ""
    texts = {}

    def get(url):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response

    if not scoped:
        texts["/reports"] = html.unescape(page_of(client, "/reports"))
    for kind in ("learning", "reaction", "reach"):
        page = page_of(client, f"/reports/{kind}{query}")
        # A report's page and each of its sections' own pages (where its tables are).
        sections = re.findall(r'<section aria-labelledby="(\w+)-title"', page)
        texts[f"/reports/{kind}"] = html.unescape("\n".join(
            [page] + [page_of(client, f"/reports/{kind}/{key}{query}") for key in sections if key != "methods"]))
        texts[f"{kind}.csv"] = get(f"/reports/{kind}.csv{query}").get_data(as_text=True)
        workbook = load_workbook(io.BytesIO(get(f"/reports/{kind}.xlsx{query}").get_data()))
        texts[f"{kind}.xlsx"] = "\n".join(str(cell.value) for sheet in workbook for row in sheet.iter_rows()
                                          for cell in row if cell.value is not None)
        reader = PdfReader(io.BytesIO(get(f"/reports/{kind}.pdf{query}").get_data()))
        texts[f"{kind}.pdf"] = "\n".join(page.extract_text() for page in reader.pages)
        texts[f"api {kind}"] = json.dumps(get(f"/api/v1/reports/{kind}{query}").get_json())
    texts["session page"] = html.unescape(page_of(client, f"/manage/sessions/{session_id}"))
    texts["pre/post page"] = html.unescape(page_of(client, f"/assessments/sessions/{session_id}"))
    texts["pairs.csv"] = get(f"/assessments/sessions/{session_id}/pairs.csv").get_data(as_text=True)
    return texts


#: figures only the small groups could give: the 3 pairs' means before and after (33% and 83%, 1 and 2 of
#: 2 items on each), the 4 responses' means (3.75 useful, 2.75 confident) and recommendation rate (75%),
#: and the per-person scores on the pre/post page and in its download
FIGURES = [r"33(\.3+)?\s?%", r"83(\.3+)?\s?%", r"\b33\.3", r"\b83\.3", r"\b3\.75?\b", r"\b2\.75?\b", r"\b75\s?%",
           r"\b50\.0\b", r"\b100\.0\b"]


def leaks(texts: dict[str, str]) -> list[tuple[str, str]]:
    found = []
    for where, text in texts.items():
        found += [(where, comment) for comment in COMMENTS if comment in text]
        found += [(where, pattern) for pattern in FIGURES if re.search(pattern, text)]
    return found


def test_no_view_shows_a_figure_about_fewer_than_the_minimum_group(app, small_session, manager):
    session, librarian = small_session
    assert leaks(every_view(manager, session.id, scoped=False)) == []
    assert leaks(every_view(librarian, session.id, scoped=True)) == []

    api = manager.get(f"/api/v1/reports/learning?session={session.id}").get_json()["sections"]["summary"]["data"]
    assert api["paired"] is None and api["counts"]["paired"] is None and api["counts"]["pre_only"] is None
    reaction = manager.get(f"/api/v1/reports/reaction?session={session.id}").get_json()["sections"]
    assert reaction["ratings"]["data"] == {"responses": None} and "comments" not in reaction["comments"]["data"]
    totals = manager.get("/api/v1/reports/reach").get_json()["sections"]["delivery"]["data"]["totals"]
    assert (totals["booked"], totals["attended"], totals["no_shows"]) == (7, None, None)

    live = every_view(librarian, session.id, scoped=True)["pre/post page"]
    # What the facilitator needs while running the session stays: who has handed in.
    assert re.search(r'data-count="pre-handed_in">4<', live) and re.search(r'data-count="post-handed_in">3<', live)
    assert "The averages appear once at least 5 people have taken both tests" in live
    assert live.count("not shown") >= 7, "every score of the four participants"
    feedback = every_view(librarian, session.id, scoped=True)["session page"]
    assert "Fewer than 5 people have given feedback" in feedback


def test_the_same_views_show_the_figures_once_the_groups_are_big_enough(app, small_session, manager):
    """The control: with a minimum group of 2 the very figures the test looks for do appear."""
    session, librarian = small_session
    app.config["LIT_REPORT_MIN_GROUP"] = 2
    found = {where for where, _ in leaks(every_view(manager, session.id, scoped=False))}
    for where in ("/reports/learning", "learning.csv", "learning.xlsx", "learning.pdf", "api learning",
                  "/reports/reaction", "reaction.csv", "api reaction", "session page", "pre/post page", "pairs.csv"):
        assert where in found, where
