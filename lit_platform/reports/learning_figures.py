"""Learning figures from the participants' result rows (queries.ResultRows), as numpy arrays: pure functions.

Each row holds a participant's counted scores and, for the pre- and post-test, the mark and the marks
available for every item of the instrument (in the order of that row's `item_ids`). Rows are grouped
by that order, so every group is one matrix.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from .queries import ResultRows

RIGHT = 0.999  # a fraction this high counts as fully right


@dataclass
class PairingCounts:
    took_pre: int = 0
    took_post: int = 0
    paired: int = 0
    pre_only: int = 0
    post_only: int = 0
    conflicts: int = 0
    delayed_pairs: int = 0


def _percent_array(values) -> np.ndarray:
    return np.array([np.nan if v is None else float(v) for v in values], dtype=float)


@dataclass
class Arrays:
    """Column arrays of the rows, and which rows are paired."""
    instrument: np.ndarray
    unit: np.ndarray
    conflict: np.ndarray
    pre: np.ndarray
    post: np.ndarray
    delayed: np.ndarray
    paired: np.ndarray

    @classmethod
    def of(cls, rows: ResultRows) -> Arrays:
        pre, post = _percent_array(rows.pre), _percent_array(rows.post)
        conflict = np.array(rows.conflict, dtype=bool)
        return cls(np.array(rows.instrument_id, dtype=np.int64),
                   np.array([-1 if u is None else u for u in rows.unit_id], dtype=np.int64),
                   conflict, pre, post, _percent_array(rows.delayed),
                   ~conflict & ~np.isnan(pre) & ~np.isnan(post))


def pairing_counts(a: Arrays) -> PairingCounts:
    has_pre, has_post = ~np.isnan(a.pre), ~np.isnan(a.post)
    ok = ~a.conflict
    return PairingCounts(
        took_pre=int(has_pre.sum()), took_post=int(has_post.sum()), paired=int(a.paired.sum()),
        pre_only=int((ok & has_pre & ~has_post).sum()), post_only=int((ok & ~has_pre & has_post).sum()),
        conflicts=int(a.conflict.sum()),
        delayed_pairs=int((ok & has_post & ~np.isnan(a.delayed)).sum()))


@dataclass
class Block:
    """Rows of one instrument that share one item order: their marks as matrices (rows x items)."""
    instrument_id: int
    item_ids: np.ndarray
    rows: np.ndarray  # indexes into the row lists
    pre_marks: np.ndarray
    pre_max: np.ndarray
    post_marks: np.ndarray
    post_max: np.ndarray


def blocks(rows: ResultRows, selected: np.ndarray) -> list[Block]:
    """The selected rows' marks, one block per instrument and item order (float32 matrices)."""
    found = []
    for (instrument_id, _), layout in sorted(rows.items.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        mask = selected[layout.rows]
        if not mask.any() or not len(layout.ids):
            continue
        m = layout.matrices
        found.append(Block(int(instrument_id), layout.ids, layout.rows[mask], m["pre_marks"][mask],
                           m["pre_max"][mask], m["post_marks"][mask], m["post_max"][mask]))
    return found


@dataclass
class ItemChange:
    question_id: int
    instrument_id: int
    before_n: int
    before_facility: float | None
    after_n: int
    after_facility: float | None
    both_n: int
    #: wrong before and right after, and the reverse (McNemar's b and c)
    improved: int
    worsened: int


def item_changes(rows: ResultRows, a: Arrays) -> list[ItemChange]:
    """Per item, over paired learners: facility before and after, and who changed from wrong to right."""
    totals: dict[tuple[int, int], np.ndarray] = {}
    for block in blocks(rows, a.paired):
        seen_pre, seen_post = block.pre_max > 0, block.post_max > 0
        with np.errstate(invalid="ignore", divide="ignore"):
            fraction_pre = np.where(seen_pre, np.nan_to_num(block.pre_marks) / np.where(seen_pre, block.pre_max, 1), 0)
            fraction_post = np.where(seen_post, np.nan_to_num(block.post_marks) / np.where(seen_post, block.post_max, 1),
                                     0)
        right_pre, right_post = seen_pre & (fraction_pre >= RIGHT), seen_post & (fraction_post >= RIGHT)
        both = seen_pre & seen_post
        stacked = np.vstack([seen_pre.sum(0), fraction_pre.sum(0, dtype=np.float64), seen_post.sum(0),
                             fraction_post.sum(0, dtype=np.float64),
                             both.sum(0), (both & ~right_pre & right_post).sum(0),
                             (both & right_pre & ~right_post).sum(0)])
        for j, question_id in enumerate(block.item_ids):
            key = (block.instrument_id, int(question_id))
            totals[key] = totals.get(key, 0) + stacked[:, j]
    changes = []
    for (instrument_id, question_id), t in sorted(totals.items()):
        before_n, after_n = int(t[0]), int(t[2])
        if before_n == 0 and after_n == 0:
            continue
        changes.append(ItemChange(question_id, instrument_id, before_n, t[1] / before_n if before_n else None,
                                  after_n, t[3] / after_n if after_n else None, int(t[4]), int(t[5]), int(t[6])))
    return changes


def group_scores(rows: ResultRows, a: Arrays, outcome_of: dict[int, str],
                 groupings: dict[str, dict]) -> dict[str, dict[str, tuple[np.ndarray, np.ndarray]]]:
    """Each paired learner's percentage before and after on the items of each group.

    `groupings[dimension][(instrument id, outcome code)]` lists the group labels the outcome belongs to;
    a learner counts in a group when both their tests had items of it.
    """
    collected: dict[str, dict[str, list]] = {d: defaultdict(lambda: ([], [])) for d in groupings}
    for block in blocks(rows, a.paired):
        pre_marks, post_marks = np.nan_to_num(block.pre_marks), np.nan_to_num(block.post_marks)
        for dimension, mapping in groupings.items():
            members: dict[str, np.ndarray] = {}
            for j, question_id in enumerate(block.item_ids):
                for label in mapping.get((block.instrument_id, outcome_of.get(int(question_id), "")), ()):
                    members.setdefault(label, np.zeros(len(block.item_ids), dtype=bool))[j] = True
            for label, columns in members.items():
                pre_points = block.pre_max[:, columns].sum(1, dtype=np.float64)
                post_points = block.post_max[:, columns].sum(1, dtype=np.float64)
                keep = (pre_points > 0) & (post_points > 0)
                if keep.any():
                    pre = pre_marks[:, columns].sum(1, dtype=np.float64)[keep]
                    post = post_marks[:, columns].sum(1, dtype=np.float64)[keep]
                    collected[dimension][label][0].append(100.0 * pre / pre_points[keep])
                    collected[dimension][label][1].append(100.0 * post / post_points[keep])
    return {dimension: {label: (np.concatenate(pre), np.concatenate(post)) for label, (pre, post) in groups.items()}
            for dimension, groups in collected.items()}


@dataclass
class PostTest:
    instrument_id: int
    form: str | None
    question_ids: list[int]
    marks: np.ndarray  # attempts x items
    max_marks: np.ndarray


def post_tests(rows: ResultRows, a: Arrays) -> list[PostTest]:
    """The counted post-tests, one matrix per instrument and parallel form (each form is its own test)."""
    has_post = ~a.conflict & ~np.isnan(a.post)
    found = []
    for block in blocks(rows, has_post):
        forms = np.array([rows.post_form[i] or "" for i in block.rows])
        for form in np.unique(forms):
            mask = forms == form
            max_marks = block.post_max[mask].max(0)
            columns = max_marks > 0
            if columns.any():
                found.append(PostTest(block.instrument_id, form or None, [int(q) for q in block.item_ids[columns]],
                                      np.nan_to_num(block.post_marks[mask][:, columns]).astype(np.float64),
                                      max_marks[columns].astype(np.float64)))
    found.sort(key=lambda t: (t.instrument_id, t.form or ""))
    return found


@dataclass
class ConfidenceChange:
    confidence_id: int
    instrument_id: int
    n: int
    before: float | None
    after: float | None


def confidence_changes(rows: ResultRows, a: Arrays) -> list[ConfidenceChange]:
    """Mean self-rating before and after, per statement, over paired learners who rated it both times."""
    totals: dict[tuple[int, int], np.ndarray] = {}
    for (instrument_id, _), layout in rows.confidence.items():
        mask = a.paired[layout.rows]
        if not mask.any():
            continue
        before = layout.matrices["pre_confidence"][mask].astype(float)
        after = layout.matrices["post_confidence"][mask].astype(float)
        both = (before > 0) & (after > 0)
        sums = np.vstack([both.sum(0), np.where(both, before, 0).sum(0), np.where(both, after, 0).sum(0)])
        for j, confidence_id in enumerate(layout.ids):
            key = (int(instrument_id), int(confidence_id))
            totals[key] = totals.get(key, 0) + sums[:, j]
    return [ConfidenceChange(confidence_id, instrument_id, int(t[0]), t[1] / t[0] if t[0] else None,
                             t[2] / t[0] if t[0] else None)
            for (instrument_id, confidence_id), t in sorted(totals.items())]
