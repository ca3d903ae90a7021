"""The authoring pages through HTTP: who may use them, CSRF, the editor's saves, conflicts, previews and checks."""
import html as html_module
import io
import re

import pytest
from sqlalchemy import select

from lit_platform.authoring import services
from lit_platform.authoring.models import CourseSource
from lit_platform.extensions import db

from ..conftest import Actions, csrf_token_from
from ..courses.conftest import write_course

COPY = "/authoring/courses/demo-local"
MODULE = f"{COPY}/modules/01-question.md"


@pytest.fixture
def shipped(app, tmp_path):
    """A shipped course folder (demo-course) under the app's courses path."""
    write_course(tmp_path)
    app.config["LIT_COURSES_PATH"] = str(tmp_path)
    return tmp_path


@pytest.fixture
def author(sign_in):
    return sign_in("librarian", "author", email="ada@example.org", name="Ada Author")


@pytest.fixture
def local_copy(author, shipped):
    client, _ = author
    response = Actions(client).post("/authoring/copy", {"shipped": "demo-course", "slug": "demo-local",
                                                         "title": "Demo searching (ours)"}, page="/authoring/")
    assert response.status_code == 302 and response.headers["Location"].endswith(COPY)
    return client


def draft_text(app, path: str) -> str:
    with app.app_context():
        source = db.session.scalar(select(CourseSource).where(CourseSource.course_slug == "demo-local"))
        return services.read_text(source, path)


def editor_fields(client, url: str = MODULE) -> dict:
    """The module editor's fields as the page holds them."""
    html = client.get(url).get_data(as_text=True)
    fields = {"csrf_token": csrf_token_from(html),
              "base_revision": re.search(r'name="base_revision" type="hidden" value="(\d+)"', html).group(1)}
    for name in ("title", "minutes", "outcomes"):
        tag = re.search(rf'<input[^>]* name="{name}"[^>]*>', html).group(0)
        fields[name] = re.search(r'value="([^"]*)"', tag).group(1) if 'value="' in tag else ""
    fields["aims"] = ""
    fields["body"] = html_module.unescape(
        re.search(r'<textarea[^>]*id="body"[^>]*>\r?\n?(.*?)</textarea>', html, re.S).group(1))
    return fields


@pytest.mark.parametrize("roles,status", [(("learner",), 403), (("librarian",), 403), (("manager",), 403),
                                          (("author",), 200), (("admin",), 200)])
def test_only_authors_and_admins_may_author(sign_in, shipped, roles, status):
    client, _ = sign_in(*roles)
    assert client.get("/authoring/").status_code == status
    home = client.get("/").get_data(as_text=True)
    assert ('href="/authoring/"' in home) == (status == 200), "the Authoring link shows to those who may use it"


def test_visitors_are_sent_to_sign_in(client):
    response = client.get("/authoring/")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


def test_a_local_copy_lists_its_modules_and_settings(app, local_copy):
    page = local_copy.get(COPY).get_data(as_text=True)
    assert "Demo searching (ours)" in page and "Not published yet" in page
    assert page.index("Defining your question") < page.index("Boolean logic"), "modules in their order"
    checked = re.findall(r'<input checked id="outcomes-\d+-(?:acrl|sconul)-\d+" name="[^"]+" type="checkbox" '
                         r'value="([^"]+)"', page)
    assert checked == ["research-as-inquiry", "identify", "searching-as-strategic-exploration", "plan", "gather"]
    assert "Demo searching (ours)" in local_copy.get("/authoring/").get_data(as_text=True)


def test_settings_and_outcomes_are_written_to_course_yaml(app, local_copy):
    page = local_copy.get(COPY).get_data(as_text=True)
    base = re.search(r'name="base_revision" type="hidden" value="(\d+)"', page).group(1)
    response = Actions(local_copy).post(f"{COPY}/settings", {
        "base_revision": base, "title": "Our searching", "summary": "Ours.",
        "outcomes-0-code": "DS1", "outcomes-0-text": "Ask a focused question.",
        "outcomes-0-acrl": "research-as-inquiry",
        "outcomes-0-sconul": ["identify", "scope"],
        "outcomes-1-code": "DS2", "outcomes-1-text": "Combine terms.", "outcomes-2-code": "DS3"}, page=COPY)
    assert response.status_code == 400, "an outcome without its text is refused"
    assert '<li><a href="#outcomes-2-text">Give both a code and the outcome' in response.get_data(as_text=True)
    response = Actions(local_copy).post(f"{COPY}/settings", {
        "base_revision": base, "title": "Our searching", "summary": "Ours.",
        "outcomes-0-code": "DS1", "outcomes-0-text": "Ask a focused question.",
        "outcomes-0-acrl": "research-as-inquiry",
        "outcomes-0-sconul": ["identify", "scope"],
        "outcomes-1-code": "DS2", "outcomes-1-text": "Combine terms."}, page=COPY)
    assert response.status_code == 302
    text = draft_text(app, "course.yaml")
    assert "title: Our searching" in text and "sconul:\n  - identify\n  - scope" in text.replace("    ", "  ")


def test_a_copy_needs_a_free_slug(local_copy):
    response = Actions(local_copy).post("/authoring/copy", {"shipped": "demo-course", "slug": "demo-local",
                                                            "title": "Again"}, page="/authoring/")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "There is a problem" in page
    assert '<a href="#slug">' in page and 'id="slug-error"' in page, "the summary links to the field with the error"


def test_saving_a_module_and_previewing_it(app, local_copy):
    fields = editor_fields(local_copy)
    fields["body"] += "\nOur own tip: ask at the *help desk*.\n<script>alert(1)</script>\n"
    preview = local_copy.post(MODULE, data={**fields, "preview": "Preview"}).get_data(as_text=True)
    assert "Our own tip: ask at the <em>help desk</em>." in preview
    assert "<script>alert(1)" not in preview
    assert "Our own tip" not in draft_text(app, "01-question.md"), "a preview saves nothing"
    response = local_copy.post(MODULE, data={**fields, "submit": "Save draft"})
    assert response.status_code == 302
    assert "Our own tip: ask at the *help desk*." in draft_text(app, "01-question.md")
    assert "Unpublished changes" in local_copy.get("/authoring/").get_data(as_text=True)


def test_live_preview_renders_with_the_learners_pipeline(local_copy):
    token = csrf_token_from(local_copy.get(MODULE).get_data(as_text=True))
    response = local_copy.post(f"{COPY}/preview", data={"body": "## Tips\n\nA <dfn>search</dfn> "
                                                                "<img src=x onerror=alert(1)>", "csrf_token": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<h2" in html and "Tips" in html
    assert "onerror" not in html and 'href="/courses/demo-local/glossary#' in html


def test_autosave_without_a_csrf_token_changes_nothing(app, local_copy):
    fields = editor_fields(local_copy)
    fields.pop("csrf_token")
    before = draft_text(app, "01-question.md")
    response = local_copy.post(f"{COPY}/autosave/01-question.md", data={**fields, "body": "Gone"})
    assert response.status_code == 400
    assert draft_text(app, "01-question.md") == before


def test_two_authors_editing_one_module_never_overwrite_each_other(app, local_copy, sign_in):
    other, _ = sign_in("author", email="bo@example.org", name="Bo Author")
    mine, theirs = editor_fields(local_copy), editor_fields(other)
    saved = other.post(f"{COPY}/autosave/01-question.md", data={**theirs, "body": theirs["body"] + "\nBo's line.\n"})
    assert saved.status_code == 200 and saved.get_json()["saved"]
    refused = local_copy.post(f"{COPY}/autosave/01-question.md",
                              data={**mine, "body": mine["body"] + "\nAda's line.\n"})
    assert refused.status_code == 409 and "Someone else saved this module" in refused.get_json()["message"]
    assert "Bo's line." in draft_text(app, "01-question.md") and "Ada's line." not in draft_text(app, "01-question.md")
    # Without scripts the Save button shows the merge page: their text and mine side by side.
    merge = local_copy.post(MODULE, data={**mine, "body": mine["body"] + "\nAda's line.\n", "submit": "Save draft"})
    page = merge.get_data(as_text=True)
    assert merge.status_code == 409 and "Someone else saved" in page
    assert "Bo&#39;s line." in page and "Ada&#39;s line." in page
    base = re.search(r'name="base_revision" type="hidden" value="(\d+)"', page).group(1)
    combined = draft_text(app, "01-question.md") + "Ada's line.\n"
    response = Actions(local_copy).post(f"{COPY}/merge/01-question.md", {
        "base_revision": base, "choice": "combined", "combined": combined, "mine": ""}, page=MODULE)
    assert response.status_code == 302
    text = draft_text(app, "01-question.md")
    assert "Bo's line." in text and "Ada's line." in text


def test_publishing_needs_a_note_and_makes_a_version(app, local_copy):
    assert Actions(local_copy).post(f"{COPY}/publish", {"note": ""}, page=COPY).status_code == 400
    response = Actions(local_copy).post(f"{COPY}/publish", {"note": "First version"}, page=COPY)
    assert response.status_code == 302
    page = local_copy.get(COPY).get_data(as_text=True)
    assert "Published: version 1." in page and "First version" in page
    assert local_copy.get(f"{COPY}/versions/1").status_code == 200
    download = local_copy.get(f"{COPY}/download")
    assert download.status_code == 200 and download.data[:2] == b"PK"


def test_an_image_needs_alt_text(app, local_copy):
    png = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
           b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
    url = f"{COPY}/images"
    response = Actions(local_copy).post(url, {"file": (io.BytesIO(png), "dot.png"), "alt": ""}, page=url,
                                        content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="alt-error"' in page and "Describe the image" in page
    response = Actions(local_copy).post(url, {"file": (io.BytesIO(png), "dot.png"), "alt": "A dot"}, page=url,
                                        content_type="multipart/form-data")
    assert response.status_code == 200 and "![A dot](images/" in response.get_data(as_text=True)


def test_the_quiz_editor_shows_problems_with_lines_and_item_writing_findings(app, local_copy):
    url = f"{COPY}/quizzes/quizzes/02-boolean.yaml"
    assert f'href="{url}">Edit this module\'s quiz' in local_copy.get(f"{COPY}/modules/02-boolean.md").get_data(
        as_text=True)
    page = local_copy.get(url).get_data(as_text=True)
    assert "Item-writing checks" in page
    broken_text = "key: x\ntitle: t\nquestions:\n  - key: q1\n    type: nonsense\n"
    broken = Actions(local_copy).post(url, {"text": broken_text, "base_revision": "1"}, page=url)
    # Kept in the draft (no work is lost), shown with its problems, and the course cannot be published.
    assert broken.status_code == 302 and draft_text(app, "quizzes/02-boolean.yaml") == broken_text
    text = local_copy.get(url).get_data(as_text=True)
    assert "saved in the draft with" in text and "cannot be published until they are fixed" in text
    assert "line" in text and "quizzes/02-boolean.yaml" in text
    refused = Actions(local_copy).post(f"{COPY}/publish", {"note": "With a broken quiz"}, page=COPY)
    assert refused.status_code == 400 and "quizzes/02-boolean.yaml" in refused.get_data(as_text=True)


def quiz_fields(client, url):
    html = client.get(url).get_data(as_text=True)
    return {"csrf_token": csrf_token_from(html),
            "base_revision": re.search(r'name="base_revision" type="hidden" value="(\d+)"', html).group(1),
            "text": html_module.unescape(re.search(r'<textarea[^>]*id="text"[^>]*>\r?\n?(.*?)</textarea>', html,
                                                   re.S).group(1))}


def test_the_quiz_editor_autosaves_even_a_half_written_file_and_warns_of_a_second_author(app, local_copy,
                                                                                        sign_in):
    url = f"{COPY}/quizzes/quizzes/02-boolean.yaml"
    autosave = f"{COPY}/autosave/quizzes/02-boolean.yaml"
    assert f'data-autosave="{autosave}"' in local_copy.get(url).get_data(as_text=True)
    mine = quiz_fields(local_copy, url)
    half_written = mine["text"] + "  - key: half\n    type: single_choice\n"
    saved = local_copy.post(autosave, data={**mine, "text": half_written})
    result = saved.get_json()
    assert saved.status_code == 200 and result["saved"] and "problem" in result["message"]
    assert draft_text(app, "quizzes/02-boolean.yaml") == half_written
    other, _ = sign_in("author", email="bo@example.org", name="Bo Author")
    stale = local_copy.post(autosave, data={**mine, "text": mine["text"] + "# from the old revision\n"})
    assert stale.status_code == 409 and "Someone else saved this quiz" in stale.get_json()["message"]
    assert draft_text(app, "quizzes/02-boolean.yaml") == half_written
    theirs = quiz_fields(other, url)
    assert other.post(autosave, data={**theirs, "text": mine["text"]}).get_json()["saved"]
    assert draft_text(app, "quizzes/02-boolean.yaml") == mine["text"]


def settings_fields(client) -> dict:
    html = client.get(COPY).get_data(as_text=True)
    form = html[html.index('id="settings"'):html.index('id="publish"')]
    fields = {"csrf_token": csrf_token_from(html),
              "base_revision": re.search(r'name="base_revision" type="hidden" value="(\d+)"', form).group(1)}
    for name, value in re.findall(r'<input[^>]* name="([^"]+)"[^>]* value="([^"]*)"', form):
        if name not in fields and 'type="checkbox"' not in name:
            fields[name] = html_module.unescape(value)
    for name, value in re.findall(r'<textarea[^>]* name="([^"]+)"[^>]*>\r?\n?(.*?)</textarea>', form, re.S):
        fields[name] = html_module.unescape(value)
    return fields


def test_the_settings_autosave_keeps_valid_changes_and_says_why_it_cannot_keep_others(app, local_copy):
    autosave = f"{COPY}/autosave/course.yaml"
    assert f'data-autosave="{autosave}"' in local_copy.get(COPY).get_data(as_text=True)
    fields = settings_fields(local_copy)
    saved = local_copy.post(autosave, data={**fields, "title": "Searching at Fenwick Library"})
    assert saved.status_code == 200 and saved.get_json()["saved"]
    assert "title: Searching at Fenwick Library" in draft_text(app, "course.yaml")
    fields["base_revision"] = str(saved.get_json()["revision"])
    empty = local_copy.post(autosave, data={**fields, "title": ""})
    assert empty.status_code == 400 and empty.get_json()["message"] == "Not saved: Enter a title."
    half = local_copy.post(autosave, data={**fields, "outcomes-0-text": ""})
    assert half.status_code == 400 and "Give both a code and the outcome's text." in half.get_json()["message"]
    assert "title: Searching at Fenwick Library" in draft_text(app, "course.yaml")
    stale = local_copy.post(autosave, data={**fields, "base_revision": "1", "title": "Old tab"})
    assert stale.status_code == 409 and "Someone else saved the settings" in stale.get_json()["message"]
    assert "Old tab" not in draft_text(app, "course.yaml")


def test_an_administrator_grants_the_author_role_on_the_user_page(app, sign_in, make):
    admin, _ = sign_in("admin")
    lin = make.user("lin@example.org", "Lin Librarian", roles=["librarian"])
    page = admin.get(f"/admin/users/{lin.id}").get_data(as_text=True)
    assert 'value="author"' in page and ">Author</label>" in page
    response = Actions(admin).post(f"/admin/users/{lin.id}", {"roles": ["librarian", "author"], "org_unit": "0"},
                                   page=f"/admin/users/{lin.id}")
    assert response.status_code == 302
    client = app.test_client()
    Actions(client).login("lin@example.org")
    assert client.get("/authoring/").status_code == 200


def test_moving_and_retiring_modules(app, local_copy):
    Actions(local_copy).post(f"{COPY}/modules/02-boolean.md/move", {"direction": "up"}, page=COPY)
    page = local_copy.get(COPY).get_data(as_text=True)
    assert page.index("Boolean logic") < page.index("Defining your question")
    assert "01-boolean.md" in page and "02-question.md" in page
    response = Actions(local_copy).post(f"{COPY}/modules/02-question.md/retire", page=COPY)
    assert response.status_code == 302
    page = local_copy.get(COPY).get_data(as_text=True)
    assert "Defining your question" not in page and "Module retired" in page
    refused = Actions(local_copy).post(f"{COPY}/modules/01-boolean.md/retire", page=COPY)
    assert "at least one module" in local_copy.get(refused.headers["Location"]).get_data(as_text=True)


def test_rollback_publishes_an_earlier_version_again(app, local_copy):
    Actions(local_copy).post(f"{COPY}/publish", {"note": "First"}, page=COPY)
    fields = editor_fields(local_copy)
    local_copy.post(MODULE, data={**fields, "body": fields["body"] + "\nSecond thoughts.\n", "submit": "Save draft"})
    Actions(local_copy).post(f"{COPY}/publish", {"note": "Second"}, page=COPY)
    diff = local_copy.get(f"{COPY}/versions/2").get_data(as_text=True)
    assert "<ins>+Second thoughts.</ins>" in diff
    response = Actions(local_copy).post(f"{COPY}/versions/1/rollback", page=COPY)
    assert response.status_code == 302
    page = local_copy.get(COPY).get_data(as_text=True)
    assert "Version 1 is published again, as version 3." in page and "Published: version 3." in page
    assert "Second thoughts." not in draft_text(app, "01-question.md")


def test_an_upload_names_what_is_wrong_next_to_the_field(local_copy):
    response = Actions(local_copy).post("/authoring/upload", {"file": (io.BytesIO(b"not a zip"), "course.zip")},
                                        page="/authoring/", content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and 'id="file-error"' in page


def test_the_draft_downloads_and_uploads_back_unchanged(local_copy):
    data = local_copy.get(f"{COPY}/download?which=draft").data
    response = Actions(local_copy).post("/authoring/upload", {"file": (io.BytesIO(data), "demo-local.zip")},
                                        page="/authoring/", content_type="multipart/form-data")
    assert response.status_code == 302
    assert "Uploaded: nothing had changed." in local_copy.get(response.headers["Location"]).get_data(as_text=True)


def test_shipped_changes_are_listed_and_merged_file_by_file(app, local_copy, shipped):
    module = shipped / "demo-course" / "01-question.md"
    module.write_text(module.read_text("utf-8") + "\nA new shipped paragraph.\n", "utf-8")
    page = local_copy.get(COPY).get_data(as_text=True)
    assert "changed upstream only" in page and "<ins>+A new shipped paragraph.</ins>" in page
    assert "A new shipped paragraph." not in draft_text(app, "01-question.md"), "nothing changes until chosen"
    response = Actions(local_copy).post(f"{COPY}/upstream/01-question.md", {"take": "theirs"}, page=COPY)
    assert response.status_code == 302
    assert "A new shipped paragraph." in draft_text(app, "01-question.md")
    assert "No changes to the shipped course" in local_copy.get(COPY).get_data(as_text=True)


def test_script_in_any_field_never_runs_on_the_authoring_pages(app, local_copy):
    """Every XSS payload of the security corpus, written into a module's fields and the course settings, is shown
    (its canary word is on the page) but nothing in the editor, the preview or the course pages could run."""
    from ..security.conftest import dangerous_markup
    from ..security.test_xss import PAYLOADS, value

    body = "\n\n".join(value(n, payload) for n, payload in enumerate(PAYLOADS))
    fields = editor_fields(local_copy)
    saved = local_copy.post(MODULE, data={**fields, "title": value(0, PAYLOADS[1]), "aims": value(1, PAYLOADS[7]),
                                          "body": body, "submit": "Save draft"})
    assert saved.status_code == 302
    page = local_copy.get(COPY).get_data(as_text=True)
    base = re.search(r'name="base_revision" type="hidden" value="(\d+)"', page).group(1)
    Actions(local_copy).post(f"{COPY}/settings", {
        "base_revision": base, "title": value(2, PAYLOADS[8]), "summary": value(3, PAYLOADS[0]),
        "outcomes-0-code": "DS1", "outcomes-0-text": value(4, PAYLOADS[9])}, page=COPY)
    token = csrf_token_from(page)
    shown = {
        "editor": local_copy.get(MODULE).get_data(as_text=True),
        "preview (no script)": local_copy.post(MODULE, data={**editor_fields(local_copy), "preview": "Preview"}
                                               ).get_data(as_text=True),
        "live preview": local_copy.post(f"{COPY}/preview", data={"body": body, "csrf_token": token}
                                        ).get_data(as_text=True),
        "course page": local_copy.get(COPY).get_data(as_text=True),
        "index": local_copy.get("/authoring/").get_data(as_text=True),
        "draft changes": local_copy.get(f"{COPY}/changes").get_data(as_text=True),
    }
    for name, html in shown.items():
        assert dangerous_markup(html) == [], name
    assert all(f"zq{n:02d}" in shown["live preview"] for n in range(len(PAYLOADS)))
    assert "zq00" in shown["course page"] and "zq02" in shown["index"] and "zq04" in shown["course page"]


def test_a_new_course_starts_with_a_module_and_the_draft_can_be_discarded(app, author, shipped):
    client, _ = author
    response = Actions(client).post("/authoring/new", {"slug": "Bad Slug", "title": "Ours"}, page="/authoring/new")
    assert response.status_code == 200 and 'id="slug-error"' in response.get_data(as_text=True)
    response = Actions(client).post("/authoring/new", {"slug": "our-course", "title": "Our course"},
                                    page="/authoring/new")
    assert response.headers["Location"].endswith("/authoring/courses/our-course")
    page = client.get("/authoring/courses/our-course").get_data(as_text=True)
    assert "Our course" in page and "Introduction" in page and "Discard the draft" not in page
    response = Actions(client).post("/authoring/courses/our-course/modules", {"module_title": "Finding books"},
                                    page="/authoring/courses/our-course")
    assert response.headers["Location"].endswith("/authoring/courses/our-course/modules/02-finding-books.md")
    assert Actions(client).post("/authoring/courses/our-course/publish", {"note": "First"},
                                page="/authoring/courses/our-course").status_code == 302
    Actions(client).post("/authoring/courses/our-course/modules", {"module_title": "Finding articles"},
                         page="/authoring/courses/our-course")
    page = client.get("/authoring/courses/our-course").get_data(as_text=True)
    assert "Finding articles" in page and "Discard the draft" in page
    Actions(client).post("/authoring/courses/our-course/discard", page="/authoring/courses/our-course")
    page = client.get("/authoring/courses/our-course").get_data(as_text=True)
    assert "Finding articles" not in page and "Draft changes discarded (1 file(s))" in page
