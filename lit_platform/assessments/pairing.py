"""Pre/post pairing and counterbalancing, as pure functions.

Rules (documented for librarians in the reports):
- A participant's *first submitted* attempt in each phase counts. Later attempts in the same phase
  are kept and reported ("repeated"), never silently merged or dropped.
- A pair needs a counted pre and a counted post. A post without a pre, or a pre without a post, is
  reported as unpaired with the reason.
- An attempt closed before it was finished counts, marked incomplete.
- For an anonymous code, two pre attempts (or two post attempts) are taken to mean two people chose
  the same code: the participant is flagged as a conflict for the librarian and left out of pairs
  rather than merged, since either pre-test could belong with either post-test.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

PHASES = ("pre", "post", "delayed")


def assign_form(used: dict[str, int]) -> str:
    """The parallel form for a new participant's pre-test: whichever has been used less (A on a tie).

    Their post-test uses the other form, so over a group half take A first and half take B first.
    """
    return "A" if used.get("A", 0) <= used.get("B", 0) else "B"


def other_form(form: str | None) -> str | None:
    return {"A": "B", "B": "A"}.get(form)


@dataclass(frozen=True)
class PhaseAttempt:
    participant_id: int
    phase: str
    attempt_id: int
    submitted_at: datetime
    score: float  # fraction of the maximum, 0..1
    complete: bool = True


@dataclass
class ParticipantResult:
    participant_id: int
    anonymous: bool
    counted: dict[str, PhaseAttempt] = field(default_factory=dict)
    repeated: dict[str, int] = field(default_factory=dict)

    @property
    def conflict(self) -> bool:
        return self.anonymous and (self.repeated.get("pre", 0) > 0 or self.repeated.get("post", 0) > 0)

    @property
    def status(self) -> str:
        if self.conflict:
            return "conflict"
        if "pre" in self.counted and "post" in self.counted:
            return "paired"
        if "post" in self.counted:
            return "post only"
        if "pre" in self.counted:
            return "pre only"
        return "no attempts"

    @property
    def is_paired(self) -> bool:
        return self.status == "paired"


def pair_attempts(attempts: list[PhaseAttempt], anonymous_ids: set[int] = frozenset()) -> dict[int, ParticipantResult]:
    """Group attempts by participant and pick the one that counts in each phase."""
    results: dict[int, ParticipantResult] = {}
    for attempt in sorted(attempts, key=lambda a: (a.submitted_at, a.attempt_id)):
        if attempt.phase not in PHASES:
            raise ValueError(f"unknown phase {attempt.phase!r}")
        result = results.setdefault(attempt.participant_id, ParticipantResult(
            attempt.participant_id, attempt.participant_id in anonymous_ids))
        if attempt.phase in result.counted:
            result.repeated[attempt.phase] = result.repeated.get(attempt.phase, 0) + 1
        else:
            result.counted[attempt.phase] = attempt
    return results


@dataclass(frozen=True)
class PairingSummary:
    took_pre: int
    took_post: int
    paired: int
    pre_only: int
    post_only: int
    conflicts: int
    incomplete_pairs: int


def summarise(results: dict[int, ParticipantResult]) -> PairingSummary:
    values = list(results.values())
    return PairingSummary(
        took_pre=sum("pre" in r.counted for r in values),
        took_post=sum("post" in r.counted for r in values),
        paired=sum(r.is_paired for r in values),
        pre_only=sum(r.status == "pre only" for r in values),
        post_only=sum(r.status == "post only" for r in values),
        conflicts=sum(r.conflict for r in values),
        incomplete_pairs=sum(r.is_paired and not all(r.counted[p].complete for p in ("pre", "post")) for r in values),
    )
