"""A report as plain data: the page, the CSV/XLSX/PDF exports and the JSON API all render this one shape."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property


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

    def decimals_for(self, column_index: int) -> int:
        return self.column_decimals.get(column_index, self.decimals)


@dataclass
class Chart:
    title: str
    #: the chart's message in words, for everyone who cannot see it
    summary: str
    #: the SVG, or a function that draws it: drawing waits until a page or an export shows the
    #: chart, so the JSON API never pays for it
    svg_source: str | Callable[[], str]
    table: Table

    @cached_property
    def svg(self) -> str:
        return self.svg_source() if callable(self.svg_source) else self.svg_source


@dataclass
class Section:
    key: str
    title: str
    #: plain-language sentences, most important first
    summary: list[str] = field(default_factory=list)
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
