"""The campaign's tables as rows for CSV and XLSX (enrollment.exports writes the files):
events with their uplift, agents with their results, and the registrations themselves."""

from __future__ import annotations

from django.utils.translation import gettext as _

from campaign.models import Channel, Registration
from campaign.period import Period
from campaign.selectors import CampaignFigures
from campaign.selectors.registrations import village_q
from enrollment.exports import DATE, INT, Column, Table
from villages.routers import read_db
from villages.selectors import Area

# The registrations export lists daily rows: a longer list is refused (a smaller area or a
# shorter period is asked for) rather than built in memory.
REGISTRATIONS_MAX_ROWS = 100_000
TABLES = ("events", "agents", "registrations")


def events_table(figures: CampaignFigures) -> Table:
    days = figures.uplift_days
    columns = [
        Column(_("Date"), DATE),
        Column(_("Title")),
        Column(_("Place code")),
        Column(_("Place")),
        Column(_("Villages it was held for")),
        Column(_("Officials attending"), INT),
        Column(_("Residents attending"), INT),
        Column(_("Branch office")),
        Column(_("Registrations %(days)s days before") % {"days": days}, INT),
        Column(_("Registrations %(days)s days from the event day") % {"days": days}, INT),
        Column(_("Difference"), INT),
    ]
    rows = [
        [
            e.date,
            e.title,
            e.place_code,
            e.place_name,
            "; ".join(e.villages),
            e.attendees,
            e.residents_attending,
            e.branch_name,
            e.before,
            e.after,
            e.difference,
        ]
        for e in figures.events
    ]
    footer: list = [None, _("Total"), None, None, None, None, None, None]
    footer += [figures.uplift_before, figures.uplift_after, figures.uplift_difference]
    return Table("kegiatan", columns, rows, footer if rows else None)


def agents_table(figures: CampaignFigures) -> Table:
    columns = [
        Column(_("Agent code")),
        Column(_("Name")),
        Column(_("Villages served")),
        Column(_("Active")),
        Column(_("Registrations"), INT),
        Column(_("Contributions (Rp)"), INT),
        Column(_("Commission (Rp)"), INT),
    ]
    yes, no = _("Yes"), _("No")
    rows = [
        [
            a.code,
            a.name,
            "; ".join(a.villages),
            yes if a.active else no,
            a.registrations,
            a.contributions,
            a.commission,
        ]
        for a in figures.agents
    ]
    footer: list = [None, _("Total"), None, None, sum(a.registrations for a in figures.agents)]
    footer += [sum(a.contributions for a in figures.agents), figures.commission]
    return Table("agen", columns, rows, footer if rows else None)


class TooManyRows(ValueError):
    """The registrations of the area and period exceed REGISTRATIONS_MAX_ROWS."""


def registrations_table(*, area: Area, period: Period, user) -> Table:
    """The daily rows, in the columns of the registrations import (a file that can be
    imported again), by date and village. Two queries: the count, then the rows."""
    rows = (
        Registration.objects.using(read_db())
        .visible_to(user)
        .filter(village_q(area), date__gte=period.start, date__lte=period.end)
    )
    if rows.count() > REGISTRATIONS_MAX_ROWS:
        raise TooManyRows(
            _("More than %(max)s rows: choose a smaller area or a shorter period.")
            % {"max": f"{REGISTRATIONS_MAX_ROWS:,}".replace(",", ".")}
        )
    values = rows.order_by("date", "village_id", "channel", "agent__code").values_list(
        "date", "village_id", "channel", "agent__code", "count", "contributions"
    )
    columns = [
        Column("tanggal", DATE),
        Column("kode_desa"),
        Column("kanal"),
        Column("kode_agen"),
        Column("jumlah", INT),
        Column("iuran", INT),
    ]
    return Table(
        "pendaftaran",
        columns,
        [[d, v, Channel(c).value, a or "", n, m] for d, v, c, a, n, m in values],
    )


def export_filename(area: Area, table: Table, period: Period, fmt: str) -> str:
    """`kampanye-35.23.08-kegiatan-2018-06-01-2018-08-31.csv`; the country is `indonesia`."""
    code = area.code or "indonesia"
    return f"kampanye-{code}-{table.slug}-{period.start:%Y-%m-%d}-{period.end:%Y-%m-%d}.{fmt}"
