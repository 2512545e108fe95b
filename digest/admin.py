"""The weekly mail in the admin, for superusers (no role is given these models): who was
sent which week's mail, read-only; who stopped it, with the history of each change."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from digest.models import DigestPreference, DigestSent
from villages.admin_ids import MalformedIdIs404


@admin.register(DigestSent)
class DigestSentAdmin(admin.ModelAdmin):
    """Read-only: the rows the sending writes, one per user and week."""

    list_display = ["week_start", "user", "people", "sent_at"]
    list_filter = ["week_start"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DigestPreference)
class DigestPreferenceAdmin(MalformedIdIs404, SimpleHistoryAdmin):
    """Who stopped the weekly mail; a superuser may turn it back on here, in the history."""

    list_display = ["user", "subscribed", "changed_at"]
    list_filter = ["subscribed"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email"]
    raw_id_fields = ["user"]
