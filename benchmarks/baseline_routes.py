"""The benchmark routes: `/_bench/baseline` and `/_bench/insert`, registered by benchmarks/wsgi.py and by
the whole-service load test's servers (benchmarks/loadtest/serve.py); never by the product itself."""
from __future__ import annotations

from flask import Blueprint, render_template

from lit_platform.accounts.models import User
from lit_platform.audit import AuditEvent
from lit_platform.extensions import csrf, db, limiter
from lit_platform.security import public

# The template lives next to this file; the blueprint adds this folder to the template search path
# (after the app's own templates), so Jinja compiles and caches it like any real page's template.
bench = Blueprint("bench", __name__, template_folder=".")

# Fixed content for the baseline page: 4 cards of 4 links and 15 table rows, about 5 KB of HTML.
SECTIONS = [
    {"title": f"Section {n}", "text": "A short paragraph describing what this part of the site is for, "
     "so that the card has some text in it like the real home page does.",
     "links": [{"href": f"/section/{n}/{m}", "label": f"Link {m}", "hint": "where this link goes"}
               for m in range(1, 5)]}
    for n in range(1, 5)
]
ROWS = [{"when": f"2025-01-{day:02d} 09:30", "what": "Completed a quiz on search strategies", "who": "A learner"}
        for day in range(1, 16)]


@bench.route("/_bench/baseline")
@limiter.exempt
@csrf.exempt
@public
def baseline():
    """One primary-key read and one ~5 KB template: the framework's cost without the app's logic."""
    user = db.session.get(User, 1)
    return render_template("baseline.html", user=user, sections=SECTIONS, rows=ROWS)


@bench.route("/_bench/insert", methods=["POST"])
@limiter.exempt
@csrf.exempt
@public
def insert():
    """Insert one row and commit: the baseline for scenarios that write."""
    db.session.add(AuditEvent(action="bench.insert", details={}))
    db.session.commit()
    return "", 204
