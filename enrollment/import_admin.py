"""Roster import in the admin: the history of imports as a changelist, and the pages around it —
upload → preview → confirm, blank templates, the rejected rows, and the roster export.

Every page needs `enrollment.add_membership` (branch staff and head office); rows and exports
outside the user's area are refused by the engine through `scope_for`. The uploaded file stays
on the server (in its ImportRecord) between preview and confirm.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from enrollment.import_jobs import (
    import_job_active,
    import_job_wanted,
    roster_confirm_queue,
    roster_preview_queue,
)
from enrollment.imports.changes import PAGE_SIZE as CHANGES_PAGE_SIZE
from enrollment.imports.changes import ChangeRow, change_page, change_rows
from enrollment.imports.engine import import_confirm, import_preview
from enrollment.imports.export import (
    area_visible,
    roster_csv,
    roster_posts,
    roster_rows,
    roster_xlsx,
)
from enrollment.imports.reader import MAX_BYTES, rows_at_most
from enrollment.imports.template import XLSX_CONTENT_TYPE, template_csv, template_xlsx
from enrollment.imports.writes import FILE_FIELDS, load_file
from enrollment.models import ImportRecord
from jobs.admin_card import job_card, job_card_retry
from villages.access import access_log, may_see_full_nik, scope_for
from villages.models import AccessLog
from villages.selectors import area_get

PERMISSION = "enrollment.add_membership"
URL = "admin:enrollment_importrecord_%s"
# The one history of imports lists every kind; the report of a kind other than a roster is
# the page of the app that imports it (named, not imported: enrollment does not depend on it).
OTHER_REPORTS: dict[str, str] = {
    ImportRecord.Kind.REGISTRATIONS: "admin:campaign_registration_import_report"
}
View = Callable[..., HttpResponseBase]


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Roster file (CSV or XLSX)"),
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


class ExportForm(forms.Form):
    area = forms.CharField(
        label=gettext_lazy("Area code"),
        help_text=gettext_lazy("A village, district, regency or province code, e.g. 33.02.18."),
    )
    format = forms.ChoiceField(
        label=gettext_lazy("Format"), choices=[("xlsx", "XLSX"), ("csv", "CSV")]
    )


@admin.register(ImportRecord)
class ImportRecordAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "kind",
        "created_at",
        "user",
        "file_name",
        "status",
        "created",
        "updated",
        "unchanged",
        "invalid",
        "warnings",
        "replacements",
    ]
    list_filter = ["kind", "status", "origin"]
    list_select_related = ["user"]
    search_fields = ["file_name", "user__username"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    change_list_template = "admin/enrollment/import_changelist.html"

    @admin.display(description=gettext_lazy("reference"), ordering="pk")
    def reference(self, obj: ImportRecord) -> str:
        return obj.reference

    def get_queryset(self, request: HttpRequest) -> QuerySet[ImportRecord]:
        records = super().get_queryset(request).defer(*FILE_FIELDS).select_related("job")
        if scope_for(request.user).everything:
            return records
        return records.filter(user=request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(PERMISSION)

    def has_view_permission(self, request: HttpRequest, obj: ImportRecord | None = None) -> bool:
        return request.user.has_perm(PERMISSION)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(PERMISSION)  # "add" is the upload page

    def has_change_permission(self, request: HttpRequest, obj: ImportRecord | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ImportRecord | None = None) -> bool:
        return False

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        _permitted(request)
        return _upload(request, self)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        _permitted(request)
        record = self._record(request, object_id, kind=None)
        if record.kind in OTHER_REPORTS:  # another kind of import shows its own report
            return HttpResponseRedirect(reverse(OTHER_REPORTS[record.kind], args=[record.pk]))
        return _report(request, self, object_id)

    def get_urls(self) -> list[URLPattern]:
        def view(function: View) -> View:
            def permitted(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
                _permitted(request)
                return function(request, *args, **kwargs)

            return self.admin_site.admin_view(permitted)

        name = "enrollment_importrecord_%s"
        return [
            path("upload/", view(self.upload_view), name=name % "upload"),
            path("<int:pk>/report/", view(self.report_view), name=name % "report"),
            path("<int:pk>/confirm/", view(self.confirm_view), name=name % "confirm"),
            path("<int:pk>/retry/", view(self.retry_view), name=name % "retry"),
            path("<int:pk>/rejected.csv", view(self.rejected_view), name=name % "rejected"),
            path("template.<str:fmt>", view(self.template_view), name=name % "template"),
            path("export/", view(self.export_view), name=name % "export"),
            *super().get_urls(),
        ]

    def _record(
        self, request: HttpRequest, pk: int | str, kind: str | None = ImportRecord.Kind.ROSTER
    ) -> ImportRecord:
        """The user's own record (head office: any) of `kind` (None: any kind); another
        user's is not found. Its files (up to 20 MB each) are not loaded: `load_file` reads
        the one a page needs."""
        if not str(pk).isdigit():
            raise Http404
        records = self.get_queryset(request)
        if kind is not None:
            records = records.filter(kind=kind)
        return get_object_or_404(records, pk=int(pk))

    def _context(self, request: HttpRequest, title: str, **extra: object) -> dict[str, Any]:
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            **extra,
        }

    # --- Upload, report, confirm --------------------------------------------------------------

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

    def export_view(self, request: HttpRequest) -> HttpResponseBase:
        return _export(request, self)


def _permitted(request: HttpRequest) -> None:
    """Every page needs PERMISSION, whatever the model's permissions say."""
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied


def _user(request: HttpRequest) -> User:
    """The signed-in user: every page is behind the admin's login."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


@require_http_methods(["GET", "POST"])
def _upload(request: HttpRequest, model_admin: ImportRecordAdmin) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload, skip_invalid = form.cleaned_data["file"], form.cleaned_data["skip_invalid"]
        data = upload.read()
        if import_job_wanted(rows_at_most(data)):  # previewed by a background job
            record = roster_preview_queue(
                data=data,
                file_name=upload.name,
                user=_user(request),
                skip_invalid=skip_invalid,
                origin=ImportRecord.Origin.ADMIN,
            )
            return HttpResponseRedirect(_report_url(record))
        result = import_preview(
            data=data, file_name=upload.name, user=_user(request), skip_invalid=skip_invalid
        )
        if result.record is not None:  # a preview, unless the file is refused
            return HttpResponseRedirect(_report_url(result.record))
        form.add_error("file", result.refused)
    ctx = model_admin._context(request, _("Import a roster"), form=form, max_rows="200,000")
    return TemplateResponse(request, "admin/enrollment/import_upload.html", ctx)


@require_GET
def _report(request: HttpRequest, model_admin: ImportRecordAdmin, pk: int | str) -> HttpResponse:
    record = model_admin._record(request, pk)
    report = record.report or {}
    shown = len(report.get("errors", []))
    full = may_see_full_nik(request.user)
    changes = _changes_page(request, record, full_identifiers=full)
    access_log(
        user=request.user,
        # The errors echo cells, full NIKs among them; the changes show full NIKs and KPJ
        # numbers to the users who may see them.
        action=AccessLog.Action.FULL_IDENTIFIERS,
        rows=shown + (len(changes.object_list) if full else 0),
        what=f"import report {record.reference}: {record.file_name}",
    )
    counts = report.get("counts", {})
    ctx = model_admin._context(
        request,
        _("Roster import %(reference)s") % {"reference": record.reference},
        record=record,
        report=report,
        **job_card(record.job, retry_url=reverse(URL % "retry", args=[record.pk])),
        errors_cut=record.invalid and shown < _error_total(record),
        can_confirm=_can_confirm(record),
        has_rejected=bool(record.invalid),
        changes=changes,
        changes_total=counts.get("changes", 0),
        changes_cut=counts.get("changes", 0) > changes.paginator.count,
        page_range=changes.paginator.get_elided_page_range(changes.number),
    )
    return TemplateResponse(request, "admin/enrollment/import_report.html", ctx)


class _StoredChanges:
    """An import's stored change list as the paginator reads it: its length from the report,
    a page decompressed from the record when asked for (changes.change_page)."""

    def __init__(self, record: ImportRecord, *, full_identifiers: bool) -> None:
        self.record, self.full_identifiers = record, full_identifiers
        self.length = (record.report or {}).get("counts", {}).get("changes_listed", 0)

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, page: slice) -> list[ChangeRow]:
        if not self.length:
            return []
        blob = load_file(self.record, "changes")
        lines = change_page(blob, page.start or 0, page.stop or self.length)
        return change_rows(lines, full_identifiers=self.full_identifiers)


def _changes_page(
    request: HttpRequest, record: ImportRecord, *, full_identifiers: bool
) -> Page[ChangeRow]:
    """The page of changes `?page=` asks for: the first for anything but a page number from
    1, the last past the end."""
    changes = _StoredChanges(record, full_identifiers=full_identifiers)
    paginator: Paginator[ChangeRow] = Paginator(changes, CHANGES_PAGE_SIZE)  # type: ignore[arg-type]
    asked = request.GET.get("page", "")
    number = int(asked) if asked.isdigit() and len(asked) < 10 else 1
    return paginator.page(min(max(number, 1), paginator.num_pages))


def _error_total(record: ImportRecord) -> int:
    return record.report.get("counts", {}).get("errors", 0) or record.invalid


def _can_confirm(record: ImportRecord) -> bool:
    valid = record.created + record.updated + record.unchanged
    return (
        record.status == ImportRecord.Status.PREVIEWED
        and not import_job_active(record)
        and (record.invalid == 0 or (record.skip_invalid and valid > 0))
    )


@require_POST
def _confirm(request: HttpRequest, model_admin: ImportRecordAdmin, pk: int) -> HttpResponse:
    record = model_admin._record(request, pk)
    report_url = _report_url(record)
    if import_job_active(record):
        messages.warning(request, _("A background job is working on this import already."))
        return HttpResponseRedirect(report_url)
    if not _can_confirm(record):
        messages.error(request, _("This preview cannot be imported; upload the file again."))
        return HttpResponseRedirect(report_url)
    if import_job_wanted(record.rows):
        roster_confirm_queue(record=record, user=_user(request))
        messages.info(request, _("The import is written by a background job; its progress is "
                                 "shown below."))  # fmt: skip
        return HttpResponseRedirect(report_url)
    result = import_confirm(record=record, user=_user(request))
    if result.refused:
        messages.error(request, result.refused)
    elif result.stale:
        messages.warning(
            request,
            _("The records changed since the preview, so nothing was written. Check the new "
              "preview below and confirm again."),
        )  # fmt: skip
    elif result.plan is not None:  # written
        counts = result.plan.counts
        messages.success(
            request,
            _("Imported: %(created)d created, %(updated)d updated, %(unchanged)d unchanged, "
              "%(invalid)d rejected.") % vars(counts),
        )  # fmt: skip
    return HttpResponseRedirect(report_url)


@require_POST
def _retry(request: HttpRequest, model_admin: ImportRecordAdmin, pk: int) -> HttpResponse:
    """Queue the import's failed or interrupted job again (it is idempotent)."""
    record = model_admin._record(request, pk)
    return job_card_retry(request, record.job, back_url=_report_url(record))


def _report_url(record: ImportRecord) -> str:
    return reverse(URL % "report", args=[record.pk])


@require_GET
def _rejected(request: HttpRequest, model_admin: ImportRecordAdmin, pk: int) -> HttpResponse:
    record = model_admin._record(request, pk)
    rejected = load_file(record, "rejected")
    if not rejected:
        raise Http404(_("This import has no rejected rows."))
    name = f"{record.file_name.rsplit('.', 1)[0]}.rejected.csv"
    access_log(
        user=request.user,
        action=AccessLog.Action.EXPORT,  # the rows as they were, full NIKs among them
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
    _download(response, f"roster-template.{fmt}")
    return response


@require_GET
def _export(request: HttpRequest, model_admin: ImportRecordAdmin) -> HttpResponseBase:
    form = ExportForm(request.GET or None)
    if not form.is_valid():
        ctx = model_admin._context(request, _("Export a roster"), form=form)
        return TemplateResponse(request, "admin/enrollment/import_export.html", ctx)
    area = area_get(code=form.cleaned_data["area"].strip())
    user = _user(request)
    if area is None or area.level == "country" or not area_visible(user, area.code):
        raise Http404(_("No area with this code in your area."))
    rows = roster_rows(area=area, user=user)
    name = f"roster-{area.code}.{form.cleaned_data['format']}"
    access_log(
        user=request.user,
        action=AccessLog.Action.EXPORT,
        area_code=area.code,
        rows=roster_posts(area=area, user=user).count(),  # logged before it streams
        what=f"admin roster export {name}",
    )
    response: HttpResponseBase
    if form.cleaned_data["format"] == "csv":
        response = StreamingHttpResponse(roster_csv(rows), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(roster_xlsx(rows), content_type=XLSX_CONTENT_TYPE)
    _download(response, name)
    return response


def _download(response: HttpResponseBase, name: str) -> None:
    """Make `response` a file to save, named `name`."""
    header = content_disposition_header(as_attachment=True, filename=name)
    if header:  # always, for an attachment
        response["Content-Disposition"] = header
