"""Markdown is rendered, then sanitised: nothing from the XSS corpus survives."""
import pytest

from lit_platform.core.markdown import render_document, render_markdown

XSS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1))",
    "[click](java&#x09;script:alert(1))",
    "<a href=\"jav&#x61;script:alert(1)\">x</a>",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "[x](data:text/html,<script>alert(1)</script>)",
    "<img src=x onerror=alert(1)>",
    "<p onclick=\"alert(1)\">hi</p>",
    "<svg><script>alert(1)</script></svg>",
    "<svg onload=alert(1)>",
    "<iframe src=\"https://evil.example\"></iframe>",
    "<style>body{display:none}</style>",
    "<a href=\"vbscript:msgbox(1)\">x</a>",
    "<form action=\"https://evil.example\"><input name=x></form>",
    "<object data=\"x.swf\"></object>",
    "<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example\">",
]
DANGEROUS = ["<script", "javascript:", "vbscript:", "data:", "onerror", "onclick", "onload", "<iframe", "<style",
             "<form", "<object", "<meta", "<svg"]


@pytest.mark.parametrize("payload", XSS)
def test_payload_is_neutralised(payload):
    for html in (str(render_markdown(f"Text {payload} more")), render_document(f"# T\n\n{payload}\n")[0]):
        lowered = html.lower()
        assert not [d for d in DANGEROUS if d in lowered], html


def test_teaching_markup_survives():
    html, toc = render_document("[TOC]\n\n## Boolean logic\n\n| A | B |\n|---|---|\n| 1 | 2 |\n\n"
                                "!!! tip \"Remember\"\n    OR broadens.\n\nA fact.[^1]\n\n[^1]: A source.\n\n"
                                "[Next](02-next.md#part) and [site](https://example.org)")
    assert '<h2 id="boolean-logic">Boolean logic</h2>' in html
    assert "<table>" in html and '<div class="admonition tip">' in html
    assert 'class="footnote' in html and 'href="#fn:1"' in html
    assert 'href="https://example.org" rel="noopener noreferrer"' in html
    assert 'href="#boolean-logic"' in toc


def test_course_links_and_images_are_rewritten():
    from lit_platform.courses.importer import url_rewriter
    from lit_platform.courses.loader import CourseDefinition, ModuleDefinition

    course = CourseDefinition("demo", "Demo", "", "", [], [], "introductory", 0, "none", [], [], folder=None)
    course.modules = [ModuleDefinition("next", 2, "Next", 5, [], True, "", "02-next.md")]
    html, _ = render_document("[Next](02-next.md#part) ![A chart](images/c.svg)", url_rewriter(course))
    assert 'href="/courses/demo/next#part"' in html and 'src="/courses/demo/files/images/c.svg"' in html


def test_tables_scroll_in_a_labelled_region_keyboard_users_can_reach():
    html, _ = render_document("| Operator | Finds |\n|---|---|\n| AND | both terms |\n\nAfter the table.")
    assert html.startswith('<div class="table-scroll" role="region" tabindex="0" aria-label="Table: Operator, Finds">'
                           "<table>")
    assert "</table></div>" in html and html.count("<div") == 1
    # The region is added after sanitising: authors cannot add roles, tabindex or labels of their own.
    raw, _ = render_document('<div role="alert" tabindex="0" aria-label="x">text</div>')
    assert "role" not in raw and "tabindex" not in raw and "aria-label" not in raw
    # A table inside a table gets one region, round the outer one.
    nested, _ = render_document("<table><tr><td><table><tr><th>In</th></tr></table></td></tr></table>")
    assert nested.count("table-scroll") == 1 and nested.endswith("</table></td></tr></tbody></table></div>")
    # Captions name the region, escaped.
    captioned = str(render_markdown('<table><caption>Fish & "chips"</caption><tr><td>1</td></tr></table>'))
    assert 'aria-label="Fish &amp; &quot;chips&quot;"' in captioned
