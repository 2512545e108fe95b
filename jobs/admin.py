"""The background jobs in the admin: each job's state and a progress bar (an HTML
`<progress>`: no script, nothing the Content Security Policy refuses), a "retry" action for
failed and interrupted jobs, and the periodic jobs' calendar. Head office and superusers see
every job and keep the calendar; the other staff roles see the jobs they asked for."""

from __future__ import annotations

import json

from django.contrib import admin, messages
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import formats
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from jobs.models import Job, PeriodicJob
from jobs.permissions import jobs_may_read, schedule_may_edit
from jobs.services import job_retry
from villages.admin_ids import MalformedIdIs404


def _number(value: int) -> str:
    return formats.number_format(value, force_grouping=True)


# The page of a job, every field read-only.
JOB_FIELDS = (
    "kind",
    "arguments_shown",
    "state",
    "progress",
    "message",
    "requested_by",
    "periodic_job",
    "due_at",
    "attempts",
    "task_result",
    "worker",
    "created_at",
    "started_at",
    "finished_at",
    "updated_at",
)


@admin.register(Job)
class JobAdmin(MalformedIdIs404, admin.ModelAdmin):
    list_display = [
        "__str__",
        "state",
        "progress",
        "message",
        "requested_by",
        "created_at",
        "finished_at",
    ]
    list_filter = ["state", "kind"]
    list_select_related = ["requested_by"]
    fields = JOB_FIELDS
    readonly_fields = JOB_FIELDS
    actions = ["retry"]
    show_full_result_count = False

    @admin.display(description=gettext_lazy("progress"))
    def progress(self, obj: Job) -> SafeString | str:
        if obj.total:
            return format_html(
                '<progress value="{}" max="{}">{}%</progress> {} / {}',
                obj.done,
                obj.total,
                obj.done * 100 // obj.total,
                _number(obj.done),
                _number(obj.total),
            )
        if obj.state in (Job.State.QUEUED, Job.State.RUNNING):
            return format_html("<progress>{}</progress>", obj.get_state_display())
        return _number(obj.done) if obj.done else "—"

    @admin.display(description=gettext_lazy("arguments"))
    def arguments_shown(self, obj: Job) -> SafeString:
        return format_html("<code>{}</code>", json.dumps(obj.arguments, sort_keys=True))

    @admin.display(description=gettext_lazy("task result"))
    def task_result(self, obj: Job) -> SafeString | str:
        """The queue's record of the latest attempt, with its traceback when it failed."""
        if not obj.task_result_id:
            return "—"
        url = reverse("admin:django_tasks_database_dbtaskresult_change", args=[obj.task_result_id])
        return format_html('<a href="{}">{}</a>', url, obj.task_result_id)

    def get_fields(self, request, obj=None):
        # The queue's records are the superusers' (django-tasks-db's admin): others see the id.
        if request.user.has_perm("django_tasks_database.view_dbtaskresult"):
            return JOB_FIELDS
        return tuple(name if name != "task_result" else "task_result_id" for name in JOB_FIELDS)

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    @admin.action(
        description=gettext_lazy("Retry the selected failed or interrupted jobs"),
        permissions=["retry"],
    )
    def retry(self, request: HttpRequest, queryset) -> None:
        jobs = list(queryset)
        retried = sum(job_retry(job=job) for job in jobs)
        if retried:
            messages.success(
                request,
                ngettext("%(count)d job queued again.", "%(count)d jobs queued again.", retried)
                % {"count": retried},
            )
        if left := len(jobs) - retried:
            messages.warning(
                request,
                ngettext(
                    "%(count)d job was not failed or interrupted; it is left as it is.",
                    "%(count)d jobs were not failed or interrupted; they are left as they are.",
                    left,
                )
                % {"count": left},
            )

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Another user's job looks exactly like an unknown one: a plain 404.
        raise Http404(_("No such record in your scope."))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return jobs_may_read(request.user)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return jobs_may_read(request.user)

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return jobs_may_read(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # jobs are queued by the pages, commands and the scheduler

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser


@admin.register(PeriodicJob)
class PeriodicJobAdmin(MalformedIdIs404, admin.ModelAdmin):
    list_display = ["name", "kind", "when", "enabled", "last_enqueued_for"]
    list_filter = ["enabled", "kind"]
    fields = [
        "name",
        "kind",
        "arguments",
        "every",
        "day_of_month",
        "at",
        "enabled",
        "last_enqueued_for",
    ]
    readonly_fields = ["last_enqueued_for"]

    @admin.display(description=gettext_lazy("when"))
    def when(self, obj: PeriodicJob) -> str:
        at = formats.time_format(obj.at, "H:i")
        if obj.every == PeriodicJob.Every.MONTH:
            return _("every month on day %(day)s at %(at)s") % {"day": obj.day_of_month, "at": at}
        return _("every day at %(at)s") % {"at": at}

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404(_("No such record in your scope."))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return schedule_may_edit(request.user)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return schedule_may_edit(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return schedule_may_edit(request.user)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return schedule_may_edit(request.user)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser
