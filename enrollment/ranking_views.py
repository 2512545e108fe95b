"""The national standing's page and its export (CSV, XLSX): regencies and cities, or provinces
(`?level=province`), ranked by the composite of docs/national-standing.md, on a day (`as_of`).

Who sees what, as everywhere else (villages.access): head office and the superuser see every
row; any other user sees the rows of the regencies (or provinces) inside their own scope, each
with its national rank ("3 of 514"), never another area's figures. A user whose scope holds no
whole area of the level asked (a village secretary, a district's manager; a regency's staff
asking for provinces) gets a 404, as for an area outside their scope. GET only."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from enrollment import exports
from enrollment.selectors.ranking import LEVELS, WEIGHTS, RankedArea, national_ranking
from enrollment.views import _as_of, _export_as_of, _log_export, ranking_url, scoped
from villages.access import scope_for
from villages.selectors import COUNTRY_NAME, Area

# The width of the dotted code of an area of each level.
_WIDTH = {"regency": 5, "province": 2}
_COUNTRY = Area(code="", name=COUNTRY_NAME, level="country")


def _level(request: HttpRequest) -> str | None:
    """The level asked (`level`, regency when not given), None when it is no level ranked."""
    level = request.GET.get("level") or "regency"
    return level if level in LEVELS else None


def _visible(request: HttpRequest, rows: list[RankedArea]) -> list[RankedArea]:
    scope = scope_for(request.user)
    return [row for row in rows if scope.covers(row.code)]


def _require_level_seen(request: HttpRequest, level: str) -> None:
    """404 unless the user's scope holds a whole area of `level` (checked before any figure
    is read)."""
    if not scope_for(request.user).holds_whole(_WIDTH[level]):
        raise Http404(_("None of your areas is ranked at this level."))


def _export_urls(level: str, as_of_query: str) -> dict[str, str]:
    query = ranking_url(level, as_of_query).partition("?")[2]
    return {
        fmt: reverse("enrollment:ranking_export", args=[fmt]) + (f"?{query}" if query else "")
        for fmt in ("csv", "xlsx")
    }


@scoped
@require_GET
def ranking_page(request: HttpRequest) -> HttpResponse:
    level = _level(request)
    if level is None:
        return HttpResponseBadRequest(_("Give level as regency or province."))
    _require_level_seen(request, level)
    form, as_of, as_of_query = _as_of(request)
    ranking = national_ranking(as_of=as_of)
    rows = _visible(request, ranking.of_level(level))
    scope = scope_for(request.user)
    ctx = {
        "area": _COUNTRY,
        "level": level,
        "as_of": as_of,
        "as_of_form": form,
        "as_of_query": as_of_query,
        "standing_level": level if level != "regency" else "",
        "rows": rows,
        "of": len(ranking.of_level(level)),
        "everything": scope.everything,
        "weights": WEIGHTS,
        "levels": [
            (other, ranking_url(other, as_of_query))
            for other in LEVELS
            if scope.holds_whole(_WIDTH[other])
        ],
        "export_urls": _export_urls(level, as_of_query),
    }
    return render(request, "enrollment/ranking.html", ctx)


@scoped
@require_GET
def ranking_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The rows of the page, whole, as CSV (plain numbers) or XLSX (number cells)."""
    level = _level(request)
    if level is None:
        return HttpResponseBadRequest(_("Give level as regency or province."))
    _require_level_seen(request, level)
    as_of = _export_as_of(request)
    if as_of is None:
        return HttpResponseBadRequest(_("Give as_of as a date, YYYY-MM-DD."))
    ranking = national_ranking(as_of=as_of)
    data = exports.ranking_table(_visible(request, ranking.of_level(level)), level)
    filename = exports.export_filename(_COUNTRY, data, as_of, fmt)
    _log_export(request, _COUNTRY, len(data.rows), filename)
    return exports.export_response(data, fmt=fmt, filename=filename)
