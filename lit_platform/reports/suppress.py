"""Small-group suppression and the shared wording of report figures."""
from __future__ import annotations

from ..core.types import utcnow
from .filters import ReportFilters

TOO_FEW = "fewer than {n}"


class Suppressor:
    """Hides counts and figures about fewer people than the minimum group size (zero is shown: it names no one)."""

    def __init__(self, min_group: int):
        self.min_group = max(1, int(min_group))

    def enough(self, people: int) -> bool:
        return people >= self.min_group

    def count(self, people: int) -> int | str:
        return people if people == 0 or self.enough(people) else TOO_FEW.format(n=self.min_group)

    def count_value(self, people: int) -> int | None:
        """For JSON: the number, or None when it is suppressed."""
        return people if people == 0 or self.enough(people) else None

    def too_few_sentence(self, people: int, what: str) -> str:
        if people == 0:
            return f"None in this selection: 0 {what}."
        return (f"Fewer than {self.min_group} {what}, so the figures are not shown: with so few people, "
                f"results could identify individuals.")


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
