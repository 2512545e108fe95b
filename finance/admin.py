"""Finance in the admin: the figures per area and year (scoped; branch staff and head office
enter, correct and import them, regional offices and managers read them), their import
(upload → preview → confirm; above `settings.IMPORT_JOB_THRESHOLD_ROWS` by background jobs,
finance.jobs), and the contribution rates (head office edits; everyone with
a staff role reads)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from simple_history.admin import SimpleHistoryAdmin

from enrollment.import_jobs import import_job_wanted
from enrollment.imports.cells import CellError
from enrollment.imports.limits import MAX_BYTES
from enrollment.imports.reader import rows_at_most
from enrollment.templatetags.coverage import rupiah
from finance.cells import parse_area_code
from finance.jobs import finance_confirm_queue, finance_file_queue
from finance.models import ContributionRate, FinanceImport, FinanceRecord
from finance.permissions import finance_may_edit, finance_may_read, rates_may_edit
from finance.services import FinanceImportResult, finance_import_as
from jobs.admin_card import job_active, job_card, job_card_retry
from villages.access import scope_for
from villages.admin import ScopedHistoryAdmin
from villages.admin_ids import MalformedIdIs404
from villages.admin_versions import VersionCheckedAdmin


class FinanceRecordForm(forms.ModelForm):
    user: Any = None  # set by the admin's get_form

    class Meta:
        model = FinanceRecord
        fields = [
            "year",
            "area_code",
            "group",
            "program",
            "contributions",
            "claims",
            "claim_count",
        ]

    def clean_area_code(self) -> str:
        try:
            code = parse_area_code(self.cleaned_data["area_code"])
        except CellError as error:
            raise ValidationError(
                _("Expected %(expected)s.") % {"expected": error.expected}
            ) from None
        if not scope_for(self.user).covers(code):
            raise ValidationError(_("Give a regency or province in your area."))
        return code


URL = "admin:finance_financerecord_import"


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Contributions and claims (CSV or XLSX)"),
        help_text=gettext_lazy("At most 20 MB and 200,000 rows."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise ValidationError(
                _("The file is %(size).1f MB; the limit is 20 MB. Split it into smaller files.")
                % {"size": upload.size / 1024 / 1024}
            )
        return upload


@admin.register(FinanceRecord)
class FinanceRecordAdmin(ScopedHistoryAdmin):
    form = FinanceRecordForm
    list_display = [
        "area_code",
        "year",
        "group",
        "program",
        "contributions_shown",
        "claims_shown",
        "claim_count",
    ]
    list_filter = ["year", "group", "program"]
    search_fields = ["area_code"]
    change_list_template = "admin/finance/financerecord_changelist.html"

    @admin.display(description=gettext_lazy("contributions"), ordering="contributions")
    def contributions_shown(self, obj: FinanceRecord) -> str:
        return rupiah(obj.contributions)

    @admin.display(description=gettext_lazy("claims"), ordering="claims")
    def claims_shown(self, obj: FinanceRecord) -> str:
        return rupiah(obj.claims)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def has_module_permission(self, request: HttpRequest) -> bool:
        return finance_may_read(request.user)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return finance_may_read(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return finance_may_edit(request.user)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return finance_may_edit(request.user)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def get_urls(self) -> list[URLPattern]:
        def view(function):
            def permitted(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
                if not finance_may_edit(request.user):
                    raise PermissionDenied
                return function(request, self, *args, **kwargs)

            return self.admin_site.admin_view(permitted)

        name = "finance_financerecord_import"
        return [
            path("import/", view(_upload), name=name),
            path("import/<int:pk>/", view(_preview), name=f"{name}_preview"),
            path("import/<int:pk>/confirm/", view(_confirm), name=f"{name}_confirm"),
            path("import/<int:pk>/retry/", view(_retry), name=f"{name}_retry"),
            *super().get_urls(),
        ]

    def context(self, request: HttpRequest, title: str, **extra: object) -> dict[str, Any]:
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            **extra,
        }


def _user(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def _import(request: HttpRequest, pk: int) -> FinanceImport:
    """The user's own upload (head office: any); another user's is not found."""
    uploads = FinanceImport.objects.select_related("job")
    if not scope_for(request.user).everything:
        uploads = uploads.filter(user=_user(request))
    return get_object_or_404(uploads, pk=pk)


@require_http_methods(["GET", "POST"])
def _upload(request: HttpRequest, model_admin: FinanceRecordAdmin) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        if import_job_wanted(rows_at_most(data)):  # previewed by a background job
            queued = finance_file_queue(
                data=data, file_name=upload.name, user=_user(request), dry_run=True
            )
            return HttpResponseRedirect(_preview_url(queued))
        result = finance_import_as(
            data=data, file_name=upload.name, user=_user(request), dry_run=True
        )
        if not result.refused:
            record = FinanceImport.objects.create(
                user=_user(request), file_name=upload.name[:255], data=data, report=result.report()
            )
            url = reverse("admin:finance_financerecord_import_preview", args=[record.pk])
            return HttpResponseRedirect(url)
        form.add_error("file", result.refused)
    ctx = model_admin.context(request, _("Import contributions and claims"), form=form)
    return TemplateResponse(request, "admin/finance/import_upload.html", ctx)


@require_GET
def _preview(request: HttpRequest, model_admin: FinanceRecordAdmin, pk: int) -> HttpResponse:
    record = _import(request, pk)
    report = record.report
    ctx = model_admin.context(
        request,
        _("Import of %(file)s") % {"file": record.file_name},
        record=record,
        report=report,
        errors=[_row_error(*error) for error in report.get("errors", [])],
        can_confirm=_can_confirm(record),
        **job_card(record.job, retry_url=reverse(f"{URL}_retry", args=[record.pk])),
    )
    return TemplateResponse(request, "admin/finance/import_preview.html", ctx)


def _row_error(row: int, column: str, found: str, expected: str) -> str:
    from finance.services import RowError

    return str(RowError(row, column, found, expected))


def _can_confirm(record: FinanceImport) -> bool:
    return (
        record.status == FinanceImport.Status.PREVIEWED
        and not job_active(record.job)
        and not record.report.get("error_count")
    )


def _preview_url(record: FinanceImport) -> str:
    return reverse(f"{URL}_preview", args=[record.pk])


@require_POST
def _confirm(request: HttpRequest, model_admin: FinanceRecordAdmin, pk: int) -> HttpResponse:
    record = _import(request, pk)
    preview = _preview_url(record)
    if job_active(record.job):
        messages.warning(request, _("A background job is working on this import already."))
        return HttpResponseRedirect(preview)
    if record.status != FinanceImport.Status.PREVIEWED:
        messages.error(request, _("This file has already been imported."))
        return HttpResponseRedirect(preview)
    if import_job_wanted(record.report.get("rows", 0)):
        finance_confirm_queue(record=record, user=_user(request))
        messages.info(request, _("The import is written by a background job; its progress is "
                                 "shown below."))  # fmt: skip
        return HttpResponseRedirect(preview)
    result = finance_import_as(
        data=bytes(record.data), file_name=record.file_name, user=_user(request), dry_run=False
    )
    record.report = result.report()
    if result.written:
        record.status = FinanceImport.Status.IMPORTED
        messages.success(request, _imported(result))
    else:  # the areas or the user's scope changed since the preview
        refused = result.refused or _("Nothing was written: the file no longer passes its checks.")
        messages.error(request, refused)
    record.save(update_fields=["report", "status"])
    return HttpResponseRedirect(preview)


@require_POST
def _retry(request: HttpRequest, model_admin: FinanceRecordAdmin, pk: int) -> HttpResponse:
    """Queue the import's failed or interrupted job again (it is idempotent)."""
    record = _import(request, pk)
    return job_card_retry(request, record.job, back_url=_preview_url(record))


def _imported(result: FinanceImportResult) -> str:
    return _("Imported: %(created)d new, %(updated)d replaced, %(unchanged)d unchanged.") % {
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
    }


@admin.register(ContributionRate)
class ContributionRateAdmin(VersionCheckedAdmin, MalformedIdIs404, SimpleHistoryAdmin):
    list_display = [
        "scheme",
        "program",
        "risk_class",
        "pct",
        "flat_amount",
        "minimum",
        "valid_from",
    ]
    list_filter = ["scheme", "program", "valid_from"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return finance_may_read(request.user)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return finance_may_read(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return rates_may_edit(request.user)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return rates_may_edit(request.user)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser
