"""The village budget planner's page (finance.budget): a village's one-page note for the
village meeting (Musdes), or a district's or regency's sums, one row per village or
district. Access: a logged-in user with a scope; an area outside it is a 404, like an
unknown code; GET only."""

from __future__ import annotations

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from enrollment.models import Membership
from enrollment.views import _area, _breadcrumbs, scoped
from finance.budget import (
    DEFAULT_INCOME,
    DEFAULT_PAYER,
    PAYERS,
    PROGRAMS,
    RateMissing,
    area_budget,
)

LEVELS = ("village", "district", "regency")
INCOME_MAX = 1_000_000_000


class BudgetForm(forms.Form):
    programs = forms.MultipleChoiceField(
        label=gettext_lazy("Wider set of programs"),
        choices=[(p, p) for p in PROGRAMS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None ticked: the rule set's minimum programs."),
    )
    income = forms.IntegerField(
        label=gettext_lazy("Declared income a month (Rp)"),
        min_value=0,
        max_value=INCOME_MAX,
        required=False,
    )
    payer = forms.ChoiceField(
        label=gettext_lazy("Who pays for holders without a recorded source"),
        choices=[c for c in Membership.Funding.choices if c[0] in PAYERS],
        required=False,
    )


def _choices(request: HttpRequest) -> tuple[BudgetForm, tuple[str, ...] | None, int, str]:
    """The form and its values; missing or invalid values fall back to the defaults (the
    form says what was wrong)."""
    defaults = {"income": DEFAULT_INCOME, "payer": DEFAULT_PAYER}
    if not request.GET:
        return BudgetForm(initial=defaults), None, DEFAULT_INCOME, DEFAULT_PAYER
    form = BudgetForm(request.GET)
    if not form.is_valid():
        return form, None, DEFAULT_INCOME, DEFAULT_PAYER
    data = form.cleaned_data
    programs = tuple(p for p in PROGRAMS if p in data["programs"]) or None
    income = DEFAULT_INCOME if data["income"] is None else data["income"]
    return form, programs, income, data["payer"] or DEFAULT_PAYER


@scoped
@require_GET
def budget(request: HttpRequest, code: str) -> HttpResponse:
    area = _area(request, code)
    if area.level not in LEVELS:
        raise Http404(_("The budget planner is for a village, a district or a regency."))
    if area.code != code:
        query = request.GET.urlencode()
        url = reverse("finance:budget", args=[area.code])
        return redirect(url + (f"?{query}" if query else ""))
    form, programs, income, payer = _choices(request)
    try:
        plan = area_budget(
            area=area,
            day=timezone.localdate(),
            income=income,
            programs=programs,
            default_payer=payer,
        )
    except RateMissing as missing:
        raise Http404(
            _("No contribution rate for %(program)s is in force today.") % {"program": missing}
        ) from missing
    total = plan.total
    costs = [total.minimum, total.minimum_full, total.chosen, total.chosen_full, total.now]
    payers = dict(Membership.Funding.choices)
    ctx = {
        "area": area,
        "breadcrumbs": _breadcrumbs(request, area),
        "form": form,
        "plan": plan,
        "today": plan.day,
        "default_payer": payers[plan.default_payer],
        "min_programs": " + ".join(total.min_programs),
        "chosen_programs": " + ".join(programs or total.min_programs),
        "program_rows": [(p, [c.by_program.get(p, 0) for c in costs]) for p in PROGRAMS],
        "payer_rows": [(payers[p], [c.by_payer.get(p, 0) for c in costs]) for p in PAYERS],
        "monthly": [c.monthly for c in costs],
        "yearly": [c.yearly for c in costs],
        "payer_totals": [(payers[p], total.chosen.by_payer[p] * 12) for p in PAYERS],
    }
    village = area.level == "village"
    template = "finance/budget_village.html" if village else "finance/budget_area.html"
    return render(request, template, ctx)
