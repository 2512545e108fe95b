"""The coverage pages: area dashboards from the country down to a district, the village
page, and the CSV and XLSX exports of their tables (the work list: enrollment.work_views).
Thin: they read through the selectors, put the results in the order the page shows them (chart
series, roster groups) and render.

Access: a logged-in user with a scope (villages.access); an area outside it is a 404, exactly
like an unknown code; GET only. Full identifiers and exports are written to the access log."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from functools import wraps
from typing import cast
from urllib import parse as urllib_parse
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_GET

from campaign.selectors.recent import recent_events
from enrollment import exports, page_cache
from enrollment.as_of import AsOfError, as_of_in_range
from enrollment.jobs import candidates_download_name
from enrollment.page_cache import Viewer
from enrollment.rules import Figures
from enrollment.selectors import (
    CANDIDATE,
    DECLARED_FAILING,
    NEAR,
    NOT_YET,
    SORTS,
    STATUS_FILTERS,
    ListQuery,
    coverage_for_area,
    coverage_for_village,
    coverage_trend,
    desa_sadar_all,
    desa_sadar_list,
    list_subdivisions,
    villages_enrolled_trend,
)
from enrollment.selectors.ranking import LEVELS, WEIGHTS, kept_day_ranking
from enrollment.selectors.targets import district_gaps
from enrollment.services import full_identifiers_shown
from finance.chart import finance_charts
from finance.selectors import finance_by_year
from jobs.services import job_enqueue_once
from villages.access import access_log, has_scope, may_see_full_nik, scope_for, visible_area
from villages.models import AccessLog, Post
from villages.selectors import (
    CHILD_LEVEL,
    LEVEL_BY_LENGTH,
    Area,
    area_ancestors,
    areas_get,
    villages_count,
)

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


def desa_sadar_url(code: str) -> str:
    """The Desa Sadar list of an area."""
    if code:
        return reverse("enrollment:desa_sadar", args=[code])
    return reverse("enrollment:desa_sadar")


def ranking_url(level: str = "regency", as_of_query: str = "") -> str:
    """The national standing's page of `level`, keeping the day (`as_of_query`)."""
    params = {"level": level} if level != "regency" else {}
    params.update(urllib_parse.parse_qsl(as_of_query.removeprefix("?")))
    return reverse("enrollment:ranking") + (f"?{urlencode(params)}" if params else "")


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


def _chart_series(pairs: list[tuple[str, Figures]]) -> dict:
    return _series(_("Coverage (%)"), [(label, figures.coverage_pct) for label, figures in pairs])


def _series(label: str, points: list[tuple[str, float | None]]) -> dict:
    """A chart's series as charts.js reads it: {label, labels, values}."""
    return {
        "label": label,
        "labels": [name for name, _value in points],
        "values": [value for _name, value in points],
    }


# --- Pages ---------------------------------------------------------------------------------


@scoped
@require_GET
def area_dashboard(request: HttpRequest, code: str = "") -> HttpResponse:
    version = page_cache.versions()  # first, before any data is read: see enrollment.page_cache
    scope = scope_for(request.user)
    if not code and not scope.everything:
        return redirect(area_page_url(scope.home))  # the user's own area is their start
    area = _area(request, code)
    if area.level == "village" or area.code != code:
        return _redirect(area, request)
    form, as_of, as_of_query = _as_of(request)
    ranked = request.GET.get("sort") == RANK_BY_ENROLLED
    # Several areas (a branch's regencies) are listed on every dashboard, so each is reached.
    viewer = Viewer(
        is_staff=request.user.is_staff,
        areas=scope.prefixes if len(scope.prefixes) > 1 else (),
    )
    fragment = page_cache.page_fragment(
        version=None if form.errors else version,  # an unusable day is not kept
        page="area",
        code=area.code,
        params={"as_of": request.GET.get("as_of") or "", "ranked": ranked},
        viewer=viewer,
    )
    ctx = {
        "area": area,
        "breadcrumbs": _breadcrumbs(request, area),
        "as_of_query": as_of_query,
        "fragment": fragment,
    }
    if fragment.html is None:
        ctx |= _area_data(area, form, as_of, as_of_query, ranked, viewer)
    response = render(request, "enrollment/area.html", ctx)
    fragment.store()
    return response


def _area_data(
    area: Area, form: AsOfForm, as_of: dt.date, as_of_query: str, ranked: bool, viewer: Viewer
) -> dict:
    """What the dashboard's data part shows (the cached part of the page)."""
    # The Desa Sadar list has its own page; the dashboard shows its counts.
    coverage = coverage_for_area(area=area, as_of=as_of, limit=0, forecast=FORECAST_ON_PAGE)
    if ranked:
        coverage.children.sort(key=_enrolled_rank)
    trend = coverage_trend(area=area)
    villages_trend = villages_enrolled_trend(area=area)
    gaps = district_gaps(coverage=coverage)
    # Contributions against claims: the regency and province pages only (one query).
    finance = finance_by_year(area=area) if area.level in ("regency", "province") else []
    return {
        **_standing(area, as_of, as_of_query),
        "my_areas": areas_get(codes=list(viewer.areas)) if viewer.areas else [],
        "as_of": as_of,
        "as_of_form": form,
        "coverage": coverage,
        "child_level": CHILD_LEVEL[area.level],
        "desa_sadar_url": desa_sadar_url(area.code) + as_of_query,
        "near": coverage.rules.for_village(area.code).near,
        "trend": trend,
        "categories_chart": _chart_series(
            [(str(Post.Category(c).label), f) for c, f in coverage.by_category]
        ),
        "trend_chart": _chart_series([(formats.date_format(m, "M Y"), f) for m, f in trend]),
        "villages_trend": villages_trend,
        "villages_trend_chart": _series(
            _("Villages enrolled (%)"),
            [(formats.date_format(row.month, "M Y"), row.enrolled_pct) for row in villages_trend],
        ),
        "district_gaps": gaps,
        "districts_behind": sum(gap.behind for gap in gaps),
        "finance_charts": finance_charts(finance),
        "recent_events": recent_events(area_code=area.code),
        "campaign_url": _campaign_url(area.code),
        "ranked_by_enrolled": ranked,
        "rank_url": _rank_url(as_of_query, not ranked),
    }


# The country dashboard shows the first regencies and provinces of the national standing.
RANKING_ON_PAGE = 10


def _standing(area: Area, as_of: dt.date, as_of_query: str) -> dict:
    """The national standing on the country's dashboard (its first rows), and a regency's or
    a province's own place in it on theirs; nothing below. Only from the figures of the day
    kept: for another day, the card links to the standing's page of that day."""
    if area.level not in ("country", "province", "regency"):
        return {}
    levels = LEVELS if area.level == "country" else (area.level,)
    ctx: dict[str, object] = {
        "weights": WEIGHTS,
        "ranking_urls": {level: ranking_url(level, as_of_query) for level in levels},
        "ranking_url": ranking_url(levels[0], as_of_query),
    }
    ranking = kept_day_ranking(as_of=as_of)
    if ranking is None:
        ctx["ranking_elsewhere"] = True
    elif area.level == "country":
        ctx["ranking"] = ranking
        ctx["ranking_top"] = {level: ranking.of_level(level)[:RANKING_ON_PAGE] for level in LEVELS}
    else:
        ctx["standing"] = ranking.get(area.code)
    return ctx


# The children table ranked by their share of villages enrolled: `?sort=villages_enrolled`.
RANK_BY_ENROLLED = "villages_enrolled"


def _enrolled_rank(row) -> tuple:
    """Highest share of villages enrolled first, then more villages enrolled, then code."""
    share = row.villages_enrolled_pct
    return (share is None, -(share or 0), -row.villages_enrolled, row.area.code)


def _rank_url(as_of_query: str, ranked: bool) -> str:
    """The same page ranked by villages enrolled (or back in code order), keeping the day."""
    params = dict(urllib_parse.parse_qsl(as_of_query.removeprefix("?")))
    if ranked:
        params["sort"] = RANK_BY_ENROLLED
    return "?" + urlencode(params) + "#children-heading" if params else "?#children-heading"


# --- The Desa Sadar list --------------------------------------------------------------------

STATUS_CHOICES = [
    ("", gettext_lazy("Every village")),
    (CANDIDATE, gettext_lazy("Candidates")),
    (NEAR, gettext_lazy("Near")),
    (DECLARED_FAILING, gettext_lazy("Declared, no longer passing")),
    (NOT_YET, gettext_lazy("Every village not yet passing")),
]
SORT_CHOICES = [
    ("gap", gettext_lazy("Nearest to passing first")),
    ("-gap", gettext_lazy("Furthest from passing first")),
    ("code", gettext_lazy("Code")),
    ("-code", gettext_lazy("Code, descending")),
    ("name", gettext_lazy("Name")),
    ("-name", gettext_lazy("Name, descending")),
    ("coverage", gettext_lazy("Coverage, lowest first")),
    ("-coverage", gettext_lazy("Coverage, highest first")),
]
# The query parameters of the list, in the order its links write them.
LIST_PARAMS = ("as_of", "within", "status", "max_people", "sort")


class DesaSadarForm(AsOfForm):
    """The list's filters. A value that cannot be used is reported and left out."""

    within = forms.ChoiceField(required=False)
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=STATUS_CHOICES, required=False)
    max_people = forms.IntegerField(
        label=gettext_lazy("Officials still to cover, at most"),
        min_value=0,
        max_value=10_000,
        required=False,
    )
    sort = forms.ChoiceField(label=gettext_lazy("Order"), choices=SORT_CHOICES, required=False)

    def __init__(self, data, *, subdivisions: list[Area], level_label: str):
        # No day asked: today, shown in the field but kept out of the links (as the dashboard).
        self.today_shown = not data.get("as_of")
        if self.today_shown:
            data = data.copy()
            data["as_of"] = timezone.localdate().isoformat()
        super().__init__(data)
        within = cast(forms.ChoiceField, self.fields["within"])
        within.label = level_label
        within.choices = [("", _("All")), *[(a.code, a.name) for a in subdivisions]]
        self.subdivisions = {a.code: a for a in subdivisions}
        if not subdivisions:
            del self.fields["within"]

    def cleaned(self, name: str):
        """The field's value if it is valid, else None (the form shows the error)."""
        return self.cleaned_data.get(name) if hasattr(self, "cleaned_data") else None

    def list_query(self) -> ListQuery:
        return ListQuery(
            status=self.cleaned("status") or "",
            max_people=self.cleaned("max_people"),
            sort=self.cleaned("sort") or "gap",
        )

    def narrowed(self, area: Area) -> Area:
        """The area the list covers: `area`, or the subdivision chosen."""
        return self.subdivisions.get(self.cleaned("within") or "", area)

    def params(self) -> dict[str, str]:
        """The valid, non-default values, for the links that keep them."""
        result = {}
        for name in LIST_PARAMS:
            value = self.cleaned(name)
            if name == "as_of" and self.today_shown:
                continue
            if value not in (None, "") and not (name == "sort" and value == "gap"):
                result[name] = value.isoformat() if name == "as_of" else str(value)
        return result


def _desa_sadar_form(request: HttpRequest, area: Area) -> DesaSadarForm:
    subdivisions = list_subdivisions(area=area)
    level = CHILD_LEVEL[area.level] if subdivisions else "village"
    label = str(exports.LEVEL_LABELS[level])
    form = DesaSadarForm(request.GET, subdivisions=subdivisions, level_label=label)
    form.is_valid()
    return form


@dataclass(frozen=True)
class ListLinks:
    """The links of a list page, each keeping the filters (`params`) it does not change."""

    url: str
    params: dict[str, str]

    def to(self, **changes: str) -> str:
        merged = {k: v for k, v in {**self.params, **changes}.items() if v}
        return self.url + (f"?{urlencode(merged)}" if merged else "")

    def sorts(self, sort: str) -> dict[str, dict[str, str]]:
        """Per column: the link sorting by it (the current column reversed), from the first
        page, and its aria-sort value ("" for the columns not sorted by)."""
        key, descending = sort.removeprefix("-"), sort.startswith("-")
        result = {}
        for column in SORTS:
            current = column == key
            order = f"-{column}" if current and not descending else column
            result[column] = {
                "url": self.to(sort="" if order == "gap" else order, page=""),
                "aria": ("descending" if descending else "ascending") if current else "",
            }
        return result

    def pages(self, page) -> dict:
        numbers = page.paginator.get_elided_page_range(page.number)
        return {
            "numbers": [(n, self.to(page=str(n)) if isinstance(n, int) else "") for n in numbers],
            "previous": self.to(page=str(page.previous_page_number()))
            if page.has_previous()
            else "",
            "next": self.to(page=str(page.next_page_number())) if page.has_next() else "",
        }

    def statuses(self) -> dict[str, str]:
        """The list of each status, in the same area and day, other filters dropped."""
        kept = {k: v for k, v in self.params.items() if k in ("as_of", "within")}
        bare = ListLinks(self.url, kept)
        return {status: bare.to(status=status) for status in STATUS_FILTERS if status}


def _export_url(area: Area, table: str, fmt: str) -> str:
    args = [area.code, table, fmt] if area.code else [table, fmt]
    return reverse("enrollment:area_export", args=args)


@scoped
@require_GET
def desa_sadar(request: HttpRequest, code: str = "") -> HttpResponse:
    """Every village of an area with its Desa Sadar status and gap: filtered, sorted and
    paged on the server. An unusable filter is reported on the page and left out."""
    scope = scope_for(request.user)
    if not code and not scope.everything:  # the user's own area, as the dashboard does
        home = scope.home
        village_home = LEVEL_BY_LENGTH.get(len(home)) == "village"
        return redirect(area_page_url(home) if village_home else desa_sadar_url(home))
    area = _area(request, code)
    if area.level == "village":
        raise Http404(_("A village has no Desa Sadar list; its page has its checklist."))
    if area.code != code:
        query = request.GET.urlencode()
        return redirect(desa_sadar_url(area.code) + (f"?{query}" if query else ""))
    form = _desa_sadar_form(request, area)
    as_of = form.cleaned("as_of") or timezone.localdate()
    result = desa_sadar_list(
        area=form.narrowed(area), as_of=as_of, query=form.list_query(), page=request.GET.get("page")
    )
    params = form.params()
    links = ListLinks(desa_sadar_url(area.code), params)
    as_of_query = "?" + urlencode({"as_of": params["as_of"]}) if "as_of" in params else ""
    ctx = {
        "area": area,
        "breadcrumbs": _breadcrumbs(request, area),
        "as_of": as_of,
        "as_of_query": as_of_query,
        "form": form,
        "list": result,
        # The rule set in force here: a regency's own, or the national one.
        "rules": result.rules.for_village(area.code),
        "sort_links": links.sorts(result.query.sort),
        "pages": links.pages(result.page),
        "status_links": links.statuses(),
        "export_urls": {
            fmt: _export_url(area, "candidates", fmt) + (f"?{urlencode(params)}" if params else "")
            for fmt in ("csv", "xlsx")
        },
        "dashboard_url": area_page_url(area.code) + as_of_query,
    }
    return render(request, "enrollment/desa_sadar.html", ctx)


@scoped
@require_GET
def village(request: HttpRequest, code: str) -> HttpResponse:
    version = page_cache.versions()  # first, before any data is read: see enrollment.page_cache
    area = _area(request, code)
    if area.level != "village" or area.code != code:
        return _redirect(area, request)
    form, as_of, as_of_query = _as_of(request)
    status, status_known = _roster_filter(request)
    viewer = Viewer(is_staff=request.user.is_staff, full_nik=may_see_full_nik(request.user))
    fragment = page_cache.page_fragment(
        version=None if form.errors else version,  # an unusable day is not kept
        page="village",
        code=area.code,
        params={"as_of": request.GET.get("as_of") or "", "status": status, "known": status_known},
        viewer=viewer,
    )
    ctx = {
        "area": area,
        "breadcrumbs": _breadcrumbs(request, area),
        "as_of_query": as_of_query,
        "fragment": fragment,
    }
    if fragment.html is None:
        coverage = coverage_for_village(area=area, as_of=as_of, full_nik=viewer.full_nik)
        fragment.meta["roster"] = len(coverage.roster)
        ctx |= _village_data(coverage, form, as_of, as_of_query, status, status_known)
    # Full identifiers shown are logged on every showing, from the cache too.
    full_identifiers_shown(
        user=request.user,
        area_code=area.code,
        rows=fragment.meta["roster"] if viewer.full_nik else 0,
        action=AccessLog.Action.FULL_IDENTIFIERS,
        what="village page",
    )
    response = render(request, "enrollment/village.html", ctx)
    fragment.store()
    return response


def _village_data(coverage, form, as_of, as_of_query, status, status_known) -> dict:
    """What the village page's data part shows (the cached part of the page)."""
    rows = defaultdict(list)
    for row in exports.roster_filtered(coverage.roster, status):
        rows[row.category].append(row)
    return {
        "as_of": as_of,
        "as_of_form": form,
        "coverage": coverage,
        "programs": list(coverage.roster[0].programs) if coverage.roster else [],
        "groups": [(c, f, rows[c]) for c, f in coverage.by_category if rows[c]],
        "status": status,
        "status_unknown": not status_known,
        "status_filters": _status_filters(coverage.roster, as_of_query, status),
        # The roster's download keeps the filter shown.
        "export_query": _with_status(as_of_query, status),
        "recent_events": recent_events(area_code=coverage.area.code),
        "campaign_url": _campaign_url(coverage.area.code),
    }


def _campaign_url(code: str) -> str:
    return reverse("campaign:area", args=[code]) if code else reverse("campaign:area")


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
    if table == "candidates":  # the Desa Sadar list, whole, with the filters of its page
        form = _desa_sadar_form(request, area)
        if form.errors:
            return HttpResponseBadRequest(" ".join(_errors(form)))
        listed = form.narrowed(area)
        villages = villages_count(area=listed)
        if villages > settings.EXPORT_JOB_MIN_VILLAGES:
            return _candidates_job(request, listed, as_of, form.list_query(), fmt, villages)
        rows = desa_sadar_all(area=listed, as_of=as_of, query=form.list_query())
        data = exports.candidates_table(rows)
    else:  # these tables need no village evaluated
        # Only the forecast table lists villages; the others need none of them.
        forecast = None if table == "forecast" else 0
        coverage = coverage_for_area(area=area, as_of=as_of, limit=0, forecast=forecast)
        data = exports.AREA_TABLES[table](coverage)
    filename = exports.export_filename(area, data, as_of, fmt)
    _log_export(request, area, len(data.rows), filename)
    return exports.export_response(data, fmt=fmt, filename=filename)


def _candidates_job(
    request: HttpRequest, area: Area, as_of: dt.date, query: ListQuery, fmt: str, villages: int
) -> HttpResponse:
    """A list too large to write within a request: a background job writes it (the same
    job again if this user's identical one is still under way), and its page follows it."""
    arguments = {
        "area": area.code,
        "as_of": as_of.isoformat(),
        "fmt": fmt,
        "status": query.status,
        "max_people": query.max_people,
        "sort": query.sort,
        "language": translation.get_language() or settings.LANGUAGE_CODE,
    }
    user = cast(User, request.user)  # @scoped: logged in
    job = job_enqueue_once(kind="export_candidates", arguments=arguments, user=user)
    what = f"{candidates_download_name(arguments)} (job {job.pk})"
    _log_export(request, area, villages, what)
    return redirect("jobs:job", pk=job.pk)


def _errors(form: forms.Form) -> list[str]:
    return [
        f"{form.fields[name].label}: {error}"
        for name, errors in form.errors.items()
        for error in errors
    ]


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
