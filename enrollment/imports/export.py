"""A village's or an area's roster in the import format, so that export → edit → import works
and an unedited file imports with no change. NIK and KPJ are masked unless the user may see
them in full; the import matches a masked NIK back to the person it came from."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from typing import Any

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils import timezone
from openpyxl import Workbook

from enrollment.exports import escape_cell
from enrollment.imports.columns import COLUMNS, HEADER, post_label
from enrollment.imports.engine import user_scope
from enrollment.imports.records import COVERAGE_FIELDS, Coverage
from enrollment.imports.template import TEXT_COLUMNS, roster_sheet_setup
from enrollment.models import Membership
from villages.access import may_see_full_nik
from villages.batches import chunks
from villages.models import Post
from villages.nik import mask_kpj, mask_nik
from villages.selectors import Area

# The positions of the NIK and KPJ columns, which stay text (1 is the first column).
TEXT_POSITIONS = tuple(n for n, column in enumerate(COLUMNS, start=1) if column.key in TEXT_COLUMNS)
NO_COVERAGE = Coverage(
    participant_category="", kpj_number="", enrolled_on=None, paid_until=None, funding_source=""
)


def full_identifiers(user: User | None) -> bool:
    """A system export (no user) and users with the permission see NIK and KPJ in full."""
    return user is None or may_see_full_nik(user)


def area_visible(user: User | None, code: str) -> bool:
    """The area lies in the user's scope, or holds part of it (the export keeps to that part)."""
    scope = user_scope(user)
    return scope.covers(code) or any(p.startswith(f"{code}.") for p in scope.prefixes)


def roster_posts(*, area: Area, user: User | None, day: dt.date | None = None) -> QuerySet[Post]:
    """The posts a roster export of `area` holds, one row each: held on `day` (default
    today) or later, in the villages the user may see."""
    day = day or timezone.localdate()
    return Post.objects.filter(
        area.post_filter, user_scope(user).village_q("village__code")
    ).exclude(term_end__lt=day)


def roster_rows(
    *, area: Area, user: User | None, day: dt.date | None = None
) -> Iterator[list[Any]]:
    """Rows in the import format for the posts held on `day` (or later) in the villages of
    `area` that the user may see; dates as dates, identifiers as text."""
    full = full_identifiers(user)
    posts = (
        roster_posts(area=area, user=user, day=day)
        .order_by("village_id", "category", "code", "unit", "person__name", "id")
        .values_list(
            "village_id", "code", "unit", "term_start", "term_end",
            "person_id", "person__nik", "person__name", "person__sex",
        )
    )  # fmt: skip
    for batch in chunks(posts.iterator(chunk_size=2000), 2000):
        coverage = _coverage({person_id for *_post, person_id, _nik, _name, _sex in batch})
        for village, code, unit, start, end, person_id, nik, name, sex in batch:
            programs, values = coverage.get(person_id, ((), NO_COVERAGE))
            kpj = values.kpj_number
            row = {
                "village": village,
                "nik": nik if full else mask_nik(nik),
                "name": name,
                "sex": sex,
                "post": post_label(code),
                "unit": unit,
                "term_start": start,
                "term_end": end,
                "programs": " ".join(programs),
                **values.values(),
                "kpj_number": kpj if full or not kpj else mask_kpj(kpj),
            }
            yield [row[column.key] for column in COLUMNS]


def _coverage(person_ids: set[int]) -> dict[int, tuple[tuple[str, ...], Coverage]]:
    """Per person, the programs sharing the coverage of the first one (in program order) and
    that coverage. Programs with other values are left out: one row holds one set of values,
    and the import keeps memberships a row does not list."""
    found: dict[int, tuple[list[str], Coverage]] = {}
    memberships = (
        Membership.objects.filter(person_id__in=person_ids)
        .order_by("person_id", "program__order")
        .values_list("person_id", "program_id", *COVERAGE_FIELDS)
    )
    for person_id, program, *values in memberships:
        coverage = Coverage(*values)
        programs, first = found.setdefault(person_id, ([], coverage))
        if coverage == first:
            programs.append(program)
    return {person: (tuple(programs), values) for person, (programs, values) in found.items()}


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return escape_cell(str(value))


def roster_csv(rows: Iterable[list[Any]]) -> Iterator[bytes]:
    """The rows as CSV (UTF-8 with a byte-order mark), chunk by chunk."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    out.write("\ufeff")
    writer.writerow(HEADER)
    for number, row in enumerate(rows, start=1):
        writer.writerow([_text(value) for value in row])
        if number % 1000 == 0:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode("utf-8")


def roster_xlsx(rows: Iterable[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "roster"
    roster_sheet_setup(sheet)
    for number, row in enumerate(rows, start=2):
        for position, value in enumerate(row, start=1):
            cell = sheet.cell(row=number, column=position, value=_cell(value))
            if position in TEXT_POSITIONS:  # NIK and KPJ stay text
                cell.number_format = "@"
            elif isinstance(value, dt.date):
                cell.number_format = "DD/MM/YYYY"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _cell(value: object) -> object:
    return escape_cell(value) if value != "" else None
