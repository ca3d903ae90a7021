"""Small-group suppression: the one rule every page, export and API applies to figures about people.

A figure about people (a mean, a rate, a distribution of answers, someone's score, a comment) is
shown only when it describes at least the minimum group size (`LIT_REPORT_MIN_GROUP`). A count of
people is shown when it is zero or at least that size; a count that is hidden must not be
recoverable by subtraction, so `protect_parts` hides a second part of the same total where needed.

What is not a figure about people: how many people have started or handed in a test while a
facilitator runs it (they can see the room), places offered, sessions run.
"""
from __future__ import annotations

from collections.abc import Sequence

from flask import current_app

TOO_FEW = "fewer than {n}"
#: a count hidden so that a small one beside it cannot be worked out by subtraction
HIDDEN_WITH_SMALL = "not shown"


class Suppressor:
    """Hides counts and figures about fewer people than the minimum group size (zero is shown: it names no one)."""

    def __init__(self, min_group: int):
        self.min_group = max(1, int(min_group))

    def enough(self, people: int) -> bool:
        """True when a figure about `people` people may be shown."""
        return people >= self.min_group

    def shown(self, people: int) -> bool:
        """True when a count of `people` may be shown (zero names no one)."""
        return people == 0 or self.enough(people)

    def count(self, people: int) -> int | str:
        return people if self.shown(people) else TOO_FEW.format(n=self.min_group)

    def count_value(self, people: int) -> int | None:
        """For JSON: the number, or None when it is suppressed."""
        return people if self.shown(people) else None

    def rate(self, part: int, whole: int) -> float | None:
        """part ÷ whole, or None when the rate would give away a hidden count (the part or the rest)."""
        if not whole or not self.enough(whole) or not self.shown(part) or not self.shown(whole - part):
            return None
        return part / whole

    def too_few_sentence(self, people: int, what: str) -> str:
        if people == 0:
            return f"None in this selection: 0 {what}."
        return (f"Fewer than {self.min_group} {what}, so the figures are not shown: with so few people, "
                f"results could identify individuals.")

    def note(self) -> str:
        """The sentence every page and export carries."""
        return (f"Figures about fewer than {self.min_group} people are not shown, and neither is any figure "
                "from which one could be worked out.")

    def protect_parts(self, parts: Sequence[int], always_hidden: Sequence[int] = (),
                      visible: Sequence[bool] | None = None) -> list[bool]:
        """Which parts of a shown total may be shown (True), so that no hidden part can be worked out.

        `parts` add up to a total shown elsewhere; `always_hidden` are further parts of it that are
        never shown (bookings whose attendance was not marked, learners who did not complete).
        Small non-zero parts are hidden; while the hidden parts together come to 1 to min_group − 1
        people, or a hidden part is the only one (so total minus the shown parts would give it away),
        the smallest shown non-zero part is hidden too. `visible` starts from an earlier decision (for
        tables that add up two ways).
        """
        visible = [ok and self.shown(p) for p, ok in zip(parts, visible or [True] * len(parts))]
        hidden_total = sum(p for p, ok in zip(parts, visible) if not ok) + sum(always_hidden)
        never_shown = sum(1 for p in always_hidden if p)

        def exposed() -> bool:
            # A lone hidden cell is the total minus the rest, whatever its size.
            hidden_cells = sum(1 for p, ok in zip(parts, visible) if not ok and p) + never_shown
            lone = hidden_cells == 1 and not all(visible)
            return 0 < hidden_total < self.min_group or lone

        while exposed():
            candidates = [i for i, ok in enumerate(visible) if ok and parts[i] > 0]
            if not candidates:
                break
            smallest = min(candidates, key=lambda i: parts[i])
            visible[smallest] = False
            hidden_total += parts[smallest]
        return visible

    def protect_table(self, rows: Sequence[Sequence[int]], row_parts: Sequence[int] = (),
                      row_unshown: Sequence[int] = ()) -> list[list[bool]]:
        """Which cells of a table of counts may be shown: each column adds up to a total shown elsewhere,
        and in each row the columns `row_parts` (plus the never-shown `row_unshown[r]`) add up to
        another of its cells. Repeats both checks until neither hides anything more."""
        visible = [[self.shown(v) for v in row] for row in rows]
        changed = True
        while changed:
            changed = False
            for c in range(len(rows[0]) if rows else 0):
                column = self.protect_parts([row[c] for row in rows], visible=[v[c] for v in visible])
                for r, ok in enumerate(column):
                    changed |= visible[r][c] != ok
                    visible[r][c] = ok
            if row_parts:
                for r, row in enumerate(rows):
                    unshown = [row_unshown[r]] if row_unshown else []
                    decided = self.protect_parts([row[c] for c in row_parts], unshown,
                                                 visible=[visible[r][c] for c in row_parts])
                    for c, ok in zip(row_parts, decided):
                        changed |= visible[r][c] != ok
                        visible[r][c] = ok
        return visible

    def cell(self, people: int, visible: bool) -> int | str:
        """A count for a table: the number, "fewer than N" for a small one, "not shown" for one hidden with it."""
        if visible:
            return people
        return TOO_FEW.format(n=self.min_group) if not self.shown(people) else HIDDEN_WITH_SMALL


def suppressor() -> Suppressor:
    """The installation's rule (needs an app context)."""
    return Suppressor(current_app.config["LIT_REPORT_MIN_GROUP"])
