"""An import (a roster, or residents' registrations): its file, its preview, and what it wrote."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ImportRecord(models.Model):
    """One import of a file (a roster, or residents' registrations): who, when, which file and
    what it did. A preview keeps the uploaded file until it is confirmed; the file is dropped
    once imported. Both kinds share one history of imports."""

    class Kind(models.TextChoices):
        ROSTER = "roster", _("roster")
        REGISTRATIONS = "registrations", _("residents' registrations")

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("previewed, not confirmed")
        IMPORTED = "imported", _("imported")
        EXPIRED = "expired", _("preview expired")
        # A file above the threshold (settings.IMPORT_JOB_THRESHOLD_ROWS) waiting for the
        # background job that previews it, or (from the command) imports it.
        QUEUED = "queued", _("waiting for its background job")
        # Its background job found the file unreadable or over a limit: `report["refused"]`.
        REFUSED = "refused", _("file refused")

    class Origin(models.TextChoices):
        ADMIN = "admin", _("admin upload")
        COMMAND = "command", _("command line")

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    imported_at = models.DateTimeField(_("imported at"), null=True, blank=True)
    user = models.ForeignKey(
        "auth.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="roster_imports",
        verbose_name=_("user"),
        help_text=_("Empty for a system import from the command line."),
    )
    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices, default=Kind.ROSTER)
    origin = models.CharField(_("origin"), max_length=10, choices=Origin.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    file_name = models.CharField(_("file name"), max_length=255)
    file_size = models.PositiveIntegerField(_("file size (bytes)"), default=0)
    file_sha256 = models.CharField(_("file SHA-256"), max_length=64)
    skip_invalid = models.BooleanField(_("skip invalid rows"), default=False)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    invalid = models.PositiveIntegerField(_("invalid"), default=0)
    warnings = models.PositiveIntegerField(_("warnings"), default=0)
    replacements = models.PositiveIntegerField(_("replacements"), default=0)
    plan_digest = models.CharField(_("plan digest"), max_length=64, blank=True)
    report = models.JSONField(_("report"), default=dict, blank=True)
    upload = models.BinaryField(_("uploaded file"), blank=True, default=b"")
    rejected = models.BinaryField(_("rejected rows (CSV)"), blank=True, default=b"")
    # What the import changes, field by field: zlib-compressed JSON lines, the first 200,000
    # changes (enrollment.imports.changes). One value, not a table of rows: a preview of
    # 200,000 rows would write and a new preview or an expiry delete as many rows, while the
    # report only ever reads a page of it in order.
    changes = models.BinaryField(_("changes"), blank=True, default=b"")
    # The latest background job of this import (its preview or its write), whose state and
    # progress the import's report shows; empty for an import done within its request.
    job = models.ForeignKey(
        "jobs.Job",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("background job"),
    )

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="imported") | Q(imported_at__isnull=False),
                name="%(app_label)s_%(class)s_imported_dated",
                violation_error_message=_("An import that was carried out has a date."),
            ),
        ]
        indexes = [
            # The import history, newest first, and "my imports" for branch staff.
            models.Index(fields=["user", "-created_at"], name="enrollment_import_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.file_name}"

    @property
    def reference(self) -> str:
        """The import's name in the history of every record it changed."""
        return f"IMP-{self.pk:06d}" if self.pk else "IMP-(new)"
