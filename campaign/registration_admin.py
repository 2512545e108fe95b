"""Residents' registrations in the admin: the list (read-only, scoped), and their import —
upload → preview → confirm, the rejected rows and blank templates. A file above
`settings.IMPORT_JOB_THRESHOLD_ROWS` is previewed, and its confirmed preview written, by a
background job (campaign.jobs) whose progress the import's page shows. The imports are listed in
the one history of imports (enrollment's ImportRecord list, with their kind).

Every import page needs `campaign.add_registration` (branch staff and head office); a row for
a village outside the user's area is a row error (the engine asks `scope_for`). The uploaded
file stays on the server, in its ImportRecord, between preview and confirm.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from campaign.jobs import registrations_confirm_queue, registrations_preview_queue
from campaign.models import Registration
from campaign.registration_import import (
    KIND,
    registrations_confirm,
    registrations_preview,
)
from campaign.registration_template import template_csv, template_xlsx
from enrollment.import_jobs import import_job_active, import_job_wanted
from enrollment.imports.reader import MAX_BYTES, rows_at_most
from enrollment.imports.template import XLSX_CONTENT_TYPE
from enrollment.imports.writes import FILE_FIELDS, load_file
from enrollment.models import ImportRecord
from jobs.admin_card import job_card, job_card_retry
from villages.access import access_log, scope_for
from villages.admin import ScopedHistoryAdmin, area_filters, area_params
from villages.models import AccessLog

PERMISSION = "campaign.add_registration"
View = Callable[..., HttpResponseBase]
URL = "admin:campaign_registration_import%s"


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Registrations file (CSV or XLSX)"),
        help_text=gettext_lazy(
            "At most 20 MB, 200,000 rows and 1,000 characters in a cell. An XLSX may unpack to "
            "at most 256 MB, its text cells to 64 MB."
        ),
    )
    skip_invalid = forms.BooleanField(
        label=gettext_lazy("Skip invalid rows"),
        required=False,
        help_text=gettext_lazy(
            "Import the valid rows and download the invalid ones to fix. Without this, one "
            "invalid row stops the whole import."
        ),
    )

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is %(size).1f MB; the limit is 20 MB. Split it into smaller files.")
                % {"size": upload.size / 1024 / 1024}
            )
        return upload


@admin.register(Registration)
class RegistrationAdmin(ScopedHistoryAdmin):
    """The registrations, as imported: read here, written by the import only."""

    area_params = area_params("village")
    list_display = ["date", "village", "channel", "agent", "count", "contributions",
                    "import_record"]  # fmt: skip
    list_filter = [*area_filters("village"), "channel", "date"]
    list_select_related = ["village", "agent", "import_record"]
    search_fields = ["=village__code", "village__name", "=agent__code"]
    show_full_result_count = False
    # A national table (two years of daily rows per village): head office's unfiltered list
    # is read backwards off the primary key, not sorted by date (villages.admin.ScopedAdmin).
    newest_first = True
    change_list_template = "admin/campaign/registration_changelist.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(PERMISSION)  # "add" is the upload page

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # written by the import only

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        _permitted(request)
        return _upload(request, self)

    def get_urls(self) -> list[URLPattern]:
        def view(function: View) -> View:
            def permitted(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
                _permitted(request)
                return function(request, *args, **kwargs)

            return self.admin_site.admin_view(permitted)

        name = "campaign_registration_import%s"
        return [
            path("import/", view(self.upload_view), name=name % ""),
            path("import/<int:pk>/", view(self.report_view), name=name % "_report"),
            path("import/<int:pk>/confirm/", view(self.confirm_view), name=name % "_confirm"),
            path("import/<int:pk>/retry/", view(self.retry_view), name=name % "_retry"),
            path(
                "import/<int:pk>/rejected.csv", view(self.rejected_view), name=name % "_rejected"
            ),  # fmt: skip
            path("import/template.<str:fmt>", view(self.template_view), name=name % "_template"),
            *super().get_urls(),
        ]

    def import_record(self, request: HttpRequest, pk: int | str) -> ImportRecord:
        """The user's own registrations import (head office: any); another user's is not
        found. Its files are not loaded: `load_file` reads the one a page needs."""
        records = ImportRecord.objects.filter(kind=KIND).defer(*FILE_FIELDS).select_related("job")
        if not scope_for(request.user).everything:
            records = records.filter(user=_user(request))
        return get_object_or_404(records, pk=int(pk))

    def context(self, request: HttpRequest, title: str, **extra: object) -> dict[str, Any]:
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            **extra,
        }

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        return _upload(request, self)

    def report_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return _report(request, self, pk)

    def confirm_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return _confirm(request, self, pk)

    def retry_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return _retry(request, self, pk)

    def rejected_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return _rejected(request, self, pk)

    def template_view(self, request: HttpRequest, fmt: str) -> HttpResponse:
        return _template(request, fmt)


def _permitted(request: HttpRequest) -> None:
    """Every import page needs PERMISSION, whatever the model's permissions say."""
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied


def _user(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


@require_http_methods(["GET", "POST"])
def _upload(request: HttpRequest, model_admin: RegistrationAdmin) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload, skip_invalid = form.cleaned_data["file"], form.cleaned_data["skip_invalid"]
        data = upload.read()
        if import_job_wanted(rows_at_most(data)):  # previewed by a background job
            record = registrations_preview_queue(data=data, file_name=upload.name,
                                                 user=_user(request), skip_invalid=skip_invalid,
                                                 origin=ImportRecord.Origin.ADMIN)  # fmt: skip
            return HttpResponseRedirect(_report_url(record))
        result = registrations_preview(
            data=data, file_name=upload.name, user=_user(request), skip_invalid=skip_invalid
        )
        if result.record is not None:  # a preview, unless the file is refused
            return HttpResponseRedirect(_report_url(result.record))
        form.add_error("file", result.refused)
    ctx = model_admin.context(
        request, _("Import residents' registrations"), form=form, max_rows="200,000"
    )
    return TemplateResponse(request, "admin/campaign/registration_import_upload.html", ctx)


@require_GET
def _report(request: HttpRequest, model_admin: RegistrationAdmin, pk: int) -> HttpResponse:
    record = model_admin.import_record(request, pk)
    report = record.report or {}
    shown = len(report.get("errors", []))
    ctx = model_admin.context(
        request,
        _("Registrations import %(reference)s") % {"reference": record.reference},
        record=record,
        report=report,
        **job_card(record.job, retry_url=reverse(URL % "_retry", args=[record.pk])),
        errors_cut=record.invalid and shown < report.get("counts", {}).get("errors", 0),
        can_confirm=_can_confirm(record),
        has_rejected=bool(record.invalid),
    )
    return TemplateResponse(request, "admin/campaign/registration_import_report.html", ctx)


def _can_confirm(record: ImportRecord) -> bool:
    valid = record.created + record.updated + record.unchanged
    return (
        record.status == ImportRecord.Status.PREVIEWED
        and not import_job_active(record)
        and (record.invalid == 0 or (record.skip_invalid and valid > 0))
    )


@require_POST
def _confirm(request: HttpRequest, model_admin: RegistrationAdmin, pk: int) -> HttpResponse:
    record = model_admin.import_record(request, pk)
    report_url = _report_url(record)
    if import_job_active(record):
        messages.warning(request, _("A background job is working on this import already."))
        return HttpResponseRedirect(report_url)
    if not _can_confirm(record):
        messages.error(request, _("This preview cannot be imported; upload the file again."))
        return HttpResponseRedirect(report_url)
    if import_job_wanted(record.rows):
        registrations_confirm_queue(record=record, user=_user(request))
        messages.info(request, _("The import is written by a background job; its progress is "
                                 "shown below."))  # fmt: skip
        return HttpResponseRedirect(report_url)
    result = registrations_confirm(record=record, user=_user(request))
    if result.refused:
        messages.error(request, result.refused)
    elif result.stale:
        messages.warning(
            request,
            _("The records changed since the preview, so nothing was written. Check the new "
              "preview below and confirm again."),
        )  # fmt: skip
    elif result.plan is not None:  # written
        messages.success(
            request,
            _("Imported: %(created)d created, %(updated)d updated, %(unchanged)d unchanged, "
              "%(invalid)d rejected.") % vars(result.plan.counts),
        )  # fmt: skip
    return HttpResponseRedirect(report_url)


@require_POST
def _retry(request: HttpRequest, model_admin: RegistrationAdmin, pk: int) -> HttpResponse:
    """Queue the import's failed or interrupted job again (it is idempotent)."""
    record = model_admin.import_record(request, pk)
    return job_card_retry(request, record.job, back_url=_report_url(record))


def _report_url(record: ImportRecord) -> str:
    return reverse(URL % "_report", args=[record.pk])


@require_GET
def _rejected(request: HttpRequest, model_admin: RegistrationAdmin, pk: int) -> HttpResponse:
    record = model_admin.import_record(request, pk)
    rejected = load_file(record, "rejected")
    if not rejected:
        raise Http404(_("This import has no rejected rows."))
    name = f"{record.file_name.rsplit('.', 1)[0]}.rejected.csv"
    access_log(
        user=request.user,
        action=AccessLog.Action.EXPORT,
        rows=record.invalid,
        what=f"import rejected rows {record.reference}: {name}",
    )
    response = HttpResponse(rejected, content_type="text/csv; charset=utf-8")
    _download(response, name)
    return response


@require_GET
def _template(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt == "csv":
        response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx":
        response = HttpResponse(template_xlsx(), content_type=XLSX_CONTENT_TYPE)
    else:
        raise Http404
    _download(response, f"registrations-template.{fmt}")
    return response


def _download(response: HttpResponseBase, name: str) -> None:
    header = content_disposition_header(as_attachment=True, filename=name)
    if header:  # always, for an attachment
        response["Content-Disposition"] = header
