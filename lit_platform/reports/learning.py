"""The learning report (Kirkpatrick level 2): did scores rise between the pre-test and the post-test?"""
from __future__ import annotations

import math

import numpy as np
from flask import url_for

from ..quizzes import lint
from . import learning_figures as figures, queries
from .document import Chart, ChartDrawing, ReportDocument, Section, Table
from .filters import ReportFilters
from .stats import (ALPHA_TO_COMPARE, PairedSummary, cronbach_alpha, feldt_interval, interpret_d, interpret_gain,
                    item_analysis, mcnemar, paired_summary, t_quantile)
from .suppress import Suppressor, describe_filters, fmt_p, generated_now

#: item-analysis flags, with what to do about each
DISCRIMINATION_LOW = 20.0
EASY_BEFORE = 0.85

METHODS = [
    ("Pairing", "Each learner's first finished pre-test and first finished post-test count; later attempts "
                "are kept but not used. A walk-in code used for two pre-tests or two post-tests is a conflict "
                "and is left out of the pairs. Learners with only one of the two tests are counted as unpaired."),
    ("Scores", "Percentages of the marks available on the test a learner took (parallel forms A and B are "
               "scored separately and compared as percentages)."),
    ("Paired t-test", "Two-sided test of the mean change (after − before) with n − 1 degrees of freedom; the "
                      "95% confidence interval of the mean change uses the t distribution."),
    ("Cohen's d_z (paired)", "Mean change divided by the standard deviation of the changes."),
    ("Cohen's d_av", "Mean change divided by the root mean square of the before and after standard deviations."),
    ("Cohen's d_rm (repeated measures)", "d_z × √(2(1 − r)), where r is the before/after correlation."),
    ("Normalised gain (Hake's g)", "(mean after − mean before) ÷ (100 − mean before): the share of the possible "
                                   "improvement that was achieved. Below 0.3 low, 0.3–0.7 medium, 0.7 and above "
                                   "high (Hake 1998)."),
    ("Average individual gain (g_ave)", "The mean of each learner's own normalised gain, leaving out learners "
                                        "who scored 100% before."),
    ("Wilcoxon signed-rank test", "Does not assume normally distributed changes. Exact p-value for up to 50 "
                                  "learners with no ties or zero changes, otherwise the normal approximation "
                                  "with tie and continuity corrections."),
    ("Effect size labels", "Cohen (1988): below 0.2 negligible, 0.2 small, 0.5 medium, 0.8 large."),
    ("McNemar's test", "Per item, among learners who answered it both times: b learners went from wrong to "
                       "right and c from right to wrong. Exact binomial p-value when b + c < 25, otherwise "
                       "chi-square with continuity correction."),
    ("Item analysis", "As in Moodle's quiz statistics, on each post-test form: facility (mean mark as a share "
                      "of the maximum), discrimination index (correlation of the item with the rest of the "
                      "test, × 100), discriminative efficiency, effective weight, and for the test Cronbach's "
                      "alpha (coefficient of internal consistency), error ratio and standard error."),
    ("Performance tasks", "Search strategies, lateral-reading investigations and appraisal checklists are "
                          "scored with a rubric. For each criterion: the mean share of it achieved by the same "
                          "learners before and after, and how many did better, the same or worse. For "
                          "checklists, each criterion is agreement with the expert on one item; Cohen's kappa "
                          "pools every learner's answers against the expert's."),
    ("Reliability", "Cronbach's alpha of each post-test form, with Feldt's (1965) 95% confidence interval: "
                    "(1 − α)/(1 − α̂) follows an F distribution with n − 1 and (n − 1)(k − 1) degrees of freedom for n "
                    "attempts at k items. Below 0.7 a test is too unreliable to compare groups (Nunnally 1978). An "
                    "outcome measured by fewer than three items on a form is flagged too."),
    ("Item-writing checks", "The questions as the counted post-tests showed them (the stored versions, not later "
                            "edits) checked against item-writing guidelines (Haladyna, Downing and Rodriguez 2002): "
                            "the same checks as `lit courses lint` and the question bank, listed in courses/README.md."),
    ("Small groups", "Figures about fewer people than the installation's minimum group size are not shown."),
]
PERFORMANCE_TYPES = ("search_strategy", "lateral_reading", "appraisal_checklist")


def build(filters: ReportFilters, zone: str, min_group: int, filter_labels: dict) -> ReportDocument:
    hide = Suppressor(min_group)
    rows = queries.learning_rows(filters, zone)
    arrays = figures.Arrays.of(rows)
    infos = queries.instruments()
    outcome_info = queries.outcomes_by_instrument(infos)
    codes = queries.instrument_outcome_codes()
    questions = queries.question_info({int(q) for layout in rows.items.values() for q in layout.ids})
    outcome_of = {qid: info[2] for qid, info in questions.items()}
    post_tests = figures.post_tests(rows, arrays)
    counts_shown = _counts_visibility(figures.pairing_counts(arrays), arrays, hide)
    sections = [
        _headline(arrays, infos, hide, counts_shown, _post_test_alphas(post_tests, hide)),
        _outcomes(figures.group_scores(rows, arrays, outcome_of, _groupings(infos, codes, outcome_info)), hide),
        _confidence(figures.confidence_changes(rows, arrays), infos, hide),
        _retention(arrays, hide),
    ]
    tests_in_scope = sorted(set(rows.instrument_id))
    # Post-test attempts are the paired learners plus the post-test only: shown only when that count is.
    exact_attempts = _attempts_visibility(post_tests, counts_shown["post_only"], hide)
    if tests_in_scope:
        held: dict[int, set[int]] = {}
        for test in post_tests:
            held.setdefault(test.instrument_id, set()).update(test.question_ids)
        sections.append(_reliability(tests_in_scope, post_tests, infos, queries.post_test_versions(filters, zone, held),
                                     queries.confidence_outcomes(), outcome_info, hide, exact_attempts))
    if len(tests_in_scope) > 1:
        sections.append(_one_test_at_a_time(tests_in_scope, infos, filters))
    else:
        changes = figures.item_changes(rows, arrays)
        sections += [_item_change(changes, questions, hide),
                     _item_analysis(post_tests, infos, questions, hide,
                                    {c.question_id: c.before_facility for c in changes}, exact_attempts)]
        if tests_in_scope:
            sections.append(_performance(queries.performance_tasks(filters, zone, PERFORMANCE_TYPES), questions, hide))
    return ReportDocument(key="learning", title="Learning: before and after teaching", generated_at=generated_now(),
                          filters=describe_filters(filters, filter_labels), sections=sections, methods=METHODS,
                          min_group=min_group)


# Sections -------------------------------------------------------------------------------------

_COUNT_ROWS = [("took_pre", "Took the pre-test"), ("took_post", "Took the post-test"),
               ("paired", "Paired (both tests)"), ("pre_only", "Pre-test only"), ("post_only", "Post-test only"),
               ("conflicts", "Walk-in codes used twice (conflicts, not paired)")]


def _counts_visibility(counts: figures.PairingCounts, a: figures.Arrays, hide: Suppressor) -> dict[str, bool]:
    """Which of the pairing counts may be shown. Took-the-pre-test = paired + pre-test only + the conflicts
    with a pre-test (and likewise after): where a hidden part could be worked out from a total, the total is
    hidden rather than the paired count that every figure below rests on."""
    shown = {name: hide.shown(getattr(counts, name)) for name, _ in _COUNT_ROWS}
    conflicts_with = {"took_pre": int((a.conflict & ~np.isnan(a.pre)).sum()),
                      "took_post": int((a.conflict & ~np.isnan(a.post)).sum())}
    for total, only in (("took_pre", "pre_only"), ("took_post", "post_only")):
        hidden = (0 if shown[only] else getattr(counts, only)) + (0 if shown["conflicts"] else conflicts_with[total])
        if not shown["paired"]:
            hidden += counts.paired
        if 0 < hidden < hide.min_group:
            shown[total] = False
    return shown


def _attempts_visibility(tests, total_shown: bool, hide: Suppressor) -> dict[tuple[int, str | None], bool]:
    """Whether each post-test form's number of attempts may be shown: the forms add up to the paired learners
    plus the post-test only, so none is shown when that count is hidden, and a small one hides another."""
    shown = hide.protect_parts([len(t.marks) for t in tests])
    return {(t.instrument_id, t.form): ok and total_shown for t, ok in zip(tests, shown)}


def _post_test_alphas(tests, hide: Suppressor) -> list[tuple[float, tuple[float, float] | None]]:
    """Cronbach's alpha (with Feldt's interval) of each post-test form with enough attempts to be shown."""
    found = []
    for test in tests:
        attempts = len(test.marks)
        alpha = cronbach_alpha(test.marks) if hide.enough(attempts) else None
        if alpha is not None:
            found.append((alpha, feldt_interval(alpha, attempts, len(test.question_ids))))
    return found


def _headline(a: figures.Arrays, infos, hide: Suppressor, shown: dict[str, bool], alphas) -> Section:
    counts = figures.pairing_counts(a)
    count_table = Table("Who took the tests", ["Group", "Learners"], [
        [label, hide.cell(getattr(counts, name), shown[name])] for name, label in _COUNT_ROWS
    ], note="Unpaired learners are listed so that a low follow-up rate is never hidden.")
    section = Section("summary", "Overall change", tables=[count_table],
                      data={"counts": {name: getattr(counts, name) if shown.get(name, hide.shown(value)) else None
                                       for name, value in vars(counts).items()}})
    if not hide.enough(counts.paired):
        section.summary.append(hide.too_few_sentence(counts.paired, "learners took both tests"))
        section.data["paired"] = None
        return section
    pre, post = a.pre[a.paired], a.post[a.paired]
    summary = paired_summary(pre, post, max_score=100)
    section.plain = plain_summary(summary, alphas)
    section.summary.append(_sentence(summary))
    section.tables.insert(0, _summary_table("Paired summary, all tests", summary))
    section.data["paired"] = _summary_json(summary)
    section.charts.append(_paired_chart(summary, pre, post))

    instruments = a.instrument[a.paired]
    if len(np.unique(instruments)) > 1:
        groups = [(infos[i].title if i in infos else f"Test {i}", instruments == i) for i in np.unique(instruments)]
        section.tables.append(_breakdown("By test", "Test", sorted(groups), pre, post, hide))
    units = a.unit[a.paired]
    if (units >= 0).any():
        names = queries.unit_names()
        groups = [(names.get(int(u), "No unit") if u >= 0 else "No unit (or a walk-in code)", units == u)
                  for u in np.unique(units)]
        section.tables.append(_breakdown("By the learner's organisation unit", "Unit", sorted(groups, key=lambda g: g[0]),
                                         pre, post, hide))
    return section


#: below this many paired learners, a single learner moves the average a good deal
FEW_LEARNERS = 20


def plain_summary(s: PairedSummary, alphas: list[tuple[float, tuple[float, float] | None]]) -> list[str]:
    """What changed, for how many, and how sure we are, in words a manager can act on (from the same figures)."""
    sentences = []
    if s.mean_diff is None or s.mean_pre is None or s.mean_post is None:
        return sentences
    points = abs(s.mean_diff)
    direction = ("rose" if s.mean_diff > 0 else "fell") if round(points) > 0 else "hardly changed"
    change = (f"scores {direction} by {points:.0f} percentage point{'' if round(points) == 1 else 's'} on average"
              if direction != "hardly changed" else "scores hardly changed on average")
    sentences.append(f"Of {s.n} learners who took both tests, {change} (from {s.mean_pre:.0f}% to "
                     f"{s.mean_post:.0f}%).")
    if s.ci_low is None or s.ci_high is None:
        sentences.append("The scores vary too little, or there are too few learners, to say how sure this is.")
    else:
        interval = f"95% interval {s.ci_low:.0f} to {s.ci_high:.0f} points"
        if s.ci_low > 0:
            sentences.append(f"We are confident this is a real rise ({interval}).")
        elif s.ci_high < 0:
            sentences.append(f"We are confident this is a real fall ({interval}).")
        else:
            sentences.append(f"We cannot be sure there was a real change: the {interval} includes no change "
                             "at all.")
    if s.n < FEW_LEARNERS:
        sentences.append(f"With only {s.n} learners, a few more results could move these figures a good deal.")
    if alphas:
        alpha, interval = min(alphas, key=lambda pair: pair[0])
        which = "the test" if len(alphas) == 1 else "the least reliable of the tests"
        if alpha < ALPHA_TO_COMPARE:
            sentences.append(f"But {which} is not reliable enough for group comparisons (alpha {alpha:.2f}, below "
                             f"{ALPHA_TO_COMPARE}): part of the change may be measurement noise.")
        elif interval is not None and interval[0] < ALPHA_TO_COMPARE:
            sentences.append(f"{which.capitalize()} is probably reliable enough for group comparisons (alpha "
                             f"{alpha:.2f}), though with so few attempts this is not certain.")
        else:
            sentences.append(f"{which.capitalize()} is reliable enough for group comparisons (alpha {alpha:.2f}).")
    return sentences


def _breakdown(title: str, label: str, groups, pre: np.ndarray, post: np.ndarray, hide: Suppressor) -> Table:
    """One row per group; the groups add up to the paired learners, so a group is also hidden where the
    overall figures minus the shown groups would give away a small one."""
    rows = []
    sizes = [int(mask.sum()) for _, mask in groups]
    for (name, mask), n, shown in zip(groups, sizes, hide.protect_parts(sizes)):
        if not shown:
            rows.append([name, hide.cell(n, False)] + [None] * 5)
            continue
        s = paired_summary(pre[mask], post[mask], max_score=100)
        rows.append([name, s.n, s.mean_pre, s.mean_post, s.mean_diff, s.hake_g, s.d_z])
    return Table(title, [label, "Paired learners", "Before (%)", "After (%)", "Change (points)", "Normalised gain",
                         "Cohen's d_z"], rows, decimals=1, column_decimals={5: 2, 6: 2})


def _outcomes(group_scores, hide: Suppressor) -> Section:
    section = Section("outcomes", "By learning outcome and framework")
    titles = {"outcome": "By learning outcome", "acrl": "By ACRL Framework frame",
              "sconul": "By SCONUL Seven Pillars pillar"}
    chart_labels, chart_pre, chart_post = [], [], []
    for dimension, title in titles.items():
        rows, json_rows = [], []
        for label, (pre, post) in sorted(group_scores.get(dimension, {}).items()):
            if not hide.enough(len(pre)):
                rows.append([label, hide.count(len(pre))] + [None] * 6)
                json_rows.append({"group": label, "n": None, "suppressed": True})
                continue
            s = paired_summary(pre, post, max_score=100)
            rows.append([label, s.n, s.mean_pre, s.mean_post, s.mean_diff, s.hake_g, s.d_z, fmt_p(s.p)])
            json_rows.append({"group": label, **_summary_json(s)})
            if dimension == "outcome":
                chart_labels.append(label)
                chart_pre.append(s.mean_pre)
                chart_post.append(s.mean_post)
        if rows:
            section.tables.append(Table(title, ["Group", "Paired learners", "Before (%)", "After (%)",
                                                "Change (points)", "Normalised gain", "Cohen's d_z",
                                                "p (paired t)"], rows, decimals=1,
                                        column_decimals={5: 2, 6: 2}))
        section.data[dimension] = json_rows
    if chart_labels:
        best = max(range(len(chart_labels)), key=lambda k: chart_post[k] - chart_pre[k])
        worst = min(range(len(chart_labels)), key=lambda k: chart_post[k] - chart_pre[k])
        text = (f"The largest rise was in {chart_labels[best]} ({chart_pre[best]:.0f}% to {chart_post[best]:.0f}%); "
                f"the smallest in {chart_labels[worst]} ({chart_pre[worst]:.0f}% to {chart_post[worst]:.0f}%).")
        section.summary.append(text)
        section.charts.append(Chart(
            "Scores before and after, by learning outcome", text,
            ChartDrawing("gain_per_outcome", dict(labels=chart_labels, pre_means=chart_pre, post_means=chart_post,
                                                  title="Scores before and after, by learning outcome")),
            Table("Scores by learning outcome", ["Outcome", "Before (%)", "After (%)"],
                  [[label, a, b] for label, a, b in zip(chart_labels, chart_pre, chart_post)], decimals=1),
            figures_in=titles["outcome"]))
    elif not section.tables:
        section.summary.append("No outcome-level results for these filters.")
    return section


def _confidence(changes, infos, hide: Suppressor) -> Section:
    section = Section("confidence", "Confidence (self-rating, 1 to 5)")
    statements = queries.confidence_statements(c.confidence_id for c in changes)
    several = len({c.instrument_id for c in changes}) > 1
    rows, data = [], []
    for change in changes:
        statement, outcome = statements.get(change.confidence_id, ("(removed statement)", ""))
        label = f"{statement} ({infos[change.instrument_id].title})" if several and change.instrument_id in infos \
            else statement
        if change.n == 0:
            continue
        shown = hide.enough(change.n)
        rows.append([label, outcome, hide.count(change.n)] + (
            [change.before, change.after, change.after - change.before] if shown else [None] * 3))
        data.append({"instrument_id": change.instrument_id, "statement": statement, "outcome": outcome,
                     "n": change.n if shown else None, "before": change.before if shown else None,
                     "after": change.after if shown else None})
    section.data["statements"] = data
    if rows:
        section.tables.append(Table("Mean confidence before and after", ["Statement", "Outcome", "Learners",
                                                                           "Before", "After", "Change"],
                                    rows, decimals=2))
        shown_rows = [r for r in rows if r[3] is not None]
        if shown_rows:
            mean_change = sum(r[5] for r in shown_rows) / len(shown_rows)
            section.summary.append(f"Self-rated confidence changed by {mean_change:+.2f} points on average "
                                   f"across {len(shown_rows)} statements (1 = not at all confident, 5 = very).")
    else:
        section.summary.append("No confidence ratings were given before and after for these filters.")
    return section


def _retention(a: figures.Arrays, hide: Suppressor) -> Section:
    section = Section("retention", "Retention: the follow-up test some weeks later")
    both = ~a.conflict & ~np.isnan(a.post) & ~np.isnan(a.delayed)
    n = int(both.sum())
    if n == 0:
        section.summary.append("No learner has taken a follow-up test for these filters.")
        return section
    if not hide.enough(n):
        section.summary.append(hide.too_few_sentence(n, "learners took the post-test and the follow-up test"))
        return section
    s = paired_summary(a.post[both], a.delayed[both], max_score=100)
    kept = _retention_verb(s)
    section.summary.append(f"Between the post-test and the follow-up test, scores {kept}: "
                           f"{s.mean_pre:.1f}% to {s.mean_post:.1f}% (n = {s.n}; change {s.mean_diff:+.1f} points, "
                           f"{_ci(s)}).")
    section.tables.append(_summary_table("Post-test against follow-up test", s, before="Post-test",
                                         after="Follow-up"))
    section.data["paired"] = _summary_json(s)
    return section


def _retention_verb(s: PairedSummary) -> str:
    """How scores moved from the post-test to the follow-up: "held" only when they did not fall."""
    uncertain = s.ci_low is None or s.ci_high is None or s.ci_low <= 0 <= s.ci_high
    if s.mean_diff < 0:
        return "fell slightly, by no more than chance alone could explain" if uncertain else "fell"
    return "held" if uncertain else "rose"


def _one_test_at_a_time(instrument_ids, infos, filters: ReportFilters) -> Section:
    """Items belong to one test: with several in scope, link to each test's report instead."""
    section = Section("items", "Each item, and the item analysis")
    section.summary.append("Item-level figures are shown for one test at a time: choose a test below, or a course "
                           "or a test in the filters.")
    args = filters.query_args()
    rows = [[(url_for("reports.report", kind="learning", **{**args, "instrument": instrument_id}),
              infos[instrument_id].title if instrument_id in infos else f"Test {instrument_id}")]
            for instrument_id in instrument_ids]
    section.tables.append(Table("Tests in this report", ["Test"], rows, link_column=0, navigation=True))
    section.data["tests"] = [{"instrument_id": i, "title": infos[i].title if i in infos else None}
                             for i in instrument_ids]
    return section


def _item_change(changes, questions, hide: Suppressor) -> Section:
    section = Section("items", "Each item before and after")
    rows, json_rows, chart_rows = [], [], []
    for change in changes:
        key, title, outcome = questions.get(change.question_id, ("", "", ""))
        label = (_bank_link(change.question_id), f"{key}: {title}")
        if not hide.enough(max(change.before_n, change.after_n)):
            rows.append([label, outcome, hide.count(max(change.before_n, change.after_n))] + [None] * 5)
            continue
        test = mcnemar(change.improved, change.worsened) if change.both_n else None
        rows.append([label, outcome, max(change.before_n, change.after_n), change.before_facility,
                     change.after_facility, change.improved, change.worsened,
                     fmt_p(test.p) if test is not None else None])
        json_rows.append({"question_id": change.question_id, "key": key, "outcome": outcome,
                          "facility_before": change.before_facility, "facility_after": change.after_facility,
                          "wrong_to_right": change.improved, "right_to_wrong": change.worsened,
                          "mcnemar_p": test.p if test is not None else None})
        if change.before_facility is not None and change.after_facility is not None:
            chart_rows.append((key, change.before_facility, change.after_facility))
    section.data["items"] = json_rows
    if not rows:
        section.summary.append("No item-level results for these filters.")
        return section
    section.tables.append(Table("Facility (share answering fully right) before and after, paired learners",
                                ["Item", "Outcome", "Learners", "Facility before", "Facility after",
                                 "Wrong → right (b)", "Right → wrong (c)", "p (McNemar)"], rows,
                                decimals=2, link_column=0, percent_columns={3, 4}))
    if chart_rows:
        improved = sum(1 for _, a, b in chart_rows if b > a)
        text = f"{improved} of {len(chart_rows)} items were answered right by more learners after teaching."
        section.summary.append(text)
        section.charts.append(Chart("Facility of each item before and after", text,
                                    ChartDrawing("facility_before_after", dict(
                                        labels=[r[0] for r in chart_rows], before=[r[1] for r in chart_rows],
                                        after=[r[2] for r in chart_rows],
                                        title="Facility of each item before and after")),
                                    Table("Facility by item", ["Item", "Before", "After"],
                                          [list(r) for r in chart_rows], decimals=2, percent_columns={1, 2}),
                                    figures_in=section.tables[0].title))
    return section


def _performance(tasks, questions, hide: Suppressor) -> Section:
    """Each performance task's rubric, criterion by criterion, before and after (paired learners)."""
    from ..exercises.appraisal import kappa_from_counts
    from ..extensions import db
    from ..quizzes.models import QuestionVersion
    from ..quizzes.types import get_type

    section = Section("performance", "Performance tasks: each rubric criterion before and after")
    if not tasks:
        section.summary.append("This test has no performance tasks answered both before and after.")
        return section
    json_tasks = []
    for task in tasks:
        key, title, outcome = questions.get(task.question_id, ("", "", ""))
        label = f"{key}: {title}" if title else key
        if task.parallel_question_id is not None:
            other_key, other_title, _ = questions.get(task.parallel_question_id, ("", "", ""))
            label += " with its parallel task " + (f"{other_key}: {other_title}" if other_title else other_key)
        if not hide.enough(task.learners):
            section.summary.append(hide.too_few_sentence(task.learners, f"the task {label}"))
            continue
        spec = db.session.get(QuestionVersion, task.version_id).spec
        rows = []
        for criterion, criterion_label in get_type(task.type).criteria(spec):
            tally = task.criteria.get(criterion)
            if tally is None or not tally.n:
                continue
            if not hide.enough(tally.n):
                rows.append([criterion_label, hide.count(tally.n)] + [None] * 6)
                continue
            before, after = tally.before / tally.n, tally.after / tally.n
            rows.append([criterion_label, tally.n, 100 * before, 100 * after, 100 * (after - before),
                         tally.better, tally.n - tally.better - tally.worse, tally.worse])
        table = Table(f"{label} ({outcome})" if outcome else label,
                      ["Criterion", "Learners", "Before (%)", "After (%)", "Change (points)", "Better", "Same", "Worse"],
                      rows, decimals=0)
        section.tables.append(table)
        data = {"question_id": task.question_id, "key": key, "type": task.type, "learners": task.learners,
                "parallel_question_id": task.parallel_question_id,
                "criteria": [dict(zip(("criterion", "learners", "before", "after", "change", "better", "same", "worse"),
                                      row if isinstance(row[1], int) else [row[0]] + [None] * 7)) for row in rows]}
        if task.type == "appraisal_checklist":
            kappas = [kappa_from_counts(task.answers_before), kappa_from_counts(task.answers_after)]
            table.note = ("Agreement with the expert beyond chance, every learner's answers pooled (Cohen's kappa): "
                          + ", ".join(f"{when} {k.value:.2f}" if k.value is not None else f"{when} not measurable"
                                      for when, k in zip(("before", "after"), kappas)) + ".")
            data["kappa_before"], data["kappa_after"] = kappas[0].value, kappas[1].value
        json_tasks.append(data)
    section.data["tasks"] = json_tasks
    if json_tasks:
        section.summary.append("What learners could do, not only what they knew: each task's rubric, criterion by "
                               "criterion, for the learners who did it both before and after.")
    return section


def _item_analysis(tests, infos, questions, hide: Suppressor, facility_before: dict[int, float | None],
                   exact_attempts: dict | None = None) -> Section:
    section = Section("item_analysis", "Item analysis of the post-test")
    flagged = 0
    for test in tests:
        title = infos[test.instrument_id].title if test.instrument_id in infos else f"Test {test.instrument_id}"
        name = f"{title}, form {test.form}" if test.form else title
        attempts = len(test.marks)
        if not hide.enough(attempts):
            section.summary.append(hide.too_few_sentence(attempts, f"post-tests on {name}"))
            continue
        analysis = item_analysis(test.marks, test.max_marks)
        rows, json_items = [], []
        for question_id, item in zip(test.question_ids, analysis.items):
            key, text, _ = questions.get(question_id, ("", "", ""))
            flags = _flags(item, facility_before.get(question_id))
            flagged += bool(flags)
            rows.append([(_bank_link(question_id), f"{key}: {text}"), item.facility, item.sd,
                         item.discrimination_index, item.discriminative_efficiency, item.effective_weight,
                         "; ".join(flags) or "–"])
            json_items.append({"question_id": question_id, "key": key, "facility": item.facility, "sd": item.sd,
                               "discrimination_index": item.discrimination_index,
                               "discriminative_efficiency": item.discriminative_efficiency,
                               "effective_weight": item.effective_weight, "flags": flags})
        t = analysis.test
        exact = (exact_attempts or {}).get((test.instrument_id, test.form), True)
        section.tables.append(Table(f"Items of {name} ({t.n} attempts)" if exact else f"Items of {name}",
                                    ["Item", "Facility", "SD", "Discrimination index", "Discriminative efficiency",
                                     "Effective weight (%)", "To review"], rows, decimals=2, link_column=0,
                                    column_decimals={3: 1, 4: 1, 5: 1}, percent_columns={1}))
        section.tables.append(Table(f"Test statistics of {name}", ["Statistic", "Value"], [
            ["Attempts", hide.cell(t.n, exact)], ["Mean mark", t.mean], ["Median mark", t.median],
            ["Standard deviation", t.sd],
            ["Skewness", t.skewness], ["Kurtosis", t.kurtosis],
            ["Coefficient of internal consistency (Cronbach's alpha × 100)", t.cic],
            ["Error ratio (%)", t.error_ratio], ["Standard error", t.standard_error]], decimals=2))
        statistics = ("n", "mean", "median", "sd", "skewness", "kurtosis", "cic", "error_ratio", "standard_error")
        section.data[name] = {"items": json_items, "test": {k: getattr(t, k) if k != "n" or exact else None
                                                            for k in statistics}}
    if flagged:
        section.summary.insert(0, f"{flagged} item(s) are flagged for review: they tell strong and weak learners "
                                  "apart poorly, or most learners knew them before teaching.")
    elif tests:
        section.summary.insert(0, "No item is flagged for review.")
    else:
        section.summary.append("No post-tests for these filters.")
    return section


def _reliability(instrument_ids, tests, infos, versions, confidence, outcome_info, hide: Suppressor,
                 exact_attempts: dict | None = None) -> Section:
    """For each test in scope: items per outcome, alpha with its interval, plain warnings, item-writing findings."""
    section = Section("reliability", "How far to trust each test")
    warnings, reassurances = _Sentences(), []
    for instrument_id in instrument_ids:
        title = infos[instrument_id].title if instrument_id in infos else f"Test {instrument_id}"
        used = versions.get(instrument_id, [])
        latest = {v.question_id: v for v in used}  # ordered by version number: the last one wins
        items = [lint.item_from_version(v.key, v, v.form) for v in latest.values()]
        data = {"title": title, "items_per_outcome": {}, "forms": [], "findings": []}
        section.data[str(instrument_id)] = data
        if not used:
            section.summary.append(f"{title}: no counted post-tests in this selection, so nothing to say about its "
                                   "reliability.")
            continue
        # Items per outcome, per form
        forms = sorted({i["form"] for i in items if i["form"]}) or [None]
        outcomes = sorted({i["outcome"] or "" for i in items if i["type"] != "description"})
        rows = []
        for code in outcomes:
            counts = [sum(1 for i in items if (i["outcome"] or "") == code and i["type"] != "description"
                          and (form is None or i["form"] in (None, form))) for form in forms]
            data["items_per_outcome"][code or "none"] = dict(zip([f or "" for f in forms], counts))
            rows.append([code or "No outcome", *counts])
            if code and min(counts) < lint.MIN_ITEMS_PER_OUTCOME:
                where = " and ".join(f"{n} on form {f}" for f, n in zip(forms, counts)) if forms != [None] \
                    else str(counts[0])
                warnings.append(1, f"{title}: outcome {code} rests on fewer than three items ({where}), too few for "
                                "its before and after figures to be trusted on their own.")
        section.tables.append(Table(f"Items per outcome on {title}", ["Outcome", *(
            [f"Items on form {f}" for f in forms] if forms != [None] else ["Items"])], rows))
        # Alpha with Feldt's interval, per post-test form
        rows = []
        for test in (t for t in tests if t.instrument_id == instrument_id):
            name = f"form {test.form}" if test.form else "post-test"
            attempts, k = len(test.marks), len(test.question_ids)
            if not hide.enough(attempts):
                rows.append([name, hide.count(attempts), k, None, None, None, "not shown: too few attempts"])
                continue
            alpha = cronbach_alpha(test.marks)
            interval = feldt_interval(alpha, attempts, k) if alpha is not None else None
            if alpha is None:
                verdict = "cannot be computed (one item, or no spread in the scores)"
            elif alpha < ALPHA_TO_COMPARE:
                verdict = "too low to compare groups"
                warnings.append(0, f"{title}, {name}: Cronbach's alpha is {alpha:.2f} (95% CI {interval[0]:.2f} to "
                                f"{interval[1]:.2f}), too low to compare groups: a difference between groups or "
                                "between before and after may be measurement noise.")
            elif interval and interval[0] < ALPHA_TO_COMPARE:
                verdict = "high enough to compare groups, but the interval reaches below 0.7"
            else:
                verdict = "high enough to compare groups"
                reassurances.append(f"{title}, {name}: Cronbach's alpha is {alpha:.2f}, high enough to compare groups.")
            exact = (exact_attempts or {}).get((test.instrument_id, test.form), True)
            rows.append([name, hide.cell(attempts, exact), k, alpha, *(interval or (None, None)), verdict])
            data["forms"].append({"form": test.form, "attempts": attempts if exact else None, "items": k,
                                  "alpha": alpha,
                                  "ci_low": interval[0] if interval else None,
                                  "ci_high": interval[1] if interval else None, "verdict": verdict})
        if rows:
            section.tables.append(Table(f"Reliability of {title}", ["Test", "Attempts", "Items", "Cronbach's alpha",
                                                                    "95% CI low", "95% CI high", "Verdict"], rows))
        # Item-writing checks of the versions the post-tests used
        course_outcomes = sorted({code for (iid, code) in outcome_info if iid == instrument_id}) or None
        labelled = [("The test as a whole", f) for f in lint.lint_whole_instrument(
            items, confidence.get(instrument_id, []), course_outcomes, {}, "the post-test")]
        for version in used:
            label = (url_for("bank.question_version", question_id=version.question_id, number=version.number),
                     f"{version.key} (version {version.number})")
            labelled += [(label, f) for f in lint.lint_item(lint.item_from_version(version.key, version, version.form))]
        labelled.sort(key=lambda pair: (pair[1].severity != "error", str(pair[0]), pair[1].code, pair[1].message))
        findings = [f for _, f in labelled]
        errors, warns = lint.counts(findings)
        if findings:
            section.tables.append(Table(
                f"Item-writing checks of {title} (the question versions its post-tests used)",
                ["Question", "Severity", "Finding"],
                [[label, f.severity.capitalize(), f.message] for label, f in labelled], link_column=0))
            if errors:
                warnings.append(2, f"{title}: the item-writing checks found {errors} error(s) and {warns} warning(s) in "
                                "the questions as learners saw them; see the list below.")
        data["findings"] = [dict(f.as_dict(), version=label[1] if isinstance(label, tuple) else None)
                            for label, f in labelled]
    section.summary[:0] = warnings.in_order() + reassurances
    return section


class _Sentences:
    """Warnings collected as they are found, told most important first (a lower rank first)."""

    def __init__(self):
        self.found: list[tuple[int, int, str]] = []

    def append(self, rank: int, sentence: str) -> None:
        self.found.append((rank, len(self.found), sentence))

    def in_order(self) -> list[str]:
        return [sentence for _, _, sentence in sorted(self.found)]


def _flags(item, facility_before: float | None) -> list[str]:
    flags = []
    if facility_before is not None and facility_before >= EASY_BEFORE:
        flags.append(f"easy before teaching ({facility_before:.0%} right)")
    if item.discrimination_index is not None:
        if item.discrimination_index < 0:
            flags.append("negative discrimination: stronger learners did worse on it")
        elif item.discrimination_index < DISCRIMINATION_LOW:
            flags.append("low discrimination")
    return flags


# Pieces ---------------------------------------------------------------------------------------

def _groupings(infos, codes, outcome_info) -> dict[str, dict]:
    """(instrument, outcome code) -> group labels, for outcomes and for the two frameworks."""
    outcome, acrl, sconul = {}, {}, {}
    several = len(infos) > 1
    for instrument_id, instrument_codes in codes.items():
        for code in instrument_codes:
            info = outcome_info.get((instrument_id, code))
            label = code or "No outcome"
            if several and info is None:
                label = f"{label} ({infos[instrument_id].title})" if instrument_id in infos else label
            outcome[(instrument_id, code)] = [label]
            if info is not None:
                if info.acrl:
                    acrl[(instrument_id, code)] = [_title_case(f) for f in info.acrl]
                if info.sconul:
                    sconul[(instrument_id, code)] = [_title_case(p) for p in info.sconul]
    return {"outcome": outcome, "acrl": acrl, "sconul": sconul}


def _title_case(slug: str) -> str:
    return slug.replace("-", " ").capitalize()


def _bank_link(question_id: int) -> str:
    return url_for("bank.question", question_id=question_id)


def _summary_table(title: str, s: PairedSummary, before="Before", after="After") -> Table:
    rows = [
        ["Paired learners", s.n, "", "Pairs with both tests"],
        [f"Mean {before.lower()} (%)", s.mean_pre, "", ""],
        [f"Mean {after.lower()} (%)", s.mean_post, "", ""],
        ["Mean change (points)", s.mean_diff, _ci(s), "Paired t-test, 95% confidence interval"],
        ["t (degrees of freedom)", s.t, f"df = {s.df}" if s.df is not None else "", "Paired t-test"],
        ["p", fmt_p(s.p), "", "Paired t-test, two-sided"],
        ["Cohen's d_z", s.d_z, interpret_d(s.d_z) or "", "Paired: change ÷ SD of changes"],
        ["Cohen's d_av", s.d_av, interpret_d(s.d_av) or "", "Change ÷ mean SD"],
        ["Cohen's d_rm", s.d_rm, interpret_d(s.d_rm) or "", "Repeated measures"],
        ["Correlation r", s.r, "", "Pearson, before with after"],
        ["Normalised gain (Hake's g)", s.hake_g, interpret_gain(s.hake_g) or "", "From the class means"],
        ["Average individual gain (g_ave)", s.g_ave,
         f"{s.g_ave_excluded} at 100% before left out" if s.g_ave_excluded else "", "Mean of each learner's gain"],
        ["Wilcoxon W", s.wilcoxon_w, f"p {fmt_p(s.wilcoxon_p)}" if s.wilcoxon_p is not None else "",
         f"Signed-rank, {s.wilcoxon_method}" if s.wilcoxon_method else "Signed-rank"],
    ]
    for row in rows:
        field_reason = _reason_for(s, row[0])
        if row[1] is None and field_reason:
            row[2] = field_reason
    return Table(title, ["Figure", "Value", "Detail", "Method"], rows, decimals=2)


_FIELD_OF_ROW = {"Mean change (points)": "mean_diff", "t (degrees of freedom)": "t", "p": "p",
                 "Cohen's d_z": "d_z", "Cohen's d_av": "d_av", "Cohen's d_rm": "d_rm", "Correlation r": "r",
                 "Normalised gain (Hake's g)": "hake_g", "Average individual gain (g_ave)": "g_ave",
                 "Wilcoxon W": "wilcoxon_w"}


def _reason_for(s: PairedSummary, row_label: str) -> str:
    name = _FIELD_OF_ROW.get(row_label)
    return s.reasons.get(name, "") if name else ""


def _ci(s: PairedSummary) -> str:
    """The 95% confidence interval in words that start with a digit, so that no spreadsheet takes them for a
    formula (and no CSV needs a guarding apostrophe)."""
    if s.ci_low is None or s.ci_high is None:
        return "–"
    return f"95% CI {s.ci_low:+.1f} to {s.ci_high:+.1f}"


def _sentence(s: PairedSummary) -> str:
    parts = [f"Scores rose from {s.mean_pre:.0f}% to {s.mean_post:.0f}%" if s.mean_diff >= 0
             else f"Scores fell from {s.mean_pre:.0f}% to {s.mean_post:.0f}%",
             f"for {s.n} learners who took both tests"]
    extras = []
    if s.hake_g is not None:
        extras.append(f"normalised gain {s.hake_g:.2f} ({interpret_gain(s.hake_g)})")
    if s.d_z is not None:
        extras.append(f"Cohen's d_z {s.d_z:.2f} ({interpret_d(s.d_z)})")
    if s.p is not None:
        extras.append(f"paired t-test p {fmt_p(s.p)}")
    return " ".join(parts) + (": " + ", ".join(extras) if extras else "") + "."


def _mean_ci(mean: float, sd: float | None, n: int) -> tuple[float, float]:
    if sd is None or n < 2:
        return (mean, mean)
    half = t_quantile(0.975, n - 1) * sd / math.sqrt(n)
    return (mean - half, mean + half)


def _paired_chart(s: PairedSummary, pre: np.ndarray, post: np.ndarray) -> Chart:
    step = max(1, len(pre) // 200)
    sample = list(zip(pre[::step].tolist(), post[::step].tolist()))
    title = "Mean score before and after, with 95% confidence intervals"
    text = _sentence(s)
    lo_pre, hi_pre = _mean_ci(s.mean_pre, s.sd_pre, s.n)
    lo_post, hi_post = _mean_ci(s.mean_post, s.sd_post, s.n)
    svg = ChartDrawing("paired_plot", dict(pre_mean=s.mean_pre, post_mean=s.mean_post, pre_ci=(lo_pre, hi_pre),
                                           post_ci=(lo_post, hi_post), title=title, max_score=100, pairs=sample))
    return Chart(title, text, svg, Table("Means before and after", ["Test", "Mean (%)", "95% CI low", "95% CI high"],
                                         [["Before", s.mean_pre, lo_pre, hi_pre],
                                          ["After", s.mean_post, lo_post, hi_post]], decimals=1))


def _summary_json(s: PairedSummary) -> dict:
    names = ("n", "mean_pre", "mean_post", "sd_pre", "sd_post", "mean_diff", "sd_diff", "t", "df", "p", "ci_low",
             "ci_high", "r", "d_z", "d_av", "d_rm", "hake_g", "g_ave", "g_ave_excluded", "wilcoxon_w",
             "wilcoxon_p", "wilcoxon_method")
    result = {name: getattr(s, name, None) for name in names}
    result["undefined"] = dict(s.reasons)
    return result
