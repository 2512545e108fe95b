"""Login lockout (django-axes) behind a reverse proxy.

Axes keys a lockout on a username and the client's address together, so a stranger
elsewhere cannot lock the owner out. Behind the proxy every request comes from 127.0.0.1:
the client's address is the entry of X-Forwarded-For that the outermost trusted proxy
wrote. A second limit counts failures from one address on any usernames (password spraying).
"""

from __future__ import annotations

import ipaddress

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR with no proxy in front; with TRUSTED_PROXY_COUNT
    proxies, the N-th address of X-Forwarded-For counted from the right (each proxy appends
    the address it was reached from, so entries further left are the client's own words)."""
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if count == 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [hop for hop in hops if hop]
    if len(hops) < count:
        return remote  # not through all the proxies: a local probe, say
    return _address(hops[-count]) or remote


def _address(hop: str) -> str:
    """The address in an X-Forwarded-For entry, without a port; "" when it is none."""
    if hop.startswith("["):  # [2001:db8::1]:443
        hop = hop[1:].partition("]")[0]
    elif hop.count(":") == 1:  # 203.0.113.9:443
        hop = hop.partition(":")[0]
    try:
        return str(ipaddress.ip_address(hop))
    except ValueError:
        return ""


class LockoutHandler(AxesDatabaseHandler):
    """Axes' database handler, plus: LOGIN_ADDRESS_FAILURE_LIMIT failures from one address
    within the cool-off, on any usernames, lock that address out as well."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        failures = super().get_failures(request, credentials)
        if self._address_failures(request) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            return max(failures, get_failure_limit(request, credentials))
        return failures

    @staticmethod
    def _address_failures(request) -> int:
        attempts = AccessAttempt.objects.filter(
            ip_address=request.axes_ip_address,
            attempt_time__gte=get_cool_off_threshold(request),
        )
        return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
