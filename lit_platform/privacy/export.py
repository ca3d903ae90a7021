"""A copy of one person's data: every registered table, only their rows, only the declared columns.

The copy is a zip with `personal-data.json` (one key per registered table, each a list of rows) and
`personal-data.html` (the same, readable, with what each table is for). Rows are found through the
registry's links; anonymous workshop codes are linked to nobody, so they are never part of a copy.
"""
from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from flask import render_template
from sqlalchemy import select

from ..extensions import db
from . import links
from .registry import Declaration, declarations

JSON_NAME = "personal-data.json"
HTML_NAME = "personal-data.html"


@dataclass
class TableCopy:
    declaration: Declaration
    columns: list[str]
    rows: list[dict]


def _plain(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (bytes, memoryview)):
        return None
    return value


def collect(user, config) -> list[TableCopy]:
    """The person's rows in every registered table (an empty list where they have none)."""
    copies = []
    for declaration in declarations(config):
        t = links.table(declaration.table)
        key = [column.name for column in t.primary_key.columns]
        found: dict[tuple, dict] = {}
        columns: list[str] = ["relation"]
        for link in declaration.links:
            for name in link.export:
                if name not in columns:
                    columns.append(name)
            wanted = list(dict.fromkeys([*link.export, *key]))
            query = (select(*(t.c[name] for name in wanted))
                     .where(links.condition(declaration.table, link, user.id, user.email))
                     .order_by(*(t.c[name] for name in key)))
            for row in db.session.execute(query).mappings():
                identity = tuple(row[name] for name in key)
                entry = found.setdefault(identity, {"relation": link.label})
                if entry["relation"] != link.label and link.label not in entry["relation"].split("; "):
                    entry["relation"] += f"; {link.label}"
                entry.update({name: _plain(row[name]) for name in link.export})
        rows = [found[identity] for identity in sorted(found, key=lambda k: tuple(str(v) for v in k))]
        copies.append(TableCopy(declaration, columns, rows))
    return copies


def as_json(copies: list[TableCopy]) -> str:
    return json.dumps({copy.declaration.table: copy.rows for copy in copies}, indent=2, ensure_ascii=False,
                      default=str)


def build_zip(user, config, now: datetime) -> bytes:
    """The zip a person (or an administrator answering their request) downloads."""
    copies = collect(user, config)
    page = render_template("privacy/export.html", copies=copies, generated_at=now, user=user,
                           site_name=config["LIT_SITE_NAME"])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(JSON_NAME, as_json(copies))
        archive.writestr(HTML_NAME, page)
    return buffer.getvalue()


def filename(user, now: datetime) -> str:
    return f"personal-data-{user.id}-{now:%Y-%m-%d}.zip"
