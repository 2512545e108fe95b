"""Session lifetime (30 minutes idle, 12 hours at most, whatever the activity), the request
id of the logs, and no caching of what a logged-in user sees."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from villages.log import current_request_id, request_id_for

_STARTED = "session_started_at"
_SEEN = "session_seen_at"
# The last-seen time is written at most once a minute: a session save costs queries.
_SEEN_RESOLUTION = 60


@receiver(user_logged_in)
def _stamp_login(sender, request, user, **kwargs) -> None:
    now = int(time.time())
    request.session[_STARTED] = now
    request.session[_SEEN] = now


class SessionLifetimeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            started = request.session.get(_STARTED, now)
            seen = request.session.get(_SEEN, now)
            idle = now - seen > settings.SESSION_IDLE_SECONDS
            if idle or now - started > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)  # flushes the session; the view sees an anonymous user
            elif _STARTED not in request.session or now - seen >= _SEEN_RESOLUTION:
                request.session[_STARTED] = started
                request.session[_SEEN] = now
        return self.get_response(request)


class RequestIdMiddleware:
    """An id for each request, in every log record of it and in the X-Request-ID response
    header: the proxy's own id when it sends one (nginx: `$request_id`), else a new one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = request_id_for(request.headers.get("X-Request-ID"))
        token = current_request_id.set(request.request_id)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        response["X-Request-ID"] = request.request_id
        return response


class PrivateResponsesMiddleware:
    """Whatever a logged-in user is sent (a village page with names, a roster export, the API,
    an import report) may carry names and NIKs, and so may any admin page: no browser or
    shared proxy may keep a copy. A response that chose its own Cache-Control keeps it."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.admin_prefix = f"/{settings.ADMIN_URL}"

    def __call__(self, request):
        response = self.get_response(request)
        if "Cache-Control" not in response and (
            request.path.startswith(self.admin_prefix) or request.user.is_authenticated
        ):
            response["Cache-Control"] = "private, no-store"
        return response
