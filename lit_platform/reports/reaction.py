"""The reaction report (Kirkpatrick level 1): what learners said about the sessions."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from . import queries
from .document import Chart, ChartDrawing, ReportDocument, Section, Table
from .filters import ReportFilters
from .suppress import Suppressor, describe_filters, generated_now

METHODS = [
    ("Reaction survey", "Asked of learners after a session they attended: how useful it was and how confident "
                        "they now feel (1 = not at all, 5 = very), whether they would recommend it, and a comment."),
    ("Mean rating", "The average of the 1–5 ratings."),
    ("Comments", "Shown newest first; a librarian can hide a comment (for example if it is abusive or names "
                 "someone). Hidden comments still count in the ratings."),
    ("Small groups", "Results from fewer people than the installation's minimum group size are not shown."),
]
QUESTIONS = {"usefulness": "How useful was the session?", "confidence": "How confident do you feel now?"}


def build(filters: ReportFilters, zone: str, min_group: int, filter_labels: dict, now: datetime,
          include_hidden: bool = False) -> ReportDocument:
    hide = Suppressor(min_group)
    figures = queries.reaction(filters, zone, now, include_hidden=include_hidden)
    sections = [_ratings(figures, hide), _comments(figures, hide, zone)]
    return ReportDocument(key="reaction", title="Reaction: what learners said", generated_at=generated_now(),
                          filters=describe_filters(filters, filter_labels), sections=sections, methods=METHODS,
                          min_group=min_group)


def _mean(distribution: dict[int, int]) -> float | None:
    total = sum(distribution.values())
    return sum(value * count for value, count in distribution.items()) / total if total else None


def _ratings(f: queries.ReactionFigures, hide: Suppressor) -> Section:
    section = Section("ratings", "Ratings")
    if not hide.enough(f.n):
        section.summary.append(hide.too_few_sentence(f.n, "survey responses"))
        section.data = {"responses": hide.count_value(f.n)}
        return section
    recommend = f.recommend_yes / f.n
    means = {name: _mean(getattr(f, name)) for name in QUESTIONS}
    section.summary.append(f"{f.n} responses: usefulness {means['usefulness']:.1f} out of 5, confidence "
                           f"{means['confidence']:.1f} out of 5; {recommend:.0%} would recommend the session.")
    section.tables.append(Table("Summary", ["Question", "Responses", "Mean (1–5)", "Would recommend"], [
        [QUESTIONS["usefulness"], f.n, means["usefulness"], None],
        [QUESTIONS["confidence"], f.n, means["confidence"], None],
        ["Would you recommend it?", f.n, None, recommend]], decimals=2, percent_columns={3}))
    section.data = {"responses": f.n, "would_recommend": recommend, **{
        name: {"mean": means[name], "distribution": {str(v): getattr(f, name).get(v, 0) for v in range(1, 6)}}
        for name in QUESTIONS}}
    for name, question in QUESTIONS.items():
        distribution = getattr(f, name)
        labels = ["1", "2", "3", "4", "5"]
        counts = [distribution.get(v, 0) for v in range(1, 6)]
        top = max(range(5), key=lambda k: counts[k])
        text = f"{question} Most often rated {labels[top]} ({counts[top]} of {f.n}); mean {means[name]:.1f}."
        section.charts.append(Chart(question, text,
                                    ChartDrawing("distribution_bars", dict(labels=labels, counts=counts,
                                                                           title=question)),
                                    Table(question, ["Rating", "Responses"],
                                          [[label, count] for label, count in zip(labels, counts)])))
    return section


def _comments(f: queries.ReactionFigures, hide: Suppressor, zone: str) -> Section:
    section = Section("comments", "Comments")
    if not hide.enough(f.n):
        section.summary.append("Comments are not shown for fewer responses than the minimum group size.")
        return section
    tz = ZoneInfo(zone)
    rows = [[comment, title, starts_at.astimezone(tz).strftime("%d %b %Y"), "Hidden" if hidden else ""]
            for _, comment, title, starts_at, hidden in f.comments]
    section.data["comments"] = [{"id": cid, "comment": comment, "session": title, "hidden": hidden}
                                for cid, comment, title, _, hidden in f.comments]
    section.data["comment_ids"] = [cid for cid, *_ in f.comments]
    if rows:
        section.tables.append(Table("Latest comments", ["Comment", "Session", "Date", "Status"], rows,
                                    note=f"The {len(rows)} most recent comments."))
    else:
        section.summary.append("No comments for these filters.")
    return section
