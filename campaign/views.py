"""The campaign pages: for any area from the country down to a village, the registrations of
a period with their chart, the events with their uplift, the agents with their results, the
branch offices and child areas; and the CSV and XLSX exports of events, agents and
registrations. Thin: the figures come from `campaign.selectors`.

Access as on the coverage pages (enrollment.views): a logged-in user with a scope; an area
outside it is a 404 like an unknown code; GET only. Exports are written to the access log."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from campaign import exports
from campaign.chart import daily_chart, event_numbers
from campaign.period import Period, PeriodError, default_period, period_check, period_parse
from campaign.selectors import CHANNELS, campaign_for_area
from enrollment import exports as files
from enrollment.as_of import AsOfError, as_of_in_range
from enrollment.views import area_page_url, scoped
from villages.access import access_log, scope_for, visible_area
from villages.models import AccessLog
from villages.selectors import CHILD_LEVEL, Area, area_ancestors

# A page lists at most this many events and agents (the latest events, the agents with the
# most registrations); the downloads hold them all. A country has thousands of each.
PAGE_ROWS = 100


def campaign_url(code: str) -> str:
    """The campaign page of an area ("" is the country)."""
    return reverse("campaign:area", args=[code]) if code else reverse("campaign:area")


def _export_url(code: str, table: str, fmt: str) -> str:
    args = [code, table, fmt] if code else [table, fmt]
    return reverse("campaign:export", args=args)


class PeriodForm(forms.Form):
    """The period picker; `from` is a keyword, so the fields are named in the namespace."""

    locals()["from"] = forms.DateField(
        label=gettext_lazy("From"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    to = forms.DateField(
        label=gettext_lazy("To"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("from"), data.get("to")
        if start is None or end is None:
            return data
        try:
            as_of_in_range(start)
            as_of_in_range(end)
            data["period"] = period_check(start, end)
        except (AsOfError, PeriodError) as error:
            raise ValidationError(str(error)) from error
        return data


def _period(request: HttpRequest) -> tuple[PeriodForm, Period, str]:
    """The form, the period shown, and the query that keeps it in links. No period asked
    (or an empty one): the last 12 months; an unusable one too, and the form says so."""
    default = default_period()
    given = {k: request.GET[k] for k in ("from", "to") if request.GET.get(k)}
    if not given:
        initial = {"from": default.start, "to": default.end}
        return PeriodForm(initial=initial), default, ""
    form = PeriodForm({"from": default.start.isoformat(), "to": default.end.isoformat(), **given})
    if not form.is_valid():
        return form, default, ""
    period = form.cleaned_data["period"]
    query = urlencode({"from": period.start.isoformat(), "to": period.end.isoformat()})
    return form, period, "?" + query


def _area(request: HttpRequest, code: str) -> Area:
    area = visible_area(request.user, code)
    if area is None:
        raise Http404(_("No area has this code."))
    return area


@scoped
@require_GET
def campaign_area(request: HttpRequest, code: str = "") -> HttpResponse:
    scope = scope_for(request.user)
    query = request.GET.urlencode()
    if not code and not scope.everything:  # the user's own area, as the dashboards do
        return redirect(campaign_url(scope.home) + (f"?{query}" if query else ""))
    area = _area(request, code)
    if area.code != code:
        return redirect(campaign_url(area.code) + (f"?{query}" if query else ""))
    form, period, period_query = _period(request)
    figures = campaign_for_area(area=area, period=period)
    listed = figures.events[:PAGE_ROWS]  # the chart marks the events listed
    numbers = event_numbers(listed)
    ctx = {
        "area": area,
        "breadcrumbs": [(a, scope.covers(a.code)) for a in [*area_ancestors(area=area), area]],
        "form": form,
        "period": period,
        "period_query": period_query,
        "figures": figures,
        "channels": [(c, figures.registrations.total.by_channel[c]) for c in CHANNELS],
        "chart": daily_chart(figures.registrations.by_day, listed),
        "events": [(numbers[e.id], e) for e in listed],
        "agents": sorted(figures.agents, key=lambda a: (-a.registrations, a.code))[:PAGE_ROWS]
        if len(figures.agents) > PAGE_ROWS
        else figures.agents,
        "page_rows": PAGE_ROWS,
        "child_level": CHILD_LEVEL.get(area.level, ""),
        "dashboard_url": area_page_url(area.code),
        "export_urls": {
            table: {
                fmt: _export_url(area.code, table, fmt) + period_query for fmt in ("csv", "xlsx")
            }
            for table in exports.TABLES
        },
    }
    return render(request, "campaign/area.html", ctx)


@scoped
@require_GET
def campaign_export(request: HttpRequest, table: str, fmt: str, code: str = "") -> HttpResponse:
    area = _area(request, code)
    try:
        period = period_parse(request.GET.get("from"), request.GET.get("to"))
    except PeriodError as error:
        return HttpResponseBadRequest(f"{error.field}: {error}")
    if table == "registrations":
        try:
            data = exports.registrations_table(area=area, period=period, user=request.user)
        except exports.TooManyRows as error:
            return HttpResponseBadRequest(str(error))
    else:
        figures = campaign_for_area(area=area, period=period)
        data = exports.agents_table(figures) if table == "agents" else exports.events_table(figures)
    filename = exports.export_filename(area, data, period, fmt)
    access_log(
        user=request.user,
        action=AccessLog.Action.EXPORT,
        area_code=area.code,
        rows=len(data.rows),
        what=filename,
    )
    return files.export_response(data, fmt=fmt, filename=filename)
