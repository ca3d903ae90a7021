"""The exercises over HTTP: a learner builds a search, checks it, hands it in, keeps and downloads it."""
import html
import re

from lit_platform.exercises.models import SavedSearch
from lit_platform.extensions import db
from lit_platform.quizzes.services import QuestionData

from ..answers import page_value
from ..conftest import Actions
from ..quizzes.test_views import response_ids, start
from .conftest import SEARCH_SPEC
from .test_appraisal import SPEC as CHECKLIST_SPEC
from .test_lateral_reading import SPEC as SIFT_SPEC

SCENARIO = "A school nurse asks whether traffic pollution makes asthma worse in children."


def exercise_quiz(make, **settings):
    return make.quiz(questions=[
        QuestionData("search_strategy", SCENARIO, SEARCH_SPEC, points=10, outcome="SE4", title="Traffic and asthma"),
        QuestionData("lateral_reading", "Investigate this post.", SIFT_SPEC, points=5),
        QuestionData("appraisal_checklist", "Appraise this trial.", CHECKLIST_SPEC, points=4),
    ], questions_per_page=3, **settings)


def text_of(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def test_a_learner_checks_a_search_as_they_write_it_then_hands_it_in(app, sign_in, make):
    quiz = exercise_quiz(make)
    client, _ = sign_in("learner")
    attempt_id = start(client, quiz.id)
    rid = response_ids(app, attempt_id)["search_strategy"]
    page = client.get(f"/attempts/{attempt_id}/page/1").get_data(as_text=True)
    assert 'for="r%d-plan-1-name">Population: concept' % rid in page  # PEO rows
    assert 'name="r%d.syntax" value="ovid"' % rid in page
    token = Actions(client).token(f"/attempts/{attempt_id}/page/1")

    saved = client.post(f"/attempts/{attempt_id}/responses/{rid}", headers={"X-CSRFToken": token}, data={
        f"r{rid}.syntax": "pubmed", f"r{rid}.plan.1.name": "Children", f"r{rid}.plan.1.terms": "child*\npaediatric*",
        f"r{rid}.search": "(child*[tiab] AND paediatric*[tiab] AND asthma[tiab]"})
    assert saved.status_code == 200 and saved.json["saved"] is True
    assert saved.json["check_summary_html"].startswith("Search checked: ")
    summary = saved.json["check_summary_html"].lower()
    assert "unbalanced" in summary or "bracket" in summary
    assert "finding-error" in saved.json["check_html"]

    # Without JavaScript: "Check my search" posts the page and comes back to the checks.
    fixed = Actions(client).post(f"/attempts/{attempt_id}/page/1", {
        f"r{rid}.syntax": "pubmed", f"r{rid}.plan.1.name": "Children", f"r{rid}.plan.1.terms": "child*\npaediatric*",
        f"r{rid}.search": "(child*[tiab] AND paediatric*[tiab]) AND asthma*[tiab]", "check_search": str(rid)},
        page=f"/attempts/{attempt_id}/page/1")
    assert fixed.status_code == 302 and fixed.headers["Location"].endswith(f"#r{rid}-check-status")
    page = text_of(client.get(f"/attempts/{attempt_id}/page/1"))
    assert "are both terms for Children, but AND between them finds only records that use both" in page
    assert "How the database reads it" in page

    Actions(client).post(f"/attempts/{attempt_id}/page/1", {
        f"r{rid}.syntax": "pubmed", f"r{rid}.plan.1.name": "Children", f"r{rid}.plan.1.terms": "child*\npaediatric*",
        f"r{rid}.search": "(child*[tiab] OR paediatric*[tiab]) AND (asthma*[tiab] OR wheez*[tiab])"},
        page=f"/attempts/{attempt_id}/page/1")
    assert Actions(client).post(f"/attempts/{attempt_id}/submit", page=f"/attempts/{attempt_id}/summary").status_code == 302
    review = text_of(client.get(f"/attempts/{attempt_id}/review"))
    assert "Concepts covered" in review and "67%" in review  # two of the three concepts
    assert "missing: Traffic pollution" in review
    assert "The model answer" in review and "Vehicle Emissions" in review
    assert "Your search in Ovid MEDLINE" in review

    appendix = client.get(f"/responses/{rid}/search-appendix.txt")
    assert appendix.status_code == 200 and appendix.mimetype == "text/plain"
    assert "attachment" in appendix.headers["Content-Disposition"]
    body = appendix.get_data(as_text=True)
    assert "Database: MEDLINE" in body and "  1  (child*[tiab] OR paediatric*[tiab])" in body
    assert "Children: child*; paediatric*" in body


def test_each_save_stores_the_search_and_returns_the_checks_of_that_search(app, sign_in, make):
    quiz = exercise_quiz(make)
    client, _ = sign_in("learner")
    attempt_id = start(client, quiz.id)
    rid = response_ids(app, attempt_id)["search_strategy"]
    token = Actions(client).token(f"/attempts/{attempt_id}/page/1")

    def save(search):
        saved = client.post(f"/attempts/{attempt_id}/responses/{rid}", headers={"X-CSRFToken": token}, data={
            f"r{rid}.syntax": "pubmed", f"r{rid}.search": search})
        assert saved.status_code == 200 and saved.json["saved"] is True
        return saved.json

    broken, fixed = "(child*[tiab] AND asthma[tiab]", "(child*[tiab] OR paediatric*[tiab]) AND asthma*[tiab]"
    first = save(broken)
    assert "finding-error" in first["check_html"]
    second = save(fixed)
    assert "finding-error" not in second["check_html"] and second["check_summary_html"] != first["check_summary_html"]
    again = save(broken)  # the same text again: the same checks, and the text is what is stored
    assert (again["check_html"], again["check_summary_html"]) == (first["check_html"], first["check_summary_html"])
    assert html.escape(broken, quote=False) in client.get(f"/attempts/{attempt_id}/page/1").get_data(as_text=True)


def test_a_learner_keeps_a_handed_in_search_and_no_one_else_can_reach_it(app, sign_in, make):
    quiz = exercise_quiz(make)
    client, user = sign_in("learner")
    attempt_id = start(client, quiz.id)
    rid = response_ids(app, attempt_id)["search_strategy"]
    Actions(client).post(f"/attempts/{attempt_id}/page/1", {
        f"r{rid}.syntax": "ovid", f"r{rid}.search": "exp Asthma/\n(asthma* or wheez*).ti,ab.\n1 or 2"},
        page=f"/attempts/{attempt_id}/page/1")
    other, _ = sign_in("learner")
    assert other.get(f"/responses/{rid}/search-appendix.txt").status_code == 404  # not handed in, and not theirs
    Actions(client).post(f"/attempts/{attempt_id}/submit", page=f"/attempts/{attempt_id}/summary")
    assert other.get(f"/responses/{rid}/search-appendix.txt").status_code == 404
    assert Actions(other).post(f"/responses/{rid}/save-search", page="/searches").status_code == 404

    saved = Actions(client).post(f"/responses/{rid}/save-search", page=f"/attempts/{attempt_id}/review")
    search_id = int(re.search(r"/searches/(\d+)", saved.headers["Location"]).group(1))
    page = text_of(client.get(f"/searches/{search_id}"))
    assert "Traffic and asthma: my search" in page
    assert "The same search in PubMed" in page
    for url in (f"/searches/{search_id}", f"/searches/{search_id}/appendix.txt"):
        assert other.get(url).status_code == 404
    assert Actions(other).post(f"/searches/{search_id}/delete", page="/searches").status_code == 404
    librarian, _ = sign_in("librarian")
    assert librarian.get(f"/responses/{rid}/search-appendix.txt").status_code == 200
    assert librarian.get(f"/searches/{search_id}").status_code == 404  # a learner's workspace is theirs alone
    with app.app_context():
        assert db.session.get(SavedSearch, search_id).user_id == user.id


def test_the_search_builder_explains_bad_input_beside_the_field_and_keeps_it(app, sign_in):
    client, _ = sign_in("learner")
    form = {"title": "", "syntax": "pubmed", "search": "asthma*[tiab] AND (child*[tiab]",
            "plan-0-name": "Asthma", "plan-0-terms": "asthma*\nwheez*", "hits": "120\nlots"}
    response = Actions(client).post("/searches/new", form, page="/searches/new")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Give the search a title." in page
    assert "Line 2 of the results is &#39;lots&#39;: give a whole number" in page
    assert "asthma*[tiab] AND (child*[tiab]" in page and "wheez*" in page  # nothing lost

    form.update(title="Asthma in children", hits="120\n4,031", searched_on="2026-11-27", database="MEDLINE",
                platform="PubMed")
    created = Actions(client).post("/searches/new", form, page="/searches/new")
    assert created.status_code == 302
    search_url = created.headers["Location"].split("#")[0]
    page = text_of(client.get(search_url))
    assert "Search checked: 1 error" in page  # the unclosed bracket
    assert "The same search in" not in page  # no translation until the search is valid
    listing = text_of(client.get("/searches"))
    assert "Asthma in children" in listing and "PubMed" in listing

    form["search"] = "asthma*[tiab] AND (child*[tiab] OR paediatric*[tiab])"
    Actions(client).post(search_url, form, page=search_url)
    page = text_of(client.get(search_url))
    assert "The same search in Ovid MEDLINE" in page
    appendix = client.get(f"{search_url}/appendix.txt").get_data(as_text=True)
    assert "Date searched: 2026-11-27" in appendix and "Platform: PubMed" in appendix
    assert re.search(r"  1  asthma\*\[tiab\] AND \(child\*\[tiab\] OR paediatric\*\[tiab\]\)\s+120", appendix)
    assert Actions(client).post(f"{search_url}/delete", page=search_url).status_code == 302
    assert client.get(search_url).status_code == 404


def test_lateral_reading_and_checklist_answers_are_kept_and_reviewed_against_the_expert(app, sign_in, make):
    quiz = exercise_quiz(make)
    client, _ = sign_in("learner")
    attempt_id = start(client, quiz.id)
    ids = response_ids(app, attempt_id)
    sift, checklist = ids["lateral_reading"], ids["appraisal_checklist"]
    page = client.get(f"/attempts/{attempt_id}/page/1").get_data(as_text=True)
    assert "The claim:" in page and "Rainwater cures hay fever." in page
    assert f'name="r{checklist}.randomised.answer" value="{page_value(app, checklist, "randomised.answer", "cant_tell")}"' in page
    response = Actions(client).post(f"/attempts/{attempt_id}/page/1", {
        f"r{sift}.stop.actions": page_value(app, sift, "stop.action", "1"),
        f"r{sift}.investigate.actions": page_value(app, sift, "investigate.action", "1"),
        f"r{sift}.investigate.finding": page_value(app, sift, "investigate.finding", "2"),
        f"r{sift}.investigate.notes": "Searched the seller's name", f"r{sift}.verdict": page_value(app, sift, "verdict", "2"),
        f"r{sift}.confidence": "4",
        f"r{checklist}.randomised.answer": page_value(app, checklist, "randomised.answer", "yes"),
        f"r{checklist}.randomised.why": "a computer list",
        f"r{checklist}.blinded.answer": page_value(app, checklist, "blinded.answer", "yes")}, page=f"/attempts/{attempt_id}/page/1")
    assert response.status_code == 302
    page = client.get(f"/attempts/{attempt_id}/page/1").get_data(as_text=True)
    assert f'value="{page_value(app, sift, "verdict", "2")}" checked' in page
    assert "Searched the seller&#39;s name" in page and "a computer list" in page
    Actions(client).post(f"/attempts/{attempt_id}/submit", page=f"/attempts/{attempt_id}/summary")
    review = text_of(client.get(f"/attempts/{attempt_id}/review"))
    assert "An expert's route" in review and "Open the encyclopaedia entry." in review
    assert "Your verdict: Misleading, with confidence 4 of 5." in review
    assert "You agreed with the expert on 1 of 4 items (25%)." in review
    items = re.findall(r'<li class="appraisal-item[^"]*">(.*?)</li>',
                       client.get(f"/attempts/{attempt_id}/review").get_data(as_text=True), re.S)
    assert len(items) == 4
    first, second, third = (" ".join(html.unescape(re.sub(r"<[^>]+>", " ", item)).split()) for item in items[:3])
    assert first == ("Were people randomly allocated? ✓ Same as the expert Your answer Yes Your reason a computer list "
                     "The expert's answer Yes The expert's reason By computer.")
    assert second.startswith("Was allocation concealed? Not answered Your answer Not answered")
    assert "The expert's answer Can't tell The expert's reason Not said." in second
    assert third.startswith("Were assessors blinded? ✗ Different from the expert Your answer Yes Your reason None given")
    assert "The expert's answer No The expert's reason They knew." in third


def test_a_quiz_that_hides_right_answers_hides_the_expert_and_the_model(app, sign_in, make):
    quiz = exercise_quiz(make, review_right_answers=False)
    client, _ = sign_in("learner")
    attempt_id = start(client, quiz.id)
    Actions(client).post(f"/attempts/{attempt_id}/submit", page=f"/attempts/{attempt_id}/summary")
    review = text_of(client.get(f"/attempts/{attempt_id}/review"))
    assert "The model answer" not in review and "An expert's route" not in review
    assert "The expert's answer" not in review and "The expert's reason" not in review
    assert "Same as the expert" not in review and "Different from the expert" not in review


def test_saved_search_summary_matches_the_checks_and_the_appendix_states_them(app, sign_in):
    client, _ = sign_in("learner")
    long_search = ("(asthma*[tiab] OR wheez*[tiab] OR bronchospasm*[tiab] OR respiratory-sounds[tiab]"
                   " AND (child*[tiab] OR paediatric*[tiab])")
    form = {"title": "Asthma checks", "syntax": "pubmed", "search": long_search,
            "plan-0-name": "Asthma", "plan-0-terms": "asthma*\nwheez*"}
    created = Actions(client).post("/searches/new", form, page="/searches/new")
    search_url = created.headers["Location"].split("#")[0]
    page = client.get(search_url).get_data(as_text=True)
    checks = page[page.index('<section id="checks"'):page.index("</section>", page.index('<section id="checks"'))]
    assert checks.count("<h2") + checks.count("<h3") == 2  # "Checks on the saved search" and the reading tree
    assert "Checks on your saved search" not in checks
    summary = re.search(r"</h2>\s*<p>(.*?)</p>", checks, re.S).group(1)
    assert "`" not in summary and "<code>" in summary
    findings = re.findall(r'<li class="finding finding-\w+"><strong>[^<]*</strong> (.*?)</li>', checks, re.S)
    assert findings and summary.endswith(findings[0])  # "First: ..." is the first check, formatted alike
    for quoted in re.findall(r"<code>(.*?)</code>", checks):
        words = html.unescape(quoted).rstrip(" …").split()
        assert all(word in long_search for word in words), quoted  # whole terms only, never cut inside one

    appendix = client.get(f"{search_url}/appendix.txt").get_data(as_text=True)
    shown = [" ".join(html.unescape(re.sub(r"<code>(.*?)</code>", r"“\1”", f)).split()) for f in findings]
    listed = appendix.split("\nChecks\n", 1)[1].strip().splitlines()
    assert len(listed) == len(shown)
    for line, message in zip(listed, shown):
        assert line.strip().endswith(message) and "`" not in line
