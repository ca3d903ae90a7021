"""Report charts drawn on the server as small, accessible SVG that can be inlined in HTML and PDF.

Figures are built with `matplotlib.figure.Figure` (never pyplot, whose global state is not safe in
a web server). Colours come from the Okabe–Ito palette, keeping only the shades with at least 3:1
contrast against white; every series also differs by marker, line style or hatching, so colour is
never the only cue. The same input always gives the same bytes.
"""
from __future__ import annotations

import hashlib
import html
import io
import math
import numbers
import re
import textwrap
import threading
from collections.abc import Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Okabe–Ito colours that reach 3:1 against white (orange, sky blue and yellow do not)
BLUE = "#0072B2"
VERMILLION = "#D55E00"
GREEN = "#009E73"
PURPLE = "#CC79A7"
INK = "#222222"
#: light enough to sit behind the data, still 3:1 against white
GREY = "#949494"

WIDTH = 6.5  # inches: close to the text width of an A4 page, so 10pt stays about 10pt in print
FONT_SIZE = 10

_RC = {
    "svg.hashsalt": "lit-platform-report-charts",
    "svg.fonttype": "none",
    # A short family list: matplotlib repeats it in every text element.
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica"],
    "font.size": FONT_SIZE,
    "axes.labelsize": FONT_SIZE,
    "axes.titlesize": FONT_SIZE,
    "xtick.labelsize": FONT_SIZE,
    "ytick.labelsize": FONT_SIZE,
    "legend.fontsize": FONT_SIZE,
    "text.color": INK,
    "axes.labelcolor": INK,
    "axes.edgecolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "hatch.color": "edge",
    "hatch.linewidth": 1.0,
}

#: changes whenever this file does, so that a cached chart drawn by older code is never reused
CODE_VERSION = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]

# rc_context changes process-wide settings, so two threads drawing at once must take turns.
_DRAWING = threading.Lock()

_ROOT_TAG = re.compile(r"<svg\b[^>]*>")
_SIZE_IN_PT = re.compile(r'\s(?:width|height)="[\d.]+pt"')
_GLOBAL_STYLE = re.compile(r"<style[^>]*>\*\{[^}]*\}</style>")
_ID_OR_REFERENCE = re.compile(r'(\bid="|url\(#|href="#)([^")]+)')
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)
_FONT_FAMILY = re.compile(r'\sfont-family="([^"]*)"')
_ID = re.compile(r'\sid="([^"]+)"')
_REFERENCE = re.compile(r'(?:url\(#|href="#)([^")]+)')
_LONG_DECIMAL = re.compile(r"(?<![#\w])(-?\d+\.\d)\d{2,}")
_STYLE_ATTRIBUTE = re.compile(r'\sstyle="([^"]*)"')
_FONT = re.compile(r"(?:(italic|oblique)\s+)?(?:(bold|normal|\d{3})\s+)?([\d.]+)px\s+(.+)")


def _presentation_attributes(match: re.Match) -> str:
    """style="fill: #fff; font: 10px 'DejaVu Sans'" as attributes: the site's Content-Security-Policy
    (style-src 'self') ignores inline style attributes, but not SVG presentation attributes."""
    attributes = []
    for declaration in match.group(1).split(";"):
        name, _, value = (part.strip() for part in declaration.partition(":"))
        if not name or not value:
            continue
        font = _FONT.fullmatch(value) if name == "font" else None
        if font:
            style, weight, size, family = font.groups()
            attributes += [("font-style", style), ("font-weight", weight), ("font-size", f"{size}px"),
                           ("font-family", family)]
        elif name != "font":
            attributes.append((name, value))
    return "".join(f' {name}="{html.escape(value, quote=True)}"' for name, value in attributes if value)


@contextmanager
def _drawing():
    import matplotlib  # imported on first use: pages and the JSON API that draw nothing never load it

    with _DRAWING, matplotlib.rc_context(_RC):
        yield


def _finish(fig: Figure, title: str) -> str:
    """Save the figure as SVG ready to inline: no prolog, scalable, labelled, with ids of its own."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):]
    # The stylesheet matplotlib writes applies to the whole page once inlined; the same defaults
    # as inherited attributes on the root stay inside this chart.
    svg = _GLOBAL_STYLE.sub("", svg, count=1)
    svg = _METADATA.sub("", svg, count=1)
    svg = _STYLE_ATTRIBUTE.sub(_presentation_attributes, svg)
    # Coordinates to a tenth of a point (far finer than a screen shows) make the SVG about half the size.
    svg = _LONG_DECIMAL.sub(lambda m: f"{float(m.group(0)):.1f}", svg)
    # Several charts share one page, so every id gets a prefix taken from this chart's content.
    prefix = "c" + hashlib.sha256(svg.encode()).hexdigest()[:8] + "-"
    svg = _ID_OR_REFERENCE.sub(lambda m: m.group(1) + prefix + m.group(2), svg)
    # Smaller: the font family once on the root (it is inherited), no ids nothing refers to, no indentation.
    families = set(_FONT_FAMILY.findall(svg))
    family = families.pop() if len(families) == 1 else None
    if family is not None:
        svg = _FONT_FAMILY.sub("", svg)
    referenced = set(_REFERENCE.findall(svg))
    svg = _ID.sub(lambda m: m.group(0) if m.group(1) in referenced else "", svg)
    svg = re.sub(r"\n\s+", "\n", svg)
    label = html.escape(title, quote=True)
    root = _ROOT_TAG.search(svg).group(0)
    new_root = (_SIZE_IN_PT.sub("", root)[:-1]
                + f' class="report-chart" role="img" aria-label="{label}"'
                + (f' font-family="{family}"' if family else "")
                + ' stroke-linejoin="round" stroke-linecap="butt">'
                + f"<title>{label}</title>")
    return svg.replace(root, new_root, 1)


def _no_data(title: str) -> str:
    with _drawing():
        from matplotlib.figure import Figure

        fig = Figure(figsize=(4, 1.2))
        fig.text(0.5, 0.5, "No data", ha="center", va="center", fontsize=12)
        return _finish(fig, f"{title}: no data")


def _figure(height: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(WIDTH, height), layout="constrained")


def _tick_locator(**options):
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(**options)


def _number(value) -> float | None:
    """A finite float, or None for missing and not-a-number values."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _nan(values) -> list[float]:
    return [math.nan if _number(v) is None else float(v) for v in values]


def _wrap(label: object, width: int) -> str:
    return textwrap.fill(str(label), width) or " "


def _ci_bounds(mean: float, ci) -> tuple[float, float]:
    """A 95% CI given as (low, high), or as a half-width; None draws no bar."""
    if ci is None:
        return mean, mean
    if isinstance(ci, numbers.Real):
        return mean - float(ci), mean + float(ci)
    low, high = (_number(v) for v in ci)
    return (mean if low is None else low), (mean if high is None else high)


def _legend_on_top(fig: Figure, ax, ncols: int) -> None:
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncols=ncols)


def paired_plot(pre_mean: float | None, post_mean: float | None, pre_ci, post_ci, title: str,
                max_score: float = 100, pairs: Sequence[tuple[float, float]] | None = None) -> str:
    """Mean score before and after with 95% CI bars, over one faint line per learner when `pairs` is given.

    `pre_ci` and `post_ci` are (low, high) tuples (a single number is read as a half-width).
    """
    pre, post = _number(pre_mean), _number(post_mean)
    if pre is None or post is None:
        return _no_data(title)
    (pre_low, pre_high), (post_low, post_high) = _ci_bounds(pre, pre_ci), _ci_bounds(post, post_ci)
    with _drawing():
        fig = _figure(4.0)
        ax = fig.add_subplot()
        learners = [(a, b) for a, b in ((_number(p), _number(q)) for p, q in (pairs or []))
                    if a is not None and b is not None]
        if learners:
            # One path broken by NaNs instead of hundreds of separate lines keeps the SVG small.
            xs = [x for _ in learners for x in (0, 1, math.nan)]
            ys = [y for a, b in learners for y in (a, b, math.nan)]
            ax.plot(xs, ys, color=GREY, linewidth=0.5, label="Each learner", zorder=1)
        below = [max(0.0, pre - pre_low), max(0.0, post - post_low)]
        above = [max(0.0, pre_high - pre), max(0.0, post_high - post)]
        ax.errorbar([0, 1], [pre, post], yerr=[below, above],
                    color=INK, linewidth=2, capsize=6, capthick=1.5, zorder=2, label="Mean with 95% CI")
        ax.plot([0], [pre], marker="o", markersize=10, linestyle="none", color=BLUE,
                markeredgecolor=INK, zorder=3)
        ax.plot([1], [post], marker="D", markersize=9, linestyle="none", color=VERMILLION,
                markeredgecolor=INK, zorder=3)
        ax.annotate(f"{pre:.1f}", (0, pre), xytext=(-14, 0), textcoords="offset points",
                    ha="right", va="center")
        ax.annotate(f"{post:.1f}", (1, post), xytext=(14, 0), textcoords="offset points",
                    ha="left", va="center")
        ax.set_xticks([0, 1], ["Before", "After"])
        ax.set_xlim(-0.5, 1.5)
        ax.set_ylim(0, max_score)
        ax.set_xlabel("Assessment")
        ax.set_ylabel(f"Score (out of {max_score:g})")
        _legend_on_top(fig, ax, 2)
        return _finish(fig, title)


def gain_per_outcome(labels: Sequence[str], pre_means: Sequence[float | None], post_means: Sequence[float | None],
                     title: str, max_score: float = 100, decimals: int = 1) -> str:
    """Mean score before and after for each learning outcome, as labelled horizontal bar pairs."""
    pre, post = _nan(pre_means), _nan(post_means)
    if not labels or all(math.isnan(v) for v in pre + post):
        return _no_data(title)
    rows = np.arange(len(labels))
    with _drawing():
        fig = _figure(1.4 + 0.42 * len(labels))
        ax = fig.add_subplot()
        for values, offset, style in ((pre, -0.2, dict(label="Before", color="white", edgecolor=BLUE, hatch="///")),
                                      (post, 0.2, dict(label="After", color=VERMILLION, edgecolor=VERMILLION))):
            drawn = [i for i, v in enumerate(values) if not math.isnan(v)]
            bars = ax.barh(rows[drawn] + offset, [values[i] for i in drawn], height=0.38, linewidth=1, **style)
            ax.bar_label(bars, labels=[f"{values[i]:.{decimals}f}" for i in drawn], padding=3)
            for i in (i for i, v in enumerate(values) if math.isnan(v)):
                ax.text(max_score * 0.01, i + offset, "no data", va="center")
        ax.set_yticks(rows, [_wrap(label, 32) for label in labels])
        ax.set_ylim(len(labels) - 0.5, -0.5)
        ax.set_xlim(0, max_score * 1.12)
        ax.set_xticks([t for t in _tick_locator(nbins=5).tick_values(0, max_score) if 0 <= t <= max_score])
        ax.set_xlabel(f"Mean score (out of {max_score:g})")
        ax.set_ylabel("Learning outcome")
        _legend_on_top(fig, ax, 2)
        return _finish(fig, title)


def _month_label(month: object) -> str:
    if isinstance(month, (date, datetime)):
        return month.strftime("%b %Y")
    text = str(month)
    try:
        return datetime.strptime(text[:7], "%Y-%m").strftime("%b %Y")
    except ValueError:
        return text


def attendance_trend(months: Sequence[object], booked: Sequence[int | None], attended: Sequence[int | None],
                     no_shows: Sequence[int | None], title: str) -> str:
    """People booked, attended and not turning up, month by month.

    `months` may be dates, "YYYY-MM" strings or ready-made labels; they are shown as "Jan 2026".
    """
    series = [_nan(booked), _nan(attended), _nan(no_shows)]
    if not months or all(math.isnan(v) for values in series for v in values):
        return _no_data(title)
    x = np.arange(len(months))
    with _drawing():
        fig = _figure(3.6)
        ax = fig.add_subplot()
        styles = (("Booked", BLUE, "o", "-"), ("Attended", GREEN, "s", "--"), ("No-shows", VERMILLION, "^", ":"))
        for values, (name, colour, marker, line) in zip(series, styles):
            ax.plot(x, values, label=name, color=colour, marker=marker, linestyle=line, linewidth=2,
                    markersize=7)
        step = max(1, math.ceil(len(months) / 8))
        ax.set_xticks(x[::step], [_month_label(m) for m in months][::step])
        ax.set_xlim(-0.5, len(months) - 0.5)
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_locator(_tick_locator(integer=True))
        ax.set_xlabel("Month")
        ax.set_ylabel("Number of people")
        _legend_on_top(fig, ax, 3)
        return _finish(fig, title)


def distribution_bars(labels: Sequence[str], counts: Sequence[int | None], title: str, *,
                      xlabel: str = "Response", ylabel: str = "Number of responses") -> str:
    """How many chose each answer (for example a 1–5 agreement scale), with the count on each bar."""
    values = [0 if _number(c) is None else int(c) for c in counts]
    if not labels or not any(values):
        return _no_data(title)
    x = np.arange(len(labels))
    with _drawing():
        fig = _figure(3.4)
        ax = fig.add_subplot()
        bars = ax.bar(x, values, width=0.65, color=BLUE, edgecolor=INK, linewidth=0.8)
        ax.bar_label(bars, labels=[str(v) for v in values], padding=3)
        ax.set_xticks(x, [_wrap(label, 14) for label in labels])
        ax.set_ylim(0, max(values) * 1.15)
        ax.yaxis.set_major_locator(_tick_locator(integer=True))
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        return _finish(fig, title)


def _percent(value: float) -> str:
    return "–" if math.isnan(value) else f"{value * 100:.0f}%"


def facility_before_after(labels: Sequence[str], before: Sequence[float | None], after: Sequence[float | None],
                          title: str) -> str:
    """Share answering each item correctly (0..1) before and after: a dumbbell per item, values written out."""
    start, end = _nan(before), _nan(after)
    if not labels or all(math.isnan(v) for v in start + end):
        return _no_data(title)
    rows = np.arange(len(labels))
    with _drawing():
        fig = _figure(1.4 + 0.34 * len(labels))
        ax = fig.add_subplot()
        ax.hlines(rows, [v * 100 for v in start], [v * 100 for v in end], color=GREY, linewidth=2, zorder=1)
        ax.plot([v * 100 for v in start], rows, linestyle="none", marker="o", markersize=8, color="white",
                markeredgecolor=BLUE, markeredgewidth=2, label="Before", zorder=2)
        ax.plot([v * 100 for v in end], rows, linestyle="none", marker="D", markersize=7, color=VERMILLION,
                markeredgecolor=VERMILLION, label="After", zorder=3)
        ax.set_yticks(rows, [_wrap(label, 32) for label in labels])
        ax.set_ylim(len(labels) - 0.5, -0.5)
        ax.set_xlim(0, 100)
        ax.set_xlabel("Facility (% answering correctly)")
        ax.set_ylabel("Item")
        # The values are written out beside each row, so no one has to judge a dot's position.
        values = ax.secondary_yaxis("right")
        values.set_yticks(rows, [f"{_percent(a)} → {_percent(b)}" for a, b in zip(start, end)])
        values.tick_params(length=0)
        values.spines["right"].set_visible(False)
        _legend_on_top(fig, ax, 2)
        return _finish(fig, title)


#: the functions a ChartDrawing may name
DRAWINGS = {function.__name__: function for function in
            (paired_plot, gain_per_outcome, attendance_trend, distribution_bars, facility_before_after)}


def draw(function: str, arguments: dict) -> str:
    """The SVG of a drawing: one of DRAWINGS called with `arguments`."""
    return DRAWINGS[function](**arguments)
