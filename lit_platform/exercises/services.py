"""Saving search strategies: from the builder form, or from an answered exercise."""
from __future__ import annotations

from ..extensions import db
from ..quizzes.models import Response
from .models import SavedSearch
from .search_review import split_entries


def hits_from_text(text: str) -> dict[str, str]:
    return {str(n): line.strip().replace(",", "") for n, line in enumerate((text or "").splitlines(), 1) if line.strip()}


def hits_as_text(hits: dict) -> str:
    count = max((int(n) for n in hits), default=0)
    return "\n".join(hits.get(str(n), "") for n in range(1, count + 1))


def fill_from_form(saved: SavedSearch, form) -> SavedSearch:
    saved.title = form.title.data
    saved.question = form.question.data or ""
    saved.syntax = form.syntax.data
    saved.plan = [{"name": row.form.name.data or "", "terms": split_entries(row.form.terms.data or "")}
                  for row in form.plan if row.form.name.data or (row.form.terms.data or "").strip()]
    saved.search = (form.search.data or "").replace("\r\n", "\n").strip()
    saved.database = form.database.data or ""
    saved.platform = form.platform.data or ""
    saved.searched_on = form.searched_on.data
    saved.hits = hits_from_text(form.hits.data)
    saved.limits = form.limits.data or ""
    saved.notes = form.notes.data or ""
    return saved


def fill_form(form, saved: SavedSearch) -> None:
    form.title.data, form.question.data, form.syntax.data = saved.title, saved.question, saved.syntax
    form.search.data, form.database.data, form.platform.data = saved.search, saved.database, saved.platform
    form.searched_on.data, form.limits.data, form.notes.data = saved.searched_on, saved.limits, saved.notes
    form.hits.data = hits_as_text(saved.hits or {})
    for row, entry in zip(form.plan, saved.plan or []):
        row.form.name.data = entry.get("name", "")
        row.form.terms.data = "\n".join(entry.get("terms") or [])


def save_from_response(response: Response, user) -> SavedSearch:
    """Keep a copy of the learner's answer to a search exercise, to refine and document later."""
    answer = response.answer or {}
    title = response.version.title or response.attempt.quiz.title
    saved = SavedSearch(user_id=user.id, title=f"{title}: my search"[:200], question=response.version.stem[:2000],
                        syntax=answer.get("syntax") or "pubmed",
                        plan=[row for row in answer.get("plan") or [] if row.get("name") or row.get("terms")],
                        search=answer.get("search") or "", hits={}, source_response_id=response.id)
    db.session.add(saved)
    db.session.flush()
    return saved
