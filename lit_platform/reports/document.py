"""A report as plain data: the page, the CSV/XLSX/PDF exports and the JSON API all render this one shape."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from ..core.small_groups import Suppressor


@dataclass
class Table:
    title: str
    columns: list[str]
    #: cells are str, int, float, bool or None; floats are shown with `decimals` places
    rows: list[list[object]]
    note: str = ""
    decimals: int = 2
    #: a column holding links (url, label) on screen only; exports keep the label
    link_column: int | None = None
    #: column index -> decimal places, where a column differs from `decimals`
    column_decimals: dict[int, int] = field(default_factory=dict)
    #: columns of rates held as fractions (0.42) and shown as percentages (42%), to `column_decimals` places or 0
    percent_columns: set[int] = field(default_factory=set)
    #: links the reader follows to go on (to each test's report): shown wherever the section's sentences are
    navigation: bool = False

    def decimals_for(self, column_index: int) -> int:
        if column_index in self.percent_columns:
            return self.column_decimals.get(column_index, 0)
        return self.column_decimals.get(column_index, self.decimals)

    def is_percent(self, column_index: int) -> bool:
        return column_index in self.percent_columns


@dataclass(frozen=True)
class ChartDrawing:
    """What to draw, as plain values: a function of reports.charts and its keyword arguments.

    Drawing waits until a page, a chart file or an export shows the chart, so the JSON API never pays
    for it, and the drawing can be cached with the report and keyed by its content.
    """
    function: str
    arguments: dict

    @cached_property
    def key(self) -> str:
        """A hash of the drawing and of the code that draws it: equal keys, equal SVG."""
        from .charts import CODE_VERSION
        from .codec import to_plain

        text = json.dumps([CODE_VERSION, self.function, to_plain(self.arguments)], sort_keys=True,
                          separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def draw(self) -> str:
        from . import charts

        return charts.draw(self.function, self.arguments)


@dataclass
class Chart:
    title: str
    #: the chart's message in words, for everyone who cannot see it
    summary: str
    #: the SVG, or the drawing it is made from
    svg_source: str | ChartDrawing
    table: Table
    #: the title of a table of the section that already holds every figure of `table`: the page links
    #: to it instead of repeating them (the exports keep both)
    figures_in: str | None = None

    @cached_property
    def svg(self) -> str:
        return self.svg_source.draw() if isinstance(self.svg_source, ChartDrawing) else self.svg_source

    @property
    def key(self) -> str:
        """Names this chart's content (the ETag of its file)."""
        if isinstance(self.svg_source, ChartDrawing):
            return self.svg_source.key
        return hashlib.sha256(self.svg_source.encode()).hexdigest()[:32]


@dataclass
class Section:
    key: str
    title: str
    #: plain-language sentences, most important first
    summary: list[str] = field(default_factory=list)
    #: where set, what the figures mean for someone who does not read statistics, shown before everything
    #: else; the section's summary, charts and tables then sit one click away
    plain: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    #: machine-readable figures for the JSON API (numbers, not formatted text)
    data: dict = field(default_factory=dict)


@dataclass
class ReportDocument:
    key: str
    title: str
    generated_at: datetime
    #: (label, value) pairs describing the filters in force
    filters: list[tuple[str, str]]
    sections: list[Section]
    #: (term, explanation) pairs: every method a figure names
    methods: list[tuple[str, str]] = field(default_factory=list)
    #: groups smaller than this are not shown
    min_group: int = 5

    @property
    def suppression_note(self) -> str:
        """The small-group rule in a sentence, which every page and export carries."""
        return Suppressor(self.min_group).note()
