"""Terms: the periods the manager's headline figures cover (pure functions).

A year has three terms of four months, as most UK universities and colleges run them and as library services
report in thirds of a year: spring (January to April), summer (May to August) and autumn (September to December).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

#: (first month, name) of each term, in calendar order
TERMS = ((1, "Spring"), (5, "Summer"), (9, "Autumn"))


@dataclass(frozen=True)
class Term:
    name: str
    first_day: date
    last_day: date

    @property
    def label(self) -> str:
        """For example "Autumn term 2026"."""
        return f"{self.name} term {self.first_day.year}"

    @property
    def dates(self) -> str:
        """For example "1 September to 31 December 2026"."""
        return f"{self.first_day.day} {self.first_day:%B} to {self.last_day.day} {self.last_day:%B %Y}"


def term_containing(day: date) -> Term:
    index = max(i for i, (month, _) in enumerate(TERMS) if month <= day.month)
    first = date(day.year, TERMS[index][0], 1)
    if index + 1 < len(TERMS):
        following = date(day.year, TERMS[index + 1][0], 1)
    else:
        following = date(day.year + 1, TERMS[0][0], 1)
    return Term(TERMS[index][1], first, following - timedelta(days=1))


def last_term(today: date) -> Term:
    """The most recent term that has ended: the one before the term `today` falls in."""
    return term_containing(term_containing(today).first_day - timedelta(days=1))
