"""The coverage pages: area dashboards from the country down to a district, the village
page, and the CSV and XLSX exports of their tables. Thin: they read through the selectors,
put the results in the order the page shows them (chart series, roster groups) and render.

Access: a logged-in user with a scope (villages.access); an area outside it is a 404, exactly
like an unknown code; GET only. Full identifiers and exports are written to the access log."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from functools import wraps
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_GET

from enrollment import exports
from enrollment.as_of import AsOfError, as_of_in_range
from enrollment.rules import Figures
from enrollment.selectors import (
    coverage_for_area,
    coverage_for_village,
    coverage_trend,
)
from enrollment.services import village_coverage_shown
from villages.access import access_log, has_scope, may_see_full_nik, scope_for, visible_area
from villages.models import AccessLog, Post
from villages.selectors import (
    CHILD_LEVEL,
    LEVEL_BY_LENGTH,
    Area,
    area_ancestors,
    areas_get,
)

# A country page can list thousands of villages; the export always holds them all.
CANDIDATES_ON_PAGE = 200
# The forecast card names the first few villages of each group; its export holds them all.
FORECAST_ON_PAGE = 5


def scoped(view):
    """Anonymous users go to the login page; users without any scope get 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not has_scope(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


# --- Helpers -------------------------------------------------------------------------------


class AsOfForm(forms.Form):
    as_of = forms.DateField(
        label=gettext_lazy("Figures as of"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean_as_of(self) -> dt.date | None:
        day = self.cleaned_data["as_of"]
        try:
            return day and as_of_in_range(day)
        except AsOfError as error:
            raise ValidationError(str(error)) from error


def _as_of(request: HttpRequest) -> tuple[AsOfForm, dt.date, str]:
    """The form, the day the figures are judged on, and the query that keeps it in links.
    No or an empty `as_of` means today; an invalid one too, and the form says so."""
    today = timezone.localdate()
    if not request.GET.get("as_of"):
        return AsOfForm(initial={"as_of": today}), today, ""
    form = AsOfForm(request.GET)
    if not form.is_valid():
        return form, today, ""
    day = form.cleaned_data["as_of"]
    return form, day, "?" + urlencode({"as_of": day.isoformat()})


def area_page_url(code: str) -> str:
    """The dashboard of an area, or the village page for a village code."""
    if LEVEL_BY_LENGTH.get(len(code)) == "village":
        return reverse("enrollment:village", args=[code])
    if code:
        return reverse("enrollment:area_dashboard", args=[code])
    return reverse("enrollment:area_dashboard")


def _area(request: HttpRequest, code: str) -> Area:
    """The area with this code, dotted or not, if the user may see it; 404 otherwise."""
    area = visible_area(request.user, code)
    if area is None:
        raise Http404(_("No area has this code."))
    return area


def _redirect(area: Area, request: HttpRequest) -> HttpResponse:
    query = request.GET.urlencode()
    return redirect(area_page_url(area.code) + (f"?{query}" if query else ""))


def _breadcrumbs(request: HttpRequest, area: Area) -> list[tuple[Area, bool]]:
    """The areas above `area` and `area` itself, each with whether the user may open it."""
    scope = scope_for(request.user)
    return [(a, scope.covers(a.code)) for a in [*area_ancestors(area=area), area]]


def _my_areas(scope) -> list[Area]:
    """A user with several areas (a branch's regencies, a regional office's) lands on the
    first: the others are listed on every dashboard so each can be reached. Empty for one."""
    return areas_get(codes=list(scope.prefixes)) if len(scope.prefixes) > 1 else []


def _chart_series(pairs: list[tuple[str, Figures]]) -> dict:
    return {
        "label": _("Coverage (%)"),
        "labels": [label for label, _figures in pairs],
        "values": [figures.coverage_pct for _label, figures in pairs],
    }


# --- Pages ---------------------------------------------------------------------------------


@scoped
@require_GET
def area_dashboard(request: HttpRequest, code: str = "") -> HttpResponse:
    scope = scope_for(request.user)
    if not code and not scope.everything:
        return redirect(area_page_url(scope.home))  # the user's own area is their start
    area = _area(request, code)
    if area.level == "village" or area.code != code:
        return _redirect(area, request)
    form, as_of, as_of_query = _as_of(request)
    coverage = coverage_for_area(
        area=area, as_of=as_of, limit=CANDIDATES_ON_PAGE, forecast=FORECAST_ON_PAGE
    )
    trend = coverage_trend(area=area)
    candidates = exports.candidate_rows(coverage)
    ctx = {
        "area": area,
        "breadcrumbs": _breadcrumbs(request, area),
        "my_areas": _my_areas(scope),
        "as_of": as_of,
        "as_of_form": form,
        "as_of_query": as_of_query,
        "coverage": coverage,
        "child_level": CHILD_LEVEL[area.level],
        "candidates": candidates,
        "candidates_total": coverage.listed_total,
        "trend": trend,
        "categories_chart": _chart_series(
            [(str(Post.Category(c).label), f) for c, f in coverage.by_category]
        ),
        "trend_chart": _chart_series([(formats.date_format(m, "M Y"), f) for m, f in trend]),
    }
    return render(request, "enrollment/area.html", ctx)


@scoped
@require_GET
def village(request: HttpRequest, code: str) -> HttpResponse:
    area = _area(request, code)
    if area.level != "village" or area.code != code:
        return _redirect(area, request)
    form, as_of, as_of_query = _as_of(request)
    coverage = village_coverage_shown(
        user=request.user,
        area=area,
        as_of=as_of,
        action=AccessLog.Action.FULL_IDENTIFIERS,
        what="village page",
    )
    status, status_known = _roster_filter(request)
    rows = defaultdict(list)
    for row in exports.roster_filtered(coverage.roster, status):
        rows[row.category].append(row)
    ctx = {
        "area": area,
        "breadcrumbs": _breadcrumbs(request, area),
        "as_of": as_of,
        "as_of_form": form,
        "as_of_query": as_of_query,
        "coverage": coverage,
        "programs": list(coverage.roster[0].programs) if coverage.roster else [],
        "groups": [(c, f, rows[c]) for c, f in coverage.by_category if rows[c]],
        "status": status,
        "status_unknown": not status_known,
        "status_filters": _status_filters(coverage.roster, as_of_query, status),
        # The roster's download keeps the filter shown.
        "export_query": _with_status(as_of_query, status),
    }
    return render(request, "enrollment/village.html", ctx)


def _roster_filter(request: HttpRequest) -> tuple[str, bool]:
    """The roster filter asked for (`status`, one of `exports.ROSTER_FILTERS`; "" for
    everyone) and whether it is one: an unknown value shows everyone, and the page says so."""
    status = request.GET.get("status", "")
    if status in ("", *exports.ROSTER_FILTERS):
        return status, True
    return "", False


def _with_status(query: str, status: str) -> str:
    """`query` (empty or `?as_of=…`) with the roster filter added."""
    if not status:
        return query
    return (query + "&" if query else "?") + urlencode({"status": status})


def _status_filters(roster, as_of_query: str, current: str) -> list[dict]:
    """The roster filter's choices, each with its label, how many rows it shows, its link
    (keeping `as_of`) and whether it is the one shown."""
    counts = exports.roster_filter_counts(roster)
    return [
        {
            "status": status,
            "label": label,
            "count": counts[status],
            "url": _with_status(as_of_query, status) or "?",
            "current": status == current,
        }
        for status, label in [
            ("", pgettext("roster filter", "All")),
            *exports.ROSTER_FILTERS.items(),
        ]
    ]


# --- Exports -------------------------------------------------------------------------------


def _export_as_of(request: HttpRequest) -> dt.date | None:
    form, as_of, _query = _as_of(request)
    return None if form.errors else as_of


@scoped
@require_GET
def area_export(request: HttpRequest, table: str, fmt: str, code: str = "") -> HttpResponse:
    area = _area(request, code)
    if area.level == "village":
        raise Http404(_("A village has no area tables; export its roster."))
    as_of = _export_as_of(request)
    if as_of is None:
        return HttpResponseBadRequest(_("Give as_of as a date, YYYY-MM-DD."))
    # Only the candidates and forecast tables list villages; the others need none of them.
    limit = None if table == "candidates" else 0
    forecast = None if table == "forecast" else 0
    coverage = coverage_for_area(area=area, as_of=as_of, limit=limit, forecast=forecast)
    data = exports.AREA_TABLES[table](coverage)
    filename = exports.export_filename(area, data, as_of, fmt)
    _log_export(request, area, len(data.rows), filename)
    return exports.export_response(data, fmt=fmt, filename=filename)


def _log_export(request: HttpRequest, area: Area, rows: int, filename: str) -> None:
    access_log(
        user=request.user,
        action=AccessLog.Action.EXPORT,
        area_code=area.code,
        rows=rows,
        what=filename,
    )


@scoped
@require_GET
def village_export(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    area = _area(request, code)
    if area.level != "village":
        raise Http404(_("Only a village has a roster."))
    as_of = _export_as_of(request)
    if as_of is None:
        return HttpResponseBadRequest(_("Give as_of as a date, YYYY-MM-DD."))
    status, status_known = _roster_filter(request)
    if not status_known:
        return HttpResponseBadRequest(
            _("Give status as one of: %(statuses)s; or leave it out for everyone.")
            % {"statuses": ", ".join(exports.ROSTER_FILTERS)}
        )
    full_nik = may_see_full_nik(request.user)
    coverage = coverage_for_village(area=area, as_of=as_of, full_nik=full_nik)
    data = exports.roster_table(coverage, status)
    filename = exports.export_filename(area, data, as_of, fmt)
    full = " (full identifiers)" if full_nik else ""
    _log_export(request, area, len(data.rows), filename + full)
    return exports.export_response(data, fmt=fmt, filename=filename)
