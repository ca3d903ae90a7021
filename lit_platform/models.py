"""Imports every area's models so that metadata (and Alembic) sees every table."""
from .accounts.models import OrgUnit, PasswordResetToken, Setting, User, UserRole  # noqa: F401
from .audit import AuditEvent  # noqa: F401
from .outbox.models import OutboxMessage  # noqa: F401
from .quizzes.models import (  # noqa: F401
    Attempt,
    Question,
    QuestionCategory,
    QuestionTag,
    QuestionVersion,
    Quiz,
    QuizExtension,
    QuizSlot,
    Response,
)
from .courses.models import Course, Enrolment, LearningOutcome, Module, ModuleProgress  # noqa: F401
from .assessments.models import (  # noqa: F401
    AssessmentAttempt,
    AssessmentPoint,
    ConfidenceItem,
    Instrument,
    InstrumentItem,
    Participant,
)
from .bookings.models import (  # noqa: F401
    ApiToken,
    Booking,
    CalendarFeed,
    Session,
    SessionFacilitator,
    SessionSeries,
    SessionUnit,
    SurveyResponse,
)
from .exercises.models import SavedSearch  # noqa: F401
from .privacy.models import PrivacyRequest, RetentionReview  # noqa: F401
from .reports.models import DataVersion  # noqa: F401
from .sso.models import LinkedIdentity  # noqa: F401
from .sso.saml_models import SamlRequest  # noqa: F401
from .authoring.models import CourseSource, SourceBlob, SourceFile, SourceVersion  # noqa: F401
