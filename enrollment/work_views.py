"""The work list page and its call list (CSV, XLSX): the people of a user's scope to call about
their coverage (enrollment.selectors.work_list), filtered by state and by regency, district
and village within the scope.

The list is of one regency or less: a user whose scope is wider (head office, a regional
office, a province, a branch of several regencies) picks a regency first — a province's list
is tens of thousands of people, no call list, and minutes of database time at national scale.
A scope of one regency or less (most branch staff, managers of a regency or district, village
secretaries) gets its list at once. Access as on every page (`scoped`): an area outside the
scope is a 404; full NIKs and phones are shown and exported only to users who may see them,
and both are written to the access log."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from enrollment import exports
from enrollment.selectors import LAPSING_WINDOW
from enrollment.selectors.standings import rules_in_force
from enrollment.selectors.work_list import ENDED, IN_ARREARS, LAPSING, WorkList, work_list
from enrollment.views import _as_of, _export_as_of, scoped
from villages.access import access_log, may_see_full_nik, scope_for, visible_area
from villages.models import AccessLog, District, Post, Regency, Village
from villages.selectors import Area

PAGE_SIZE = 50


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


@dataclass
class Filters:
    """The areas a user may pick the list of, level by level (code and name of each), the
    codes chosen, the area the list is of (None: the whole scope, or nothing yet when
    `must_choose`)."""

    regencies: list[dict]
    districts: list[dict]
    villages: list[dict]
    chosen: dict[str, str]  # level -> code
    area: Area | None
    must_choose: bool


def _given(request: HttpRequest, level: str) -> Area | None:
    """The area a filter names, if the user may see it; 404 for any other code."""
    code = request.GET.get(level, "").strip()
    if not code:
        return None
    area = visible_area(request.user, code)
    if area is None or area.level != level:
        raise Http404(_("No area has this code."))
    return area


def _inside(area: Area | None, parent: Area | None) -> bool:
    return area is None or parent is None or area.code.startswith(f"{parent.code}.")


def _filters(request: HttpRequest) -> Filters:
    """Regency, district and village as given (a lower level that is not inside the level
    above is dropped: the user has just changed the level above), completed upwards (a link to
    a village names its district and regency too) and, for a scope of one regency or one
    district, that one."""
    scope = scope_for(request.user)
    regency, district, village = (_given(request, level) for level in LEVELS)
    if not _inside(district, regency):
        district = village = None
    if not _inside(village, district) or not _inside(village, regency):
        village = None
    deepest = village or district or regency
    regencies = _choices(Regency.objects.filter(scope.village_q("code")))
    chosen = {
        level: deepest.code[:length]
        for level, length in LENGTHS.items()
        if deepest and length <= len(deepest.code)
    }
    if not chosen and len(regencies) == 1:
        chosen["regency"] = regencies[0]["code"]
    districts: list[dict] = []
    if chosen.get("regency") or not regencies:
        rows = District.objects.filter(scope.village_q("code"))
        if chosen.get("regency"):
            rows = rows.filter(regency_id=chosen["regency"])
        districts = _choices(rows)
        if not regencies and len(districts) == 1:
            chosen.setdefault("district", districts[0]["code"])
    villages: list[dict] = []
    if chosen.get("district"):
        rows = Village.objects.filter(scope.village_q("code"), district_id=chosen["district"])
        villages = _choices(rows)
    area = deepest or _picked(chosen, regencies, districts)
    must_choose = area is None and (scope.everything or len(regencies) > 1)
    return Filters(regencies, districts, villages, chosen, area, must_choose)


LEVELS = ("regency", "district", "village")
LENGTHS = {"regency": 5, "district": 8, "village": 13}


def _choices(rows) -> list[dict]:
    return list(rows.order_by("code").values("code", "name"))


def _picked(chosen: dict[str, str], regencies: list[dict], districts: list[dict]) -> Area | None:
    """The area picked for the user (their only regency or district), or None."""
    for level, choices in (("district", districts), ("regency", regencies)):
        for choice in choices:
            if choice["code"] == chosen.get(level):
                return Area(code=choice["code"], name=choice["name"], level=level)
    return None


def _work_list(request: HttpRequest) -> tuple[WorkListForm, Filters, WorkList | None, dict]:
    """The filters as given, the areas they pick, the work list they select (None until an
    area is chosen where one must be) and the query that keeps the filters in links."""
    form = WorkListForm(request.GET)
    state = form.cleaned_data.get("state", "") if form.is_valid() else ""
    filters = _filters(request)
    _form, as_of, _query = _as_of(request)
    query = {
        "state": state,
        **({filters.area.level: filters.area.code} if filters.area else {}),
        "as_of": request.GET.get("as_of", "") and as_of.isoformat(),
    }
    query = {key: value for key, value in query.items() if value}
    if filters.must_choose:
        return form, filters, None, query
    rules_area = filters.area or Area(code="", name="", level="country")
    listed = work_list(
        posts=Post.objects.visible_to(request.user),
        area=filters.area,
        day=as_of,
        rules=rules_in_force(area=rules_area, year=as_of.year),
        state=state,
        full_identifiers=may_see_full_nik(request.user),
    )
    return form, filters, listed, query


def _log_code(request: HttpRequest, area: Area | None) -> str:
    """The area a work list is of, for the access log and file names: "" for several."""
    if area is not None:
        return area.code
    prefixes = scope_for(request.user).prefixes
    return prefixes[0] if len(prefixes) == 1 else ""


@scoped
@require_GET
def work_list_page(request: HttpRequest) -> HttpResponse:
    """The people of the user's scope whose coverage lapses within 30 days, is in arrears or
    has ended, by village, 50 a page; the whole list downloads as a call list."""
    form, filters, listed, query = _work_list(request)
    as_of_form, as_of, _query = _as_of(request)
    page, rows = None, []
    if listed is not None:
        page = Paginator(listed.entries, PAGE_SIZE).get_page(request.GET.get("page"))
        rows = listed.rows(page.object_list)
    full = listed is not None and listed.full_identifiers
    if full and rows:
        access_log(
            user=request.user,
            action=AccessLog.Action.FULL_IDENTIFIERS,
            area_code=_log_code(request, filters.area),
            rows=len(rows),
            what=f"work list page {page.number if page else 1}",
        )
    ctx = {
        "form": form,
        "filters": filters,
        "as_of_form": as_of_form,
        "as_of": as_of,
        "area": filters.area,
        "page": page,
        "rows": rows,
        "full_identifiers": full,
        "query": urlencode(query),
        "window_end": as_of + LAPSING_WINDOW,
    }
    return render(request, "enrollment/work_list.html", ctx)


@scoped
@require_GET
def work_list_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The whole work list as a call list (CSV or XLSX), with the filters of the page."""
    if _export_as_of(request) is None:
        return HttpResponseBadRequest(_("Give as_of as a date, YYYY-MM-DD."))
    form, filters, listed, _query = _work_list(request)
    if form.errors:
        return HttpResponseBadRequest(_("Give state as lapsing_soon, in_arrears or ended."))
    if listed is None:
        return HttpResponseBadRequest(_("Choose a regency, a district or a village first."))
    data = exports.work_list_table(listed.all_rows())
    code = _log_code(request, filters.area)
    filename = f"daftar-telepon-{code or 'semua'}-{listed.day:%Y-%m-%d}.{fmt}"
    full = " (full identifiers)" if listed.full_identifiers else ""
    access_log(
        user=request.user,
        action=AccessLog.Action.EXPORT,
        area_code=code,
        rows=len(data.rows),
        what=filename + full,
    )
    return exports.export_response(data, fmt=fmt, filename=filename)
