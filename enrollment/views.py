"""The coverage pages: area dashboards from the country down to a district, the village
page, the work list, and the CSV and XLSX exports of their tables. Thin: they read through the
selectors, put the results in the order the page shows them (chart series, roster groups) and
render.

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
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from enrollment import exports
from enrollment.as_of import AsOfError, as_of_in_range
from enrollment.rules import Figures
from enrollment.selectors import (
    LAPSING_WINDOW,
    coverage_for_area,
    coverage_for_village,
    coverage_trend,
)
from enrollment.selectors.standings import rules_in_force
from enrollment.selectors.targets import district_gaps
from enrollment.selectors.work_list import ENDED, IN_ARREARS, LAPSING, WorkList, work_list
from enrollment.services import village_coverage_shown
from villages.access import access_log, has_scope, may_see_full_nik, scope_for, visible_area
from villages.models import AccessLog, District, Post, Village
from villages.selectors import (
    CHILD_LEVEL,
    LEVEL_BY_LENGTH,
    Area,
    area_ancestors,
    area_get,
    areas_get,
)

# A country page can list thousands of villages; the export always holds them all.
CANDIDATES_ON_PAGE = 200


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
    coverage = coverage_for_area(area=area, as_of=as_of, limit=CANDIDATES_ON_PAGE)
    trend = coverage_trend(area=area)
    candidates = exports.candidate_rows(coverage)
    gaps = district_gaps(coverage=coverage)
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
        "district_gaps": gaps,
        "districts_behind": sum(gap.behind for gap in gaps),
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
    rows = defaultdict(list)
    for row in coverage.roster:
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
    }
    return render(request, "enrollment/village.html", ctx)


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
    # Only the candidates table lists villages; the others need none of them evaluated.
    limit = None if table == "candidates" else 0
    coverage = coverage_for_area(area=area, as_of=as_of, limit=limit)
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
    full_nik = may_see_full_nik(request.user)
    coverage = coverage_for_village(area=area, as_of=as_of, full_nik=full_nik)
    data = exports.roster_table(coverage)
    filename = exports.export_filename(area, data, as_of, fmt)
    full = " (full identifiers)" if full_nik else ""
    _log_export(request, area, len(data.rows), filename + full)
    return exports.export_response(data, fmt=fmt, filename=filename)


# --- Work list -----------------------------------------------------------------------------

WORK_LIST_PAGE_SIZE = 50


class WorkListForm(forms.Form):
    state = forms.ChoiceField(
        label=gettext_lazy("Show"),
        required=False,
        choices=[
            ("", gettext_lazy("All: lapsing, in arrears and ended")),
            (LAPSING, exports.WORK_STATE_LABELS[LAPSING]),
            (IN_ARREARS, exports.WORK_STATE_LABELS[IN_ARREARS]),
            (ENDED, exports.WORK_STATE_LABELS[ENDED]),
        ],
    )
    district = forms.CharField(label=gettext_lazy("District"), required=False, max_length=20)
    village = forms.CharField(label=gettext_lazy("Village"), required=False, max_length=20)


def _filter_area(request: HttpRequest, code: str, level: str) -> Area | None:
    """The district or village a filter names, if the user may see it; 404 otherwise."""
    if not code:
        return None
    area = visible_area(request.user, code)
    if area is None or area.level != level:
        raise Http404(_("No area has this code."))
    return area


def _work_list(request: HttpRequest) -> tuple[WorkListForm, WorkList, Area | None, dict]:
    """The filters as given, the user's work list they select, the area it is cut to (None:
    the whole scope) and the query that keeps the filters in links."""
    form = WorkListForm(request.GET)
    valid = form.is_valid()
    state = form.cleaned_data.get("state", "") if valid else ""
    district = _filter_area(request, request.GET.get("district", "").strip(), "district")
    village = _filter_area(request, request.GET.get("village", "").strip(), "village")
    if village and district and not village.code.startswith(f"{district.code}."):
        village = None  # the district was changed: its own villages are offered next
    area = village or district
    _form, as_of, _query = _as_of(request)
    country = area_get(code="")
    assert country is not None
    listed = work_list(
        posts=Post.objects.visible_to(request.user),
        area=area,
        day=as_of,
        rules=rules_in_force(area=area or country, year=as_of.year),
        state=state,
        full_identifiers=may_see_full_nik(request.user),
    )
    query = {
        "state": state,
        "district": district.code if district else "",
        "village": village.code if village else "",
        "as_of": request.GET.get("as_of", "") and as_of.isoformat(),
    }
    return form, listed, area, {key: value for key, value in query.items() if value}


def _work_list_choices(request: HttpRequest, district: str) -> dict:
    """The districts a user may filter by (None: too many to list, typed as a code) and the
    villages of the chosen district (or of a user's only district)."""
    scope = scope_for(request.user)
    if scope.everything:
        districts = None
    else:
        rows = District.objects.filter(scope.village_q("code")).order_by("code")
        districts = list(rows.values("code", "name"))
        if len(districts) == 1:
            district = districts[0]["code"]
    villages = []
    if district:
        rows = Village.objects.filter(scope.village_q("code"), district_id=district)
        villages = list(rows.order_by("code").values("code", "name"))
    return {"districts": districts, "villages": villages}


def _scope_code(request: HttpRequest, area: Area | None) -> str:
    """The area a work list is of, for the access log and file names: "" for all."""
    if area is not None:
        return area.code
    prefixes = scope_for(request.user).prefixes
    return prefixes[0] if len(prefixes) == 1 else ""


@scoped
@require_GET
def work_list_page(request: HttpRequest) -> HttpResponse:
    """The people of the user's scope whose coverage lapses within 30 days, is in arrears or
    has ended, by village, 50 a page; the whole list downloads as a call list."""
    form, listed, area, query = _work_list(request)
    as_of_form, as_of, _query = _as_of(request)
    page = Paginator(listed.entries, WORK_LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = listed.rows(page.object_list)
    if listed.full_identifiers and rows:
        access_log(
            user=request.user,
            action=AccessLog.Action.FULL_IDENTIFIERS,
            area_code=_scope_code(request, area),
            rows=len(rows),
            what=f"work list page {page.number}",
        )
    ctx = {
        "form": form,
        "as_of_form": as_of_form,
        "as_of": as_of,
        "area": area,
        "page": page,
        "rows": rows,
        "full_identifiers": listed.full_identifiers,
        "query": urlencode(query),
        "window_end": as_of + LAPSING_WINDOW,
        **_work_list_choices(request, query.get("district", "")),
    }
    return render(request, "enrollment/work_list.html", ctx)


@scoped
@require_GET
def work_list_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The whole work list as a call list (CSV or XLSX), with the filters of the page."""
    if _export_as_of(request) is None:
        return HttpResponseBadRequest(_("Give as_of as a date, YYYY-MM-DD."))
    form, listed, area, _query = _work_list(request)
    if form.errors:
        return HttpResponseBadRequest(_("Give state as lapsing_soon, in_arrears or ended."))
    data = exports.work_list_table(listed.all_rows())
    filename = f"daftar-telepon-{_scope_code(request, area) or 'semua'}-{listed.day:%Y-%m-%d}.{fmt}"
    full = " (full identifiers)" if listed.full_identifiers else ""
    access_log(
        user=request.user,
        action=AccessLog.Action.EXPORT,
        area_code=_scope_code(request, area),
        rows=len(data.rows),
        what=filename + full,
    )
    return exports.export_response(data, fmt=fmt, filename=filename)
