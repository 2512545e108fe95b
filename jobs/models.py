"""Background jobs: each piece of long work a worker runs (`Job`), and the calendar of the
ones the scheduler queues by itself (`PeriodicJob`)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jobs.registry import KINDS, arguments_error, kind_choices

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser


class JobQuerySet(models.QuerySet["Job"]):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> JobQuerySet:
        """The jobs `user` may see: every job for head office and superusers, their own for
        the other staff roles, none for anyone else (jobs.permissions decides)."""
        from jobs.permissions import jobs_see_all, jobs_see_own

        if jobs_see_all(user):
            return self
        if jobs_see_own(user):
            return self.filter(requested_by=user.pk)
        return self.none()

    def files_visible_to(self, user: AbstractBaseUser | AnonymousUser) -> JobQuerySet:
        """The jobs whose page and file (an export) `user` may open: their own, whatever
        their role; every one for head office and superusers."""
        from jobs.permissions import job_files_see_all

        if not user.is_authenticated:
            return self.none()
        if job_files_see_all(user):
            return self
        return self.filter(requested_by=user.pk)


class Job(models.Model):
    """One piece of long work for a worker: its kind and arguments, who asked for it, its
    state and how far it got. The Tasks API's result of its latest attempt (with the
    traceback of a failure) is named by `task_result_id`."""

    class State(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        SUCCEEDED = "succeeded", _("succeeded")
        FAILED = "failed", _("failed")
        # Its worker stopped before the job finished (killed, its machine lost): the job's
        # transaction rolled back, and it may be retried.
        INTERRUPTED = "interrupted", _("interrupted")

    kind = models.CharField(_("kind"), max_length=50, choices=kind_choices)
    arguments = models.JSONField(_("arguments"), default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="jobs",
        verbose_name=_("requested by"),
        help_text=_("Empty for a job of the schedule or of the command line."),
    )
    periodic_job = models.ForeignKey(
        "jobs.PeriodicJob",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="jobs",
        verbose_name=_("schedule"),
    )
    due_at = models.DateTimeField(
        _("due at"), null=True, blank=True, help_text=_("The time on the schedule it ran for.")
    )
    state = models.CharField(_("state"), max_length=11, choices=State.choices, default=State.QUEUED)
    done = models.PositiveBigIntegerField(_("done"), default=0)
    total = models.PositiveBigIntegerField(
        _("total"), null=True, blank=True, help_text=_("Empty while the job does not know.")
    )
    message = models.CharField(_("message"), max_length=500, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # What a job computes for a page to show (finance.budget_jobs.budget_province: a province's
    # budget), with the data version it was read under; None for the other kinds.
    result = models.JSONField(_("result"), null=True, blank=True)
    task_result_id = models.CharField(
        _("task result"),
        max_length=64,
        blank=True,
        help_text=_("The id of the latest attempt's result in the task queue."),
    )
    worker = models.CharField(
        _("worker"), max_length=100, blank=True, help_text=_("Host and process id.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # A schedule's time is queued once, however many schedulers run.
            models.UniqueConstraint(
                fields=["periodic_job", "due_at"],
                condition=Q(periodic_job__isnull=False),
                name="%(app_label)s_%(class)s_unique_due",
                violation_error_message=_("This schedule already queued a job for that time."),
            ),
            models.CheckConstraint(
                condition=Q(total__isnull=True) | Q(done__lte=F("total")),
                name="%(app_label)s_%(class)s_done_within_total",
                violation_error_message=_("A job cannot have done more than its total."),
            ),
        ]
        indexes = [
            # The admin's list, newest first.
            models.Index(fields=["-created_at"], name="jobs_job_created_idx"),
            # A staff member's own jobs (JobQuerySet.visible_to), newest first.
            models.Index(fields=["requested_by", "-created_at"], name="jobs_job_user_idx"),
            # The scheduler's look for running jobs whose worker is gone.
            models.Index(
                fields=["state"], condition=Q(state="running"), name="jobs_job_running_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()}"


class PeriodicJob(models.Model):
    """A job the scheduler queues by itself, every day or every month at a time of day in
    the project's time zone (Asia/Jakarta). Runs it missed while no scheduler ran are queued
    once, as the latest of them."""

    class Every(models.TextChoices):
        DAY = "day", _("every day")
        MONTH = "month", _("every month")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=50, choices=kind_choices)
    arguments = models.JSONField(
        _("arguments"),
        default=dict,
        blank=True,
        help_text=_("The day or month a job is for, if left out, is the one it is due on."),
    )
    every = models.CharField(_("every"), max_length=5, choices=Every.choices)
    day_of_month = models.PositiveSmallIntegerField(
        _("day of the month"), null=True, blank=True, help_text=_("1 to 28, for a monthly job.")
    )
    at = models.TimeField(_("at"), help_text=_("Local time (Asia/Jakarta)."))
    enabled = models.BooleanField(_("enabled"), default=True)
    last_enqueued_for = models.DateTimeField(
        _("last queued for"), null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("periodic job")
        verbose_name_plural = _("periodic jobs")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["name"],
                name="%(app_label)s_%(class)s_unique_name",
                violation_error_message=_("A periodic job with this name already exists."),
            ),
            models.CheckConstraint(
                condition=Q(every="day", day_of_month__isnull=True)
                | Q(
                    every="month",
                    day_of_month__isnull=False,
                    day_of_month__gte=1,
                    day_of_month__lte=28,
                ),
                name="%(app_label)s_%(class)s_day_of_month",
                violation_error_message=_(
                    "A monthly job needs a day of the month from 1 to 28; a daily job none."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        kind = KINDS.get(self.kind)
        if kind is None:
            return  # the field's choices say so
        if not isinstance(self.arguments, dict):
            raise ValidationError({"arguments": _("Give the arguments as a JSON object.")})
        error = arguments_error(kind, kind.complete(self.arguments, timezone.localdate()))
        if error:
            raise ValidationError({"arguments": error})

    def due_at(self, now: dt.datetime) -> dt.datetime | None:
        """The latest time on this schedule at or before `now` that has not been queued (for
        a schedule never run, one not before it was made), or None."""
        latest = self.latest_time(now)
        if self.last_enqueued_for is not None:
            return latest if latest > self.last_enqueued_for else None
        return latest if self.created_at is None or latest >= self.created_at else None

    def latest_time(self, now: dt.datetime) -> dt.datetime:
        """The latest time on this schedule at or before `now`."""
        zone = timezone.get_default_timezone()
        local = timezone.localtime(now, zone)
        day = local.date()
        step: Any = dt.timedelta(days=1)
        if self.every == self.Every.MONTH:
            day, step = day.replace(day=self.day_of_month or 1), relativedelta(months=1)
        latest = dt.datetime.combine(day, self.at, tzinfo=zone)
        if latest > local:
            latest = dt.datetime.combine(day - step, self.at, tzinfo=zone)
        return latest
