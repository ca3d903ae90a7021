"""Every table that holds personal data: what it keeps, why, on what lawful basis, for how long, and how
it is exported and erased.

This list is the single source for the privacy notice (/privacy), the copy of a person's data (a subject
access request), erasure and the retention review. tests/privacy/test_registry.py fails when a table with
a foreign key to `users` or `assessment_participants`, or a column named like *email*, is missing here,
or when one of those columns is not declared as a link, so a new table cannot slip through.

A table links to a person through one or more columns (`Link`):

- `to="user"`: the column holds the person's user id; `"participant"`: the id of one of their assessment
  participant records (see assessments.models.Participant; anonymous codes are never linked to anyone);
  `"attempt"`: the id of one of their quiz attempts; `"email"`: their e-mail address; `"user_object"`:
  audit events whose object is the person's account.
- `role=SUBJECT`: the row is about the person; `role=STAFF`: the person did something to a row about
  something else (created a question, marked an answer). A copy of someone's data holds only the columns
  named in `export`, chosen so that it says nothing about anybody else.
- `erase`: DELETE the rows, DETACH (set the column to NULL, and `clear` other columns: the row stays,
  anonymous, so that report figures do not change), KEEP (the row stays as it is: it is protected, with
  the declaration's reason, or it belongs to a participant or attempt that is itself detached), or
  TOMBSTONE (the account row itself: every personal field is replaced, the row stays so that protected
  records still say "the same account" without saying who).

Retention periods and lawful bases are defaults; an installation overrides them with LIT_RETENTION and
LIT_LAWFUL_BASIS, JSON objects keyed by table name (see docs/personal-data.md).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from functools import lru_cache

from ..config import ConfigurationError
from .dates import Duration, parse_duration

SUBJECT, STAFF = "subject", "staff"
DELETE, DETACH, KEEP, TOMBSTONE = "delete", "detach", "keep", "tombstone"
LINK_TARGETS = ("user", "participant", "attempt", "email", "user_object")

#: UK GDPR Article 6(1) lawful bases used here, with how the notice explains them
LAWFUL_BASES = {
    "public_task": ("Public task", "Article 6(1)(e): it is needed to provide the library's teaching service, "
                                   "a task carried out in the public interest or in the exercise of official "
                                   "authority"),
    "legitimate_interests": ("Legitimate interests", "Article 6(1)(f): it is needed for the library's "
                                                     "legitimate interests, which we have weighed against yours"),
    "contract": ("Contract", "Article 6(1)(b): it is needed for an agreement with you, such as your "
                             "employment or your membership of the library"),
    "consent": ("Consent", "Article 6(1)(a): you asked for it and can withdraw at any time, on the same "
                           "page where you set it up"),
    "legal_obligation": ("Legal obligation", "Article 6(1)(c): the law requires it, for example to keep "
                                             "personal data secure and to answer requests about it"),
}


@dataclass(frozen=True)
class Link:
    """A column that ties a row to a person."""
    column: str
    to: str = "user"
    role: str = SUBJECT
    #: what the row is to the person, in the copy of their data: "your booking"
    label: str = ""
    #: columns in the copy of their data (rows found through this link)
    export: tuple[str, ...] = ()
    erase: str = DETACH
    #: when detaching: other columns set at the same time, e.g. a free-text comment emptied
    clear: tuple[tuple[str, object], ...] = ()


@dataclass(frozen=True)
class Declaration:
    table: str
    #: heading in the notice and in the copy of someone's data
    title: str
    #: what is kept, in words
    kept: str
    #: the columns that are personal data
    fields: tuple[str, ...]
    purpose: str
    basis: str
    #: ISO 8601 duration; None: kept as long as the account is (see `users`)
    retention: str | None
    #: what the period counts from, completing "3 years after ..."
    retention_after: str
    seen_by: str
    links: tuple[Link, ...]
    #: why the rows are kept when the person's data is erased (empty: not protected)
    protected: str = ""
    #: what erasure does, in words
    on_erasure: str = ""

    @property
    def duration(self) -> Duration:
        return parse_duration(self.retention)

    @property
    def basis_label(self) -> str:
        return LAWFUL_BASES[self.basis][0]

    @property
    def basis_explained(self) -> str:
        return LAWFUL_BASES[self.basis][1]

    @property
    def retention_in_words(self) -> str:
        return f"{self.duration.in_words()} after {self.retention_after}"

    def links_to(self, *targets: str) -> list[Link]:
        return [link for link in self.links if link.to in targets]


ACCOUNT_ACTIVITY = "your last activity (signing in, studying, taking a test or booking a session)"
STAFF_SEEN_BY = "Library staff who manage the item, and administrators."

_ATTEMPT = ("id", "quiz_id", "number", "status", "started_at", "deadline_at", "submitted_at", "score", "max_score")
_RESULT = ("participant_id", "instrument_id", "course_id", "session_id", "conflict", "repeated", "pre_percent",
           "post_percent", "delayed_percent", "pre_at", "post_at", "delayed_at", "pre_form", "post_form")

DECLARATIONS: tuple[Declaration, ...] = (
    # Accounts -------------------------------------------------------------------------------
    Declaration(
        "users", "Your account",
        "Your name, e-mail address, organisation unit, when you registered and last signed in, and a hash of "
        "your password (never the password itself).",
        ("email", "name", "password_hash", "org_unit_id", "created_at", "last_login_at", "password_changed_at"),
        "To let you sign in, to address you, and to show your learning and bookings to you.",
        "public_task", "P3Y", ACCOUNT_ACTIVITY,
        "You; administrators; library staff see your name and e-mail address where you book or take part.",
        (Link("id", label="your account", erase=TOMBSTONE,
              export=("id", "email", "name", "org_unit_id", "is_active", "created_at", "last_login_at",
                      "password_changed_at")),),
        on_erasure="Your name and e-mail address are replaced and the account is closed; only an account "
                   "number remains, so that the records below that are kept do not say who you were.",
    ),
    Declaration(
        "user_roles", "Your roles",
        "Whether you are a learner, librarian, manager or administrator.", ("role",),
        "To decide what you may see and do.", "public_task", None, ACCOUNT_ACTIVITY,
        "You and administrators.",
        (Link("user_id", label="your role", export=("role",), erase=DELETE),),
        on_erasure="Deleted.",
    ),
    Declaration(
        "password_reset_tokens", "Password reset links",
        "When you asked to reset your password and whether the link was used (only a hash of the link).",
        ("user_id", "created_at", "used_at"),
        "To let you choose a new password safely.", "public_task", "P1D", "the link expires",
        "Nobody reads these; the site checks them.",
        (Link("user_id", label="a reset link you asked for", export=("id", "created_at", "expires_at", "used_at"),
              erase=DELETE),),
        on_erasure="Deleted.",
    ),
    Declaration(
        "linked_identities", "Your sign-ins with your organisation",
        "For each identity provider you sign in with (single sign-on): its name, the identifier it gives you, the "
        "e-mail address it gave when your accounts were linked, and when you first and last signed in with it.",
        ("user_id", "subject", "email", "created_at", "last_used_at"),
        "To let you sign in with the account your organisation gave you, and to recognise you when you do.",
        "public_task", None, ACCOUNT_ACTIVITY, "You and administrators.",
        (Link("user_id", label="a sign-in linked to your account",
              export=("id", "provider", "subject", "email", "created_at", "last_used_at"), erase=DELETE),
         Link("email", to="email", label="a sign-in that gave your address",
              export=("id", "provider", "subject", "email", "created_at", "last_used_at"), erase=DELETE)),
        on_erasure="Deleted: signing in with your organisation would not find the closed account again.",
    ),
    Declaration(
        "outbox_messages", "E-mail we send you",
        "Messages to you (booking confirmations, reminders, password resets): address, subject and text. A "
        "registration or password-reset link is kept apart, encrypted, only until the message is sent, and is "
        "never shown here.",
        ("to_address", "subject", "body_text", "body_html", "ics", "secret"),
        "To tell you about your bookings, tests and account.", "public_task", "P30D",
        "the message is sent (or we give up sending it)",
        "Administrators, when a message could not be delivered.",
        (Link("user_id", label="a message about you",
              export=("id", "to_address", "subject", "body_text", "status", "created_at", "sent_at"), erase=DELETE),
         Link("to_address", to="email", label="a message to your address",
              export=("id", "to_address", "subject", "body_text", "status", "created_at", "sent_at"), erase=DELETE)),
        on_erasure="Deleted.",
    ),
    Declaration(
        "audit_events", "The audit log",
        "A record of sign-ins (with the network address used) and of what staff and administrators do, such "
        "as changing roles, marking or closing a test.",
        ("actor_id", "ip_address", "object_id", "details"),
        "To keep the service and your data secure and to show who did what.", "legal_obligation", "P6Y",
        "the event", "Administrators.",
        (Link("actor_id", label="something you did", erase=KEEP,
              export=("id", "created_at", "action", "object_type", "ip_address")),
         Link("object_id", to="user_object", label="a change to your account", erase=KEEP,
              export=("id", "created_at", "action", "details"))),
        protected="The audit log is the evidence of what was done on the system and by which account, which "
                  "the law asks us to be able to show. It holds no names or e-mail addresses; after an erasure "
                  "it refers only to the closed account's number. It is deleted after its retention period.",
        on_erasure="Kept, without your name or e-mail address (see why below).",
    ),
    # Courses, quizzes and answers --------------------------------------------------------------
    Declaration(
        "enrolments", "Courses you are enrolled on",
        "Which courses you started, where you stopped, and when you completed them.",
        ("user_id", "enrolled_at", "completed_at", "pretest_done_at"),
        "To take you back where you left off and to count course completions.", "public_task", None,
        ACCOUNT_ACTIVITY, "You; librarians and managers in reports (as numbers).",
        (Link("user_id", label="your enrolment",
              export=("id", "course_id", "enrolled_at", "last_module_id", "completed_at", "pretest_done_at")),),
        on_erasure="Kept without your name, so course completion figures do not change.",
    ),
    Declaration(
        "module_progress", "Your progress through modules",
        "When you first opened and completed each module.", ("user_id", "first_viewed_at", "completed_at"),
        "To show your progress and award completion.", "public_task", None, ACCOUNT_ACTIVITY, "You.",
        (Link("user_id", label="your progress", export=("id", "module_id", "first_viewed_at", "completed_at"),
              erase=DELETE),),
        on_erasure="Deleted.",
    ),
    Declaration(
        "attempts", "Your quiz and test attempts",
        "Each attempt at a quiz or test: when you started and handed it in, and your score.",
        ("user_id", "started_at", "submitted_at", "score"),
        "To give you feedback and to evaluate the teaching.", "public_task", None, ACCOUNT_ACTIVITY,
        "You; librarians who mark answers; reports show only pseudonyms and totals.",
        (Link("user_id", label="your attempt", export=_ATTEMPT),),
        on_erasure="Kept without your name: the link to your account is removed, so totals in reports do "
                   "not change.",
    ),
    Declaration(
        "responses", "Your answers",
        "Your answer to each question in an attempt, its score and any marker's comment.",
        ("answer", "score", "marker_comment"),
        "To score and give feedback on your answers and to evaluate the teaching.", "public_task", None,
        ACCOUNT_ACTIVITY, "You; librarians who mark answers; reports show only totals per question.",
        (Link("attempt_id", to="attempt", label="your answer", erase=KEEP,
              export=("id", "attempt_id", "position", "question_version_id", "answer", "answered_at", "score",
                      "fraction", "criteria", "marker_comment", "marked_at")),
         Link("marked_by_id", role=STAFF, label="an answer you marked", export=("id", "marked_at"))),
        on_erasure="Kept with the attempt, which no longer names you.",
    ),
    Declaration(
        "quiz_extensions", "Extra time on quizzes",
        "Extra minutes you were given on a timed quiz (for example as a reasonable adjustment).",
        ("user_id", "extra_minutes"),
        "To give you the time you are entitled to.", "public_task", None, ACCOUNT_ACTIVITY,
        "You and librarians.",
        (Link("user_id", label="extra time you were given", export=("id", "quiz_id", "extra_minutes", "granted_at"),
              erase=DELETE),
         Link("granted_by_id", role=STAFF, label="extra time you granted", export=("id", "quiz_id", "granted_at"))),
        on_erasure="Deleted.",
    ),
    Declaration(
        "questions", "Questions you wrote (staff)", "That you created a question in the bank.", ("created_by_id",),
        "To show who wrote what in the question bank.", "public_task", None, ACCOUNT_ACTIVITY, STAFF_SEEN_BY,
        (Link("created_by_id", role=STAFF, label="a question you created", export=("id", "key", "created_at")),),
        on_erasure="The question stays; the record that you wrote it is removed.",
    ),
    Declaration(
        "question_versions", "Question versions you saved (staff)", "That you saved a version of a question.",
        ("created_by_id",), "To show who changed what in the question bank.", "public_task", None,
        ACCOUNT_ACTIVITY, STAFF_SEEN_BY,
        (Link("created_by_id", role=STAFF, label="a question version you saved",
              export=("id", "question_id", "number", "created_at")),),
        on_erasure="The version stays; the record that you saved it is removed.",
    ),
    Declaration(
        "quizzes", "Quizzes you made (staff)", "That you created a quiz.", ("created_by_id",),
        "To show who made each quiz.", "public_task", None, ACCOUNT_ACTIVITY, STAFF_SEEN_BY,
        (Link("created_by_id", role=STAFF, label="a quiz you created", export=("id", "key", "title", "created_at")),),
        on_erasure="The quiz stays; the record that you made it is removed.",
    ),
    # Authoring ------------------------------------------------------------------------------------
    Declaration(
        "course_sources", "Courses you started authoring (staff)",
        "That you created a course, a local copy of a shipped course or a course from an upload.",
        ("created_by_id",), "To show who started each course.", "public_task", None, ACCOUNT_ACTIVITY,
        STAFF_SEEN_BY,
        (Link("created_by_id", role=STAFF, label="a course you started",
              export=("id", "course_slug", "origin", "created_at")),),
        on_erasure="The course stays; the record that you started it is removed.",
    ),
    Declaration(
        "source_files", "Course files you edited (staff)", "That you last saved a file of a course's draft.",
        ("updated_by_id",), "To show who last changed each draft file, and to warn people editing at once.",
        "public_task", None, ACCOUNT_ACTIVITY, STAFF_SEEN_BY,
        (Link("updated_by_id", role=STAFF, label="a course file you saved",
              export=("id", "source_id", "path", "revision", "updated_at")),),
        on_erasure="The file stays; the record that you saved it is removed.",
    ),
    Declaration(
        "source_versions", "Course versions you published (staff)", "That you published a version of a course, "
        "with the note you gave it.", ("published_by_id", "note"), "To show who published each version.",
        "public_task", None, ACCOUNT_ACTIVITY, STAFF_SEEN_BY,
        (Link("published_by_id", role=STAFF, label="a course version you published",
              export=("id", "source_id", "number", "note", "published_at")),),
        on_erasure="The version stays; the record that you published it is removed.",
    ),
    Declaration(
        "saved_searches", "Your saved searches",
        "Search strategies you saved: the question, concepts, search lines, databases, results and notes.",
        ("user_id", "title", "question", "plan", "search", "notes"),
        "To let you keep and reuse your search strategies.", "public_task", None, ACCOUNT_ACTIVITY, "You.",
        (Link("user_id", label="your saved search",
              export=("id", "title", "question", "syntax", "plan", "search", "database", "platform", "searched_on",
                      "hits", "limits", "notes", "created_at", "updated_at"), erase=DELETE),),
        on_erasure="Deleted.",
    ),
    # Pre/post assessment -----------------------------------------------------------------------
    Declaration(
        "assessment_participants", "Your part in before-and-after tests",
        "That you took a course's or a session's before-and-after test as yourself, and which version of the "
        "test you had. If you take a session's test with an anonymous code instead, we keep the code but "
        "cannot tell that it is you, so it is not part of a copy of your data.",
        ("user_id", "code"),
        "To pair your before and after scores and evaluate the teaching.", "public_task", "P2Y",
        "the test, for anonymous codes (the codes and the answers given under them are then removed, the "
        "scores are kept); records of signed-in learners are kept as long as their account",
        "You; reports show librarians a pseudonym (P-…) and totals, and managers names.",
        (Link("user_id", label="you as a test participant",
              export=("id", "course_id", "session_id", "first_form", "created_at", "delayed_invited_at")),),
        on_erasure="Kept under a pseudonym: the link to your account is removed, so the totals and averages in "
                   "reports do not change.",
    ),
    Declaration(
        "assessment_attempts", "Your before-and-after tests",
        "Each before-and-after test you took and the confidence ratings you gave with it.",
        ("participant_id", "confidence"),
        "To evaluate the teaching.", "public_task", None, ACCOUNT_ACTIVITY,
        "You; reports show only pseudonyms and totals.",
        (Link("participant_id", to="participant", label="a test you took", erase=KEEP,
              export=("id", "point_id", "participant_id", "attempt_id", "form", "confidence", "is_complete",
                      "created_at")),),
        on_erasure="Kept with the pseudonymous participant, which no longer names you.",
    ),
    Declaration(
        "assessment_results", "Your before-and-after results",
        "Your counted scores before and after teaching (worked out from your tests).",
        ("participant_id", "user_id", "pre_percent", "post_percent"),
        "To report on what teaching achieved.", "public_task", None, ACCOUNT_ACTIVITY,
        "You; reports show only pseudonyms and totals.",
        (Link("participant_id", to="participant", label="your results", erase=KEEP, export=_RESULT),
         Link("user_id", label="your results", export=_RESULT)),
        on_erasure="Kept without your name, so report figures do not change.",
    ),
    # Sessions and bookings ------------------------------------------------------------------------
    Declaration(
        "bookings", "Your bookings",
        "The sessions you booked or queued for, cancellations, attendance and check-in times.",
        ("user_id", "status", "attendance", "booked_at", "checked_in_at"),
        "To manage places on sessions, take the register and send reminders.", "public_task", None,
        ACCOUNT_ACTIVITY, "You; the session's librarians; reports show numbers only.",
        (Link("user_id", label="your booking",
              export=("id", "session_id", "status", "position", "booked_at", "confirmed_at", "cancelled_at",
                      "attendance", "attendance_marked_at", "checked_in_at", "reminded_at")),
         Link("added_by_id", role=STAFF, label="a place you added by hand", export=("id", "session_id", "booked_at"))),
        on_erasure="Kept without your name, so attendance figures do not change; places on sessions still to "
                   "come are cancelled first and offered to the people waiting.",
    ),
    Declaration(
        "session_survey_responses", "Your feedback on sessions",
        "Your ratings of a session and any comment you wrote.",
        ("user_id", "usefulness", "confidence", "would_recommend", "comment"),
        "To improve the teaching.", "public_task", None, ACCOUNT_ACTIVITY,
        "Librarians and managers, in reports without your name; comments are shown only for groups of five "
        "or more, and a librarian may hide a comment.",
        (Link("user_id", label="your feedback",
              export=("id", "session_id", "usefulness", "confidence", "would_recommend", "comment", "created_at"),
              clear=(("comment", ""),)),
         Link("comment_hidden_by_id", role=STAFF, label="a comment you hid", export=("id", "session_id"))),
        on_erasure="Your ratings are kept without your name, so report figures do not change; your comment is "
                   "deleted, since words can identify.",
    ),
    Declaration(
        "session_facilitators", "Sessions you lead (staff)", "That you facilitate a session.", ("user_id",),
        "To show learners who leads a session and to give you its register and reports.", "public_task", None,
        ACCOUNT_ACTIVITY, "Everyone who can see the session.",
        (Link("user_id", role=STAFF, label="a session you lead", export=("session_id",), erase=DELETE),),
        on_erasure="Deleted.",
    ),
    Declaration(
        "sessions", "Sessions you scheduled (staff)", "That you created a session.", ("created_by_id",),
        "To show who scheduled each session.", "public_task", None, ACCOUNT_ACTIVITY, STAFF_SEEN_BY,
        (Link("created_by_id", role=STAFF, label="a session you scheduled",
              export=("id", "title", "starts_at", "created_at")),),
        on_erasure="The session stays; the record that you scheduled it is removed.",
    ),
    Declaration(
        "session_series", "Session series you scheduled (staff)", "That you created a repeating series.",
        ("created_by_id",), "To show who scheduled each series.", "public_task", None, ACCOUNT_ACTIVITY,
        STAFF_SEEN_BY,
        (Link("created_by_id", role=STAFF, label="a series you scheduled", export=("id", "frequency", "created_at")),),
        on_erasure="The series stays; the record that you scheduled it is removed.",
    ),
    Declaration(
        "calendar_feeds", "Your calendar feed",
        "That you set up a private calendar address, and when it was last read (only a hash of the address).",
        ("user_id", "created_at", "last_used_at"),
        "To put your sessions in your own calendar.", "consent", None, ACCOUNT_ACTIVITY, "Nobody but you.",
        (Link("user_id", label="your calendar feed", export=("id", "created_at", "last_used_at"), erase=DELETE),),
        on_erasure="Deleted, so the address stops working.",
    ),
    Declaration(
        "api_tokens", "Your API tokens",
        "The names and first characters of API tokens you created, and when they were used (only a hash of "
        "each token).", ("user_id", "name", "prefix", "last_used_at"),
        "To let other systems you choose read your bookings.", "consent", None, ACCOUNT_ACTIVITY,
        "Nobody but you.",
        (Link("user_id", label="your API token",
              export=("id", "name", "prefix", "created_at", "last_used_at", "revoked_at"), erase=DELETE),),
        on_erasure="Deleted, so the tokens stop working.",
    ),
    # This area's own records ------------------------------------------------------------------
    Declaration(
        "privacy_requests", "Your requests about your data",
        "Requests you made for a copy of your data or to erase it: when we received them, the deadline, any "
        "extension and its reason, and when we completed them.",
        ("user_id", "received_on", "reason", "extension_reason"),
        "To answer your requests within the time the law allows and to show that we did.", "legal_obligation",
        "P6Y", "the request is completed", "Administrators.",
        (Link("user_id", label="a request you made", erase=KEEP,
              export=("id", "kind", "received_on", "due_on", "extended_to", "extension_reason", "status",
                      "completed_at")),
         Link("logged_by_id", role=STAFF, label="a request you logged", export=("id", "kind", "received_on")),
         Link("completed_by_id", role=STAFF, label="a request you completed", export=("id", "kind", "completed_at"))),
        protected="A record that a request was received and answered is the evidence that we met the deadline "
                  "the law sets. It holds no name or e-mail address; after an erasure it refers only to the "
                  "closed account's number.",
        on_erasure="Kept, without your name or e-mail address (see why below).",
    ),
    Declaration(
        "saml_requests", "Sign-ins with your organisation in progress",
        "While you sign in through a SAML identity provider: the account it signed you into and the identifier "
        "and session it gave, until your browser finishes signing in (seconds).",
        ("user_id", "name_id", "session_index"),
        "To finish signing you in only in the browser that started, and to refuse a sign-in response used twice.",
        "public_task", "PT1H", "the sign-in started", "Nobody: the site uses it while you sign in.",
        (Link("user_id", label="a sign-in in progress", export=("id", "provider", "created_at"), erase=DELETE),),
        on_erasure="Deleted (it is deleted anyway once you are signed in, or after an hour).",
    ),
    Declaration(
        "retention_reviews", "Retention reviews (staff)",
        "That you started or approved a review of data kept beyond its retention period.",
        ("created_by_id", "approved_by_id"),
        "To show who approved each deletion.", "legal_obligation", "P6Y", "the review is applied",
        "Administrators.",
        (Link("created_by_id", role=STAFF, label="a review you started", export=("id", "created_at")),
         Link("approved_by_id", role=STAFF, label="a review you approved", export=("id", "approved_at"))),
        on_erasure="The review stays; the record that you started or approved it is removed.",
    ),
)


def by_table() -> dict[str, Declaration]:
    return {declaration.table: declaration for declaration in DECLARATIONS}


# Per-installation overrides ---------------------------------------------------------------------

class RegistryConfigError(ConfigurationError):
    """LIT_RETENTION or LIT_LAWFUL_BASIS names an unknown table, basis or a bad duration."""


def _mapping(name: str, value) -> dict:
    if not value:
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as error:
            raise RegistryConfigError(f"{name} is not valid JSON: {error.msg}.") from None
    if not isinstance(value, dict):
        raise RegistryConfigError(f'{name} must be a JSON object such as {{"users": "P2Y"}}.')
    return value


@lru_cache(maxsize=8)
def _effective(retention_json: str, basis_json: str) -> tuple[Declaration, ...]:
    retention = _mapping("LIT_RETENTION", retention_json)
    bases = _mapping("LIT_LAWFUL_BASIS", basis_json)
    known = by_table()
    for name, overrides in (("LIT_RETENTION", retention), ("LIT_LAWFUL_BASIS", bases)):
        unknown = sorted(set(overrides) - set(known))
        if unknown:
            raise RegistryConfigError(f"{name} names tables that hold no personal data here: {', '.join(unknown)} "
                                      f"(known: {', '.join(sorted(known))}).")
    for table, period in retention.items():
        if known[table].retention is None:
            raise RegistryConfigError(f"LIT_RETENTION: {table} is kept as long as the account; set users instead.")
        try:
            parse_duration(str(period))
        except ValueError as error:
            raise RegistryConfigError(f"LIT_RETENTION for {table}: {error}") from None
    for table, basis in bases.items():
        if basis not in LAWFUL_BASES:
            raise RegistryConfigError(f"LIT_LAWFUL_BASIS for {table}: '{basis}' is not one of "
                                      f"{', '.join(LAWFUL_BASES)}.")
    account = str(retention.get("users", known["users"].retention))
    declarations = []
    for declaration in DECLARATIONS:
        period = retention.get(declaration.table, declaration.retention)
        after = declaration.retention_after
        if period is None:
            period, after = account, "your last activity (kept with your account)"
        declarations.append(replace(declaration, retention=str(period).upper(), retention_after=after,
                                    basis=bases.get(declaration.table, declaration.basis)))
    return tuple(declarations)


def _key(value) -> str:
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return value or ""


def declarations(config) -> tuple[Declaration, ...]:
    """The declarations with this installation's retention periods and bases (every period resolved)."""
    return _effective(_key(config.get("LIT_RETENTION")), _key(config.get("LIT_LAWFUL_BASIS")))


def declaration(config, table: str) -> Declaration:
    return next(d for d in declarations(config) if d.table == table)


def check_config(config) -> None:
    """Refuse to start with overrides that do not fit the registry."""
    declarations(config)


@dataclass
class Coverage:
    """What the registry misses in a schema (see tests/privacy/test_registry.py)."""
    missing_tables: list[str] = field(default_factory=list)
    undeclared_columns: list[str] = field(default_factory=list)


PERSON_TABLES = ("users", "assessment_participants")


def coverage(metadata) -> Coverage:
    """Tables with a foreign key to users or participants, or a column named like email, that are not declared,
    and such columns that no declaration lists as a link."""
    known = by_table()
    result = Coverage()
    for table in sorted(metadata.tables.values(), key=lambda t: t.name):
        links = {fk.parent.name for fk in table.foreign_keys if fk.column.table.name in PERSON_TABLES}
        emails = {column.name for column in table.columns if "email" in column.name.lower()}
        if table.name == "users":
            links.add("id")
        if not links | emails:
            continue
        if table.name not in known:
            result.missing_tables.append(table.name)
            continue
        declared = known[table.name]
        linked = {link.column for link in declared.links}
        # a foreign key must be a link; an e-mail column a link or one of the declared personal fields
        undeclared = (links - linked) | (emails - linked - set(declared.fields))
        result.undeclared_columns += [f"{table.name}.{name}" for name in sorted(undeclared)]
    return result
