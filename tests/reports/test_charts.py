"""Report charts: inline-ready, accessible SVG that is the same every time for the same data."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date

import pytest

from lit_platform.reports import charts

SVG = "{http://www.w3.org/2000/svg}"
OUTCOMES = [f"Outcome {n}" for n in range(1, 21)]


def contrast_with_white(colour: str) -> float:
    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i:i + 2]) for i in (1, 3, 5))
    return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05)


EXAMPLES = {
    "paired": lambda: charts.paired_plot(48.25, 71.5, (44.0, 52.5), (67.1, 75.9), "Scores before and after",
                                         pairs=[(40 + n % 30, 60 + n % 35) for n in range(300)]),
    "gain": lambda: charts.gain_per_outcome(
        [f"{label}: judge the quality of what you find" for label in OUTCOMES],
        [30 + n for n in range(20)], [55 + n if n != 4 else None for n in range(20)], "Scores by outcome"),
    "trend": lambda: charts.attendance_trend([date(2025, m, 1) for m in range(1, 13)] + ["2026-01"],
                                             list(range(20, 33)), list(range(15, 28)), [3] * 13, "Attendance"),
    "distribution": lambda: charts.distribution_bars(["Strongly disagree", "Disagree", "Neutral", "Agree",
                                                      "Strongly agree"], [1, 2, 5, 14, 9], "Confidence"),
    "facility": lambda: charts.facility_before_after([f"Item {n}" for n in range(1, 16)],
                                                     [n / 20 for n in range(15)], [0.3 + n / 30 for n in range(15)],
                                                     "Facility by item"),
}

EMPTY = {
    "paired": lambda: charts.paired_plot(None, None, None, None, "Scores before and after"),
    "gain": lambda: charts.gain_per_outcome([], [], [], "Scores by outcome"),
    "trend": lambda: charts.attendance_trend([], [], [], [], "Attendance"),
    "distribution": lambda: charts.distribution_bars(["1", "2", "3"], [0, 0, 0], "Confidence"),
    "facility": lambda: charts.facility_before_after([], [], [], "Facility by item"),
}


def texts(root) -> list[str]:
    return ["".join(element.itertext()) for element in root.iter(f"{SVG}text")]


@pytest.mark.parametrize("name", EXAMPLES)
def test_chart_is_inline_ready_accessible_svg(name):
    svg = EXAMPLES[name]()
    assert svg.startswith("<svg"), "no XML prolog or DOCTYPE, so it can sit inside HTML"
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-label")
    assert re.fullmatch(r"0 0 [\d.]+ [\d.]+", root.get("viewBox"))
    assert root.get("width") is None and root.get("height") is None
    assert "pt\"" not in svg.split(">", 1)[0]
    assert len(svg.encode()) < 60_000


@pytest.mark.parametrize("name", EXAMPLES)
def test_chart_text_is_large_enough_and_colours_stand_out(name):
    svg = EXAMPLES[name]()
    sizes = [float(size) for size in re.findall(r'font-size="([\d.]+)px"', svg)]
    assert sizes and min(sizes) >= 10
    colours = {c.lower() for c in re.findall(r"#[0-9a-fA-F]{6}\b", svg)} - {"#ffffff"}
    assert colours
    for colour in colours:
        assert contrast_with_white(colour) >= 3, colour


@pytest.mark.parametrize("name", EXAMPLES)
def test_charts_have_no_inline_styles_which_the_content_security_policy_would_block(name):
    svg = EXAMPLES[name]()
    assert "style=" not in svg and "<style" not in svg
    assert 'fill="#' in svg


@pytest.mark.parametrize("name", EXAMPLES)
def test_same_data_gives_identical_svg(name):
    assert EXAMPLES[name]() == EXAMPLES[name]()


@pytest.mark.parametrize("name", EMPTY)
def test_empty_input_says_no_data(name):
    svg = EMPTY[name]()
    root = ET.fromstring(svg)
    assert root.get("role") == "img" and "no data" in root.get("aria-label")
    assert "No data" in texts(root)
    assert len(svg) < 5_000


def test_paired_plot_labels_phases_axes_and_means():
    root = ET.fromstring(EXAMPLES["paired"]())
    words = texts(root)
    assert root.get("aria-label") == "Scores before and after"
    for expected in ("Before", "After", "48.2", "71.5", "Assessment", "Score (out of 100)", "Each learner",
                     "Mean with 95% CI"):
        assert expected in words


def test_paired_plot_without_learner_lines_or_intervals():
    words = texts(ET.fromstring(charts.paired_plot(50, 60, None, 5, "Means only", max_score=20)))
    assert "Each learner" not in words
    assert "Score (out of 20)" in words


def test_gain_per_outcome_names_every_outcome_and_labels_bar_ends():
    words = texts(ET.fromstring(EXAMPLES["gain"]()))
    joined = " ".join(words)
    for label in OUTCOMES:
        assert label in joined
    assert "30.0" in words and "74.0" in words
    assert "no data" in words, "a missing mean is said, not drawn as zero"
    assert "Learning outcome" in words and "Mean score (out of 100)" in words


def test_attendance_trend_shows_month_names():
    words = texts(ET.fromstring(EXAMPLES["trend"]()))
    assert "Jan 2025" in words and "Jan 2026" in words
    for expected in ("Booked", "Attended", "No-shows", "Month", "Number of people"):
        assert expected in words


def test_distribution_bars_label_counts():
    words = texts(ET.fromstring(EXAMPLES["distribution"]()))
    for expected in ("Neutral", "Agree", "14", "9", "Response", "Number of responses"):
        assert expected in words


def test_facility_writes_both_percentages_per_item():
    words = texts(ET.fromstring(EXAMPLES["facility"]()))
    assert "Item 1" in words and "Item 15" in words
    assert "0% → 30%" in words and "70% → 77%" in words
    assert "Facility (% answering correctly)" in words


def test_two_charts_on_one_page_share_no_ids():
    ids = [set(re.findall(r'\bid="([^"]+)"', EXAMPLES[name]())) for name in ("gain", "facility")]
    assert ids[0] and not ids[0] & ids[1]


def test_labels_are_escaped():
    svg = charts.distribution_bars(["<b>&"], [3], 'Say "hi" <script>')
    root = ET.fromstring(svg)
    assert root.get("aria-label") == 'Say "hi" <script>'
    assert "<b>&" in texts(root)
