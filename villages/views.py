"""Pages about the service itself: the health check for load balancers, and the error page
when the database cannot be reached (a restart, a failover)."""

from __future__ import annotations

import logging
import sys

import psycopg
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections
from django.db import Error as DatabaseError
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

DATABASE_UNREACHABLE = (OperationalError, InterfaceError, psycopg.OperationalError)
# Seconds a client or proxy is asked to wait: about what a PostgreSQL restart takes.
RETRY_AFTER = 30


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500. An unreachable database is 503 with Retry-After, on a page rendered
    without touching the database; any other error is Django's 500 page."""
    if _database_unreachable(sys.exc_info()[1]):
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER)
        response["Cache-Control"] = "no-store"
        return response
    return defaults.server_error(request)


def _database_unreachable(exc: BaseException | None) -> bool:
    # The driver's error may arrive wrapped (Django's, or raised during another's handling).
    for _ in range(5):
        if exc is None:
            return False
        if isinstance(exc, DATABASE_UNREACHABLE):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers, without login: whether each database answers and every migration
    is applied. "ok" or "failing" per check, nothing more: the reason goes to the log."""
    checks = {
        "database" if alias == DEFAULT_DB_ALIAS else f"database_{alias}": _answers(alias)
        for alias in connections
    }
    checks["migrations"] = _migrations_applied()
    body = {name: "ok" if passed else "failing" for name, passed in checks.items()}
    return JsonResponse(body, status=200 if all(checks.values()) else 503)


def _answers(alias: str) -> bool:
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        logger.warning("Health check: database %s does not answer", alias, exc_info=True)
        return False
    return True


def _migrations_applied() -> bool:
    try:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError:
        logger.warning("Health check: migrations cannot be read", exc_info=True)
        return False
    if plan:
        logger.warning("Health check: %d migrations not applied", len(plan))
    return not plan
