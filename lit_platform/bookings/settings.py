"""The bookings area's settings: LIT_* environment variables, overridable through create_app(config)."""
from __future__ import annotations

import os

from flask import current_app

DEFAULTS = {
    #: learners can cancel a confirmed place until this many hours before the start (a session may set its own)
    "LIT_BOOKING_CANCEL_CUTOFF_HOURS": 24,
    #: `lit reminders queue` reminds learners this many hours before their session
    "LIT_REMINDER_HOURS": 24,
}


def setting(name: str):
    """The app's value if set, else the environment's, else the default (converted to the default's type)."""
    default = DEFAULTS[name]
    value = current_app.config.get(name, os.environ.get(name, default))
    return type(default)(value)


def zone_name() -> str:
    return current_app.config["LIT_TIMEZONE"]
