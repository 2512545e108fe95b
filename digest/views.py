"""The unsubscribe link of the weekly mail, and a user's e-mail settings.

The link (`/surel/berhenti/<token>/`) needs no login: it comes from a mail, and its signed
token names the user. GET only asks (mail scanners open links; nothing changes on a GET);
POST stops the mail, or resumes it with `action=resume`. A token altered or cut is a 404
page that says so. The POST needs no CSRF token: the signed token in the address is the
proof, and mail programs' one-click unsubscribe (RFC 8058) posts without one.

The settings page (`/surel/`) is each logged-in user's own: it names no one else.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from digest.links import user_for_token
from digest.models import DigestPreference
from digest.selectors import RECIPIENT_ROLES
from digest.services import digest_preference_set
from villages.models import Role


def _subscribed(user: User) -> bool:
    preference = DigestPreference.objects.filter(user=user).first()
    return preference is None or preference.subscribed


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """Ask (GET), then stop or resume the weekly mail of the token's user (POST)."""
    user = user_for_token(token)
    if user is None:
        return render(request, "digest/unsubscribe_invalid.html", status=404)
    changed = request.method == "POST"
    if changed:
        resume = request.POST.get("action") == "resume"
        digest_preference_set(
            user=user,
            subscribed=resume,
            reason="resumed by the e-mail's link" if resume else "stopped by the e-mail's link",
        )
    ctx = {"account": user.get_username(), "subscribed": _subscribed(user), "changed": changed}
    return render(request, "digest/unsubscribe.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """Whether the user receives the weekly mail, with a button to stop or resume it."""
    user = request.user
    assert isinstance(user, User)  # login_required
    if request.method == "POST":
        resume = request.POST.get("action") == "resume"
        digest_preference_set(
            user=user,
            subscribed=resume,
            reason="resumed on the settings page" if resume else "stopped on the settings page",
        )
        return redirect("digest:preferences")
    role = Role.objects.filter(user=user).values_list("kind", flat=True).first()
    ctx = {
        "email": user.email,
        "role_gets_it": role in RECIPIENT_ROLES and not user.is_superuser,
        "subscribed": _subscribed(user),
    }
    return render(request, "digest/preferences.html", ctx)
