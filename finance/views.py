"""The village budget planner's page (finance.budget): a village's one-page note for the
village meeting (Musdes), or a district's, regency's or province's sums, one row per village,
district or regency; and its downloads, CSV and XLSX (finance.budget_exports), with the
page's choices. Access: a logged-in user with a scope; an area outside it is a 404, like an
unknown code; GET only. Downloads are written to the access log. The download of an area
with more than EXPORT_JOB_MIN_VILLAGES villages (a province) is written by a background job
(finance.budget_jobs.export_budget): the request queues it and sends the user to its page; the
page of such an area shows the rows of a job's result computed under the current data
version (finance.budget_jobs.budget_province), and while there is none, the job's progress."""

from __future__ import annotations

import datetime as dt
from typing import cast

from django import forms
from django.conf import settings
from django.contrib.auth.models import User
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from enrollment import page_cache
from enrollment.exports import XLSX_CONTENT_TYPE
from enrollment.models import Membership
from enrollment.views import _area, _breadcrumbs, _errors, _log_export, scoped
from finance import budget_exports
from finance.budget import (
    DEFAULT_INCOME,
    DEFAULT_PAYER,
    DEFAULT_RISK_CLASS,
    DEFAULT_SCHEME,
    PAYERS,
    PROGRAMS,
    RISK_CLASSES,
    Choices,
    RateMissing,
    area_budget,
    village_budgets,
)
from finance.budget_jobs import (
    budget_download_name,
    budget_job,
    budget_result,
    choices_arguments,
)
from finance.models import Scheme
from jobs.models import Job
from jobs.services import job_enqueue_once, job_retry
from jobs.views import REFRESH_SECONDS
from villages.selectors import Area, villages_count

LEVELS = ("village", "district", "regency", "province")
PENDING = (Job.State.QUEUED, Job.State.RUNNING)
INCOME_MAX = 1_000_000_000


class BudgetForm(forms.Form):
    programs = forms.MultipleChoiceField(
        label=gettext_lazy("Wider set of programs"),
        choices=[(p, p) for p in PROGRAMS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None ticked: the rule set's minimum programs."),
    )
    scheme = forms.ChoiceField(label=gettext_lazy("Scheme"), choices=Scheme.choices, required=False)
    risk_class = forms.TypedChoiceField(
        label=gettext_lazy("Risk class (PU JKK)"),
        choices=[(c, str(c)) for c in RISK_CLASSES],
        coerce=int,
        required=False,
        empty_value=None,
        help_text=gettext_lazy("1 (very low risk) to 5 (very high risk); PU only."),
    )
    income = forms.IntegerField(
        label=gettext_lazy("Declared income or wage a month (Rp)"),
        min_value=0,
        max_value=INCOME_MAX,
        required=False,
    )
    payer = forms.ChoiceField(
        label=gettext_lazy("Who pays for holders without a recorded source"),
        choices=[c for c in Membership.Funding.choices if c[0] in PAYERS],
        required=False,
    )


DEFAULTS = {
    "income": DEFAULT_INCOME,
    "payer": DEFAULT_PAYER,
    "scheme": DEFAULT_SCHEME,
    "risk_class": DEFAULT_RISK_CLASS,
}


def _choices(request: HttpRequest) -> tuple[BudgetForm, Choices]:
    """The form and its values; missing values are the defaults, and invalid ones too (the
    form says what was wrong)."""
    if not request.GET:
        return BudgetForm(initial=DEFAULTS), Choices()
    form = BudgetForm(request.GET)
    if not form.is_valid():
        return form, Choices()
    data = form.cleaned_data
    return form, Choices(
        income=DEFAULT_INCOME if data["income"] is None else data["income"],
        programs=tuple(p for p in PROGRAMS if p in data["programs"]) or None,
        default_payer=data["payer"] or DEFAULT_PAYER,
        scheme=data["scheme"] or DEFAULT_SCHEME,
        risk_class=data["risk_class"] or DEFAULT_RISK_CLASS,
    )


def _budget_area(request: HttpRequest, code: str) -> Area:
    area = _area(request, code)
    if area.level not in LEVELS:
        raise Http404(
            _("The budget planner is for a village, a district, a regency or a province.")
        )
    return area


def _undotted(request: HttpRequest, area: Area, code: str, name: str, *args) -> HttpResponse | None:
    """A redirect to the dotted code's address when `code` is written otherwise."""
    if area.code == code:
        return None
    query = request.GET.urlencode()
    url = reverse(name, args=[area.code, *args])
    return redirect(url + (f"?{query}" if query else ""))


def _rate_missing(missing: RateMissing) -> Http404:
    return Http404(
        _("No contribution rate for %(program)s is in force today.") % {"program": missing}
    )


@scoped
@require_GET
def budget(request: HttpRequest, code: str) -> HttpResponse:
    area = _budget_area(request, code)
    if moved := _undotted(request, area, code, "finance:budget"):
        return moved
    form, choices = _choices(request)
    day = timezone.localdate()
    plan = None
    if area.level != "village" and villages_count(area=area) > settings.EXPORT_JOB_MIN_VILLAGES:
        # Too long for a request: the rows of a job's result of this very data version.
        version = page_cache.versions()
        if version is not None:  # None: no version to key a result by (computed here)
            plan = budget_result(area=area, day=day, choices=choices, version=version)
            if plan is None:
                return _budget_pending(request, area, form, choices, day)
    if plan is None:
        try:
            plan = area_budget(
                area=area,
                day=day,
                income=choices.income,
                programs=choices.programs,
                default_payer=choices.default_payer,
                scheme=choices.scheme,
                risk_class=choices.risk_class,
            )
        except RateMissing as missing:
            raise _rate_missing(missing) from missing
    total = plan.total
    costs = total.costs
    payers = dict(Membership.Funding.choices)
    query = request.GET.urlencode()
    exports = {
        fmt: reverse("finance:budget_export", args=[area.code, fmt])
        + (f"?{query}" if query else "")
        for fmt in ("csv", "xlsx")
    }
    ctx = {
        "area": area,
        "breadcrumbs": _breadcrumbs(request, area),
        "form": form,
        "plan": plan,
        "choices": choices,
        "today": plan.day,
        "default_payer": payers[choices.default_payer],
        "min_programs": " + ".join(total.min_programs),
        "chosen_programs": " + ".join(choices.programs or total.min_programs),
        "amounts": [(p, plan.amounts[p]) for p in PROGRAMS],
        "program_rows": [(p, [c.by_program.get(p, 0) for c in costs]) for p in PROGRAMS],
        "payer_rows": [(payers[p], [c.by_payer.get(p, 0) for c in costs]) for p in PAYERS],
        "monthly": [c.monthly for c in costs],
        "yearly": [c.yearly for c in costs],
        "payer_totals": [(payers[p], total.chosen.by_payer[p] * 12) for p in PAYERS],
        "exports": exports,
    }
    village = area.level == "village"
    template = "finance/budget_village.html" if village else "finance/budget_area.html"
    return render(request, template, ctx)


def _budget_pending(
    request: HttpRequest, area: Area, form: BudgetForm, choices: Choices, day: dt.date
) -> HttpResponse:
    """The page while its job computes the budget (queued now if none is under way): the
    job's progress, the page refreshing itself until the result is there; a failed job's
    message and a button to try again."""
    user = cast(User, request.user)  # @scoped: logged in
    job = budget_job(area=area, day=day, choices=choices, user=user)
    query = request.GET.urlencode()
    ctx = {
        "area": area,
        "breadcrumbs": _breadcrumbs(request, area),
        "form": form,
        "job": job,
        "percent": job.done * 100 // job.total if job.total else None,
        "refresh": REFRESH_SECONDS if job.state in PENDING else None,
        "retry": reverse("finance:budget_retry", args=[area.code]) + (f"?{query}" if query else ""),
    }
    return render(request, "finance/budget_pending.html", ctx)


@scoped
@require_POST
def budget_retry(request: HttpRequest, code: str) -> HttpResponse:
    """Queue again the failed or interrupted job of the page's budget, then the page."""
    area = _budget_area(request, code)
    if moved := _undotted(request, area, code, "finance:budget_retry"):
        return moved
    _form, choices = _choices(request)
    user = cast(User, request.user)  # @scoped: logged in
    job = budget_job(area=area, day=timezone.localdate(), choices=choices, user=user)
    job_retry(job=job)  # nothing when it is queued or running
    query = request.GET.urlencode()
    return redirect(reverse("finance:budget", args=[area.code]) + (f"?{query}" if query else ""))


@scoped
@require_GET
def budget_export(request: HttpRequest, code: str, fmt: str) -> HttpResponseBase:
    """The page's figures as a file: a village's by program and payer, an area's by village."""
    area = _budget_area(request, code)
    if moved := _undotted(request, area, code, "finance:budget_export", fmt):
        return moved
    form, choices = _choices(request)
    if form.errors:
        return HttpResponseBadRequest(" ".join(_errors(form)))
    day = timezone.localdate()
    if area.level != "village":
        villages = villages_count(area=area)
        if villages > settings.EXPORT_JOB_MIN_VILLAGES:
            return _export_job(request, area, day, choices, fmt, villages)
    try:
        budgets = village_budgets(area=area, day=day, choices=choices)
    except RateMissing as missing:
        raise _rate_missing(missing) from missing
    if area.level == "village":
        table = budget_exports.village_table(next(iter(budgets)))
    else:
        table = budget_exports.villages_table(budgets)
    filename = f"{table.slug}-{day:%Y-%m-%d}.{fmt}"
    _log_export(request, area, table.size, filename)
    response: HttpResponseBase
    if fmt == "csv":
        chunks = budget_exports.table_csv(table)
        response = StreamingHttpResponse(chunks, content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(budget_exports.table_xlsx(table), content_type=XLSX_CONTENT_TYPE)
    # Never None for an attachment; the stubs' return type cannot say so.
    response["Content-Disposition"] = cast(str, content_disposition_header(True, filename))
    return response


def _export_job(
    request: HttpRequest, area: Area, day: dt.date, choices: Choices, fmt: str, villages: int
) -> HttpResponse:
    """A budget too large to write within a request: a background job writes it (the same
    job again if this user's identical one is still under way), and its page follows it."""
    arguments = {
        "area": area.code,
        "day": day.isoformat(),
        "fmt": fmt,
        **choices_arguments(choices),
        "language": translation.get_language() or settings.LANGUAGE_CODE,
    }
    user = cast(User, request.user)  # @scoped: logged in
    job = job_enqueue_once(kind="export_budget", arguments=arguments, user=user)
    _log_export(request, area, villages, f"{budget_download_name(arguments)} (job {job.pk})")
    return redirect("jobs:job", pk=job.pk)
