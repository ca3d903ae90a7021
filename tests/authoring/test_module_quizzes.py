"""A module's quiz written in the draft: from a skeleton, or from a published quiz of the bank; both databases."""
import pytest
import yaml
from sqlalchemy import select

from lit_platform.authoring import files, services
from lit_platform.authoring.drafts import validate_files
from lit_platform.courses.models import Course
from lit_platform.extensions import db
from lit_platform.quizzes import services as bank
from lit_platform.quizzes.models import Question, Quiz, QuizSlot

from .test_services import author, demo  # noqa: F401  (fixtures)


def _question(key, outcome="X9", **spec):
    data = bank.QuestionData(type="single_choice", stem=f"Stem of {key}", outcome=outcome, tags=["bank"],
                             spec={"choices": [{"id": "1", "text": "Right", "weight": 1.0, "feedback": "Yes."},
                                               {"id": "2", "text": "Wrong", "weight": 0.0, "feedback": "No."}]},
                             general_feedback="Because.", **spec)
    question, _ = bank.save_question(key, bank.find_or_create_category("Bank"), data)
    return question


def _bank_quiz(keys, key="bank-quiz", **settings):
    quiz = bank.save_quiz(key, {"title": "Bank quiz on searching", "description": "From the bank.", "pass_mark": 80,
                                "attempts_allowed": 2, "feedback_mode": "immediate", **settings})
    bank.set_fixed_questions(quiz, [_question(k) for k in keys])
    db.session.flush()
    return quiz


def _check(source):
    definition, problems = services.validate(source)
    assert problems == []
    return definition


def test_a_module_gets_a_new_quiz_that_validates_and_publishes(ctx, author):
    source = services.new_course("our-course", "Our course", author)
    path = services.write_new_quiz(source, "01-introduction.md", author)
    assert path == "quizzes/01-introduction.yaml"
    draft = services.draft_files(source)
    assert files.module_meta(draft["01-introduction.md"].decode())["quiz"] == path
    quiz = yaml.safe_load(draft[path])
    assert quiz["key"] == "our-course.01-introduction"
    assert [q["key"] for q in quiz["questions"]] == ["our-course.01-introduction.example"]
    definition = _check(source)
    assert definition.modules[0].quiz.questions[0].data.outcome == "O1"
    # The module's text is kept as it was; only its front matter names the quiz.
    module = draft["01-introduction.md"].decode()
    assert module.endswith("---\nWrite this module here, in Markdown.\n") and "outcomes:\n- O1\n" in module
    services.publish(source, "With a quiz", author)
    course = db.session.scalar(select(Course).where(Course.slug == "our-course"))
    assert course.active_modules[0].quiz.title == "Check your understanding: Introduction"
    # A second quiz for the same module is refused: the author edits the one it has.
    with pytest.raises(services.AuthoringError, match="already has a quiz"):
        services.write_new_quiz(source, "01-introduction.md", author)
    with pytest.raises(services.AuthoringError, match="no module"):
        services.write_new_quiz(source, "09-missing.md", author)


def test_a_bank_quiz_is_written_into_the_draft_and_survives_a_zip(ctx, author, demo):
    quiz = _bank_quiz(["bank.free-question", "demo.boolean.or"])
    source = services.new_course("our-course", "Our course", author)
    assert quiz in services.bank_quizzes()
    path = services.attach_bank_quiz(source, "01-introduction.md", quiz.id, author)
    content = yaml.safe_load(services.draft_files(source)[path])
    assert content["title"] == "Bank quiz on searching" and content["pass_mark"] == 80 and content["attempts"] == 2
    # A key no other course uses is kept; one the demo course uses gets this course's prefix.
    assert [q["key"] for q in content["questions"]] == ["bank.free-question", "our-course.demo.boolean.or"]
    # The bank's outcome is not one of this course's: the module's (here the course's first) is used.
    assert {q["outcome"] for q in content["questions"]} == {"O1"}
    definition = _check(source)
    read = definition.modules[0].quiz.questions[0].data
    assert read.stem == "Stem of bank.free-question" and read.general_feedback == "Because."
    assert [c["weight"] for c in read.spec["choices"]] == [1.0, 0.0] and read.tags == ["bank"]
    # Out as a zip and back in: the course folder still validates.
    _, folder = files.from_zip(services.export_zip("our-course", "draft"))
    assert validate_files("our-course", folder)[1] == []
    services.publish(source, "With the bank's quiz", author)
    course = db.session.scalar(select(Course).where(Course.slug == "our-course"))
    keys = [slot.question.key for slot in course.active_modules[0].quiz.slots]
    assert keys == ["bank.free-question", "our-course.demo.boolean.or"]
    # The bank's quiz itself is left as it was.
    assert db.session.get(Quiz, quiz.id).key == "bank-quiz"


def test_a_bank_quiz_the_course_format_cannot_hold_is_refused_by_name(ctx, author):
    quiz = bank.save_quiz("random-bank-quiz", {"title": "Random from the bank"})
    category = bank.find_or_create_category("Bank")
    _question("bank.one")
    quiz.slots.append(QuizSlot(position=1, random_category_id=category.id, random_count=2))
    db.session.flush()
    source = services.new_course("our-course", "Our course", author)
    with pytest.raises(services.AuthoringError, match="“Random from the bank” draws random questions"):
        services.attach_bank_quiz(source, "01-introduction.md", quiz.id, author)
    # A question of a type the course files do not know (as a bank could hold from an older import).
    odd = _bank_quiz(["bank.cloze"], key="odd-types")
    odd.slots[0].question.current.type = "cloze"
    db.session.flush()
    with pytest.raises(services.AuthoringError, match="types a course's quiz file cannot hold: cloze"):
        services.attach_bank_quiz(source, "01-introduction.md", odd.id, author)
    hidden = _bank_quiz(["bank.two"], key="hidden", is_published=False)
    with pytest.raises(services.AuthoringError, match="published quizzes"):
        services.attach_bank_quiz(source, "01-introduction.md", hidden.id, author)
    # Nothing was written.
    assert sorted(services.draft(source)) == ["01-introduction.md", "course.yaml"]
    assert db.session.scalar(select(Question).where(Question.key == "bank.one")) is not None


def test_every_question_type_of_the_shipped_quizzes_survives_being_attached_from_the_bank(ctx, author, tmp_path,
                                                                                          courses_path):
    """Each question of the shipped courses' quizzes, performance exercises included, put in a bank quiz and
    attached to a module, reads back from the written quiz file as it was: only the outcome becomes the course's
    own, the key gets the course's prefix, and an image it shows is copied into the course."""
    from dataclasses import replace

    from lit_platform.courses.loader import read_course
    from lit_platform.quizzes.files import read_quiz_file

    originals = []
    for folder in sorted(path.parent for path in courses_path.glob("*/course.yaml")):
        course, problems = read_course(folder)
        assert problems == [], folder
        originals += [item for module in course.modules if module.quiz for item in module.quiz.questions]
    assert {item.data.type for item in originals} >= {"search_strategy", "appraisal_checklist", "lateral_reading",
                                                      "matching", "ordering", "numerical", "essay"}
    images = [item.data.spec["source"]["image"] for item in originals if item.data.spec.get("source", {}).get("image")]
    assert images and all(image.startswith("/courses/") for image in images)
    category = bank.find_or_create_category("Shipped")
    quiz = bank.save_quiz("every-type", {"title": "Every type", "feedback_mode": "deferred"})
    bank.set_fixed_questions(quiz, [bank.save_question(item.key, category, item.data)[0] for item in originals])
    quiz.is_published = True
    source = services.new_course("our-course", "Our course", author)
    quiz_path = services.attach_bank_quiz(source, "01-introduction.md", quiz.id, author)

    written = tmp_path / "quiz.yaml"
    written.write_text(services.read_text(source, quiz_path), "utf-8")
    definition, problems = read_quiz_file(written)
    assert problems == []
    # The shipped courses' keys are theirs: the copies get the course's prefix.
    assert [item.key for item in definition.questions] == [files.prefixed(item.key, "our-course")
                                                           for item in originals]
    for original, copied in zip(originals, definition.questions):
        expected = replace(original.data, outcome="O1", tags=sorted(original.data.tags))
        if image := original.data.spec.get("source", {}).get("image"):
            slug, path = image.split("/")[2], image.split("/files/")[1]
            # Copied, and cleaned as every SVG written to a draft is.
            assert services.read_text(source, path).encode() == services.sanitise_svg(
                (courses_path / slug / path).read_bytes())
            expected = replace(expected, spec={**expected.spec, "source": {**expected.spec["source"], "image": path}})
        # Tags are a set: the bank keeps them sorted.
        assert replace(copied.data, tags=sorted(copied.data.tags)) == expected, original.key
    _check(source)
