"""Optimistic locking for the admin's change forms: a save made on a form opened before
someone else's save is refused, instead of silently undoing that save.

A change form carries the version it was opened on: the id of the object's latest history
record (django-simple-history), "" when it has none. On save, inside the admin's transaction,
the object's row is locked and its latest version read again; a different one means another
save came in between, and the form gets an error naming who made it and when. The lock holds
until the transaction ends, so two saves cannot both pass the check.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db import IntegrityError, router, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from villages.locks import coverage_write_lock

FIELD = "history_version"


def latest_version(model, pk) -> dict | None:
    """The object's latest history record: its id, user's name and date, or None."""
    pk_name = model._meta.pk.attname
    versions = model.history.filter(**{pk_name: pk}).order_by("-history_id")
    return versions.values("history_id", "history_user__username", "history_date").first()


class VersionCheckedForm(forms.ModelForm):
    """A change form that refuses to save over a version it was not opened on."""

    history_version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            latest = latest_version(type(self.instance), self.instance.pk)
            self.fields[FIELD].initial = str(latest["history_id"]) if latest else ""

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is not None:
            self._check_version(cleaned.get(FIELD) or "")
        return cleaned

    # Set by the admin of a model whose saves write posts or memberships.
    coverage_writer = False

    def _check_version(self, opened: str) -> None:
        model = type(self.instance)
        if self.coverage_writer:
            coverage_write_lock(router.db_for_write(model))  # before the row lock: see locks
        # Lock the row: a save that passes this check is the only one until it commits.
        # No ordering: a model's default order may join a nullable relation (a rule set's
        # regency), and PostgreSQL locks no row of an outer join.
        rows = model._default_manager.filter(pk=self.instance.pk).order_by()
        list(rows.select_for_update().values("pk"))
        latest = latest_version(model, self.instance.pk)
        if latest is None or str(latest["history_id"]) == opened:
            return
        raise ValidationError(
            _(
                "This record was changed by %(user)s at %(time)s since you opened it. Open it "
                "again to see that change, then make your edit again."
            )
            % {
                "user": latest["history_user__username"] or _("a system task"),
                "time": timezone.localtime(latest["history_date"]).strftime("%d/%m/%Y %H:%M"),
            },
            code="changed_since_opened",
        )


class VersionCheckedAdmin:
    """For model admins of models that keep history: every change form, and the form of a
    past version (a revert), carries and checks the version it was opened on."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if obj is None:
            return form  # an add form overwrites nothing
        writer = getattr(self, "coverage_writer", False)
        return type(form.__name__, (VersionCheckedForm, form), {"coverage_writer": writer})

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except IntegrityError:
            if request.method != "POST":
                raise
            # Another save committed the same unique values between this form's checks and
            # its insert (two officers adding one district's target at once). The admin's
            # transaction rolled back; the form runs again, and its unique checks now see
            # that save and say so, keeping what this user typed.
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_fields(self, request, obj=None):
        # Django lists a form's fields from the form itself when no fields are given; the
        # version is not one of the model's, and is posted outside the field sets.
        return [field for field in super().get_fields(request, obj) if field != FIELD]

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple_history saves a revert outside a transaction; the check's lock needs one.
        with transaction.atomic(using=router.db_for_write(self.model)):
            return super().history_form_view(request, object_id, version_id, extra_context)
