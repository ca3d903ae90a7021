"""The shared wording of report figures; the small-group rule itself is core.small_groups (re-exported here)."""
from __future__ import annotations

from ..core.types import utcnow
from ..core.small_groups import HIDDEN_WITH_SMALL, TOO_FEW, Suppressor, suppressor  # noqa: F401
from .filters import ReportFilters

def fmt_p(p: float | None) -> str | None:
    if p is None:
        return None
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def describe_filters(filters: ReportFilters, labels: dict[str, str]) -> list[tuple[str, str]]:
    """(label, value) pairs for the filters in force, in words; `labels` names the ids (course titles etc.)."""
    described = []
    if filters.date_from or filters.date_to:
        described.append(("Dates", f"{filters.date_from.isoformat() if filters.date_from else 'any'} to "
                                   f"{filters.date_to.isoformat() if filters.date_to else 'now'}"))
    for name, title in (("course", "Course"), ("session", "Session"), ("instrument", "Test"),
                        ("unit", "Organisation unit"), ("facilitator", "Facilitator"), ("mode", "Delivery")):
        value = getattr(filters, name)
        if value:
            described.append((title, labels.get(name) or str(value)))
    if filters.own_sessions_of:
        described.append(("Scope", "Sessions you facilitate"))
    return described or [("Filters", "None: everything")]


def generated_now():
    return utcnow()
