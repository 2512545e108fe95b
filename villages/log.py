"""Logs as JSON lines on stderr, each with the id of the request it belongs to.

Loaded by the LOGGING setting before the apps are ready: no model imports at module level.
"""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as BaseJsonFormatter

# The id of the request being served, for records logged without the request at hand.
current_request_id: ContextVar[str] = ContextVar("current_request_id", default="")
# An id the proxy (nginx's $request_id) or the caller chose: kept if it is a plain token.
REQUEST_ID_RE = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def request_id_for(header: str | None) -> str:
    """The X-Request-ID header when it is a plain token, else a new id."""
    if header and REQUEST_ID_RE.fullmatch(header):
        return header
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Puts `request_id` on every record: the record's request's, else the current one.
    Django logs a 4xx response after the middleware has returned: the request still has it."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        record.request_id = getattr(request, "request_id", "") or current_request_id.get()
        return True


class JsonFormatter(BaseJsonFormatter):
    """time, level, logger, message and request_id; a request's method, path and client
    address; status_code and other extras as they come; the traceback when there is one."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("fmt", ["levelname", "name", "message", "request_id"])
        kwargs.setdefault(
            "rename_fields", {"levelname": "level", "name": "logger", "exc_info": "traceback"}
        )
        kwargs.setdefault("timestamp", "time")  # ISO 8601, UTC
        # The request object itself is not JSON: its method, path and address are.
        kwargs.setdefault("reserved_attrs", [*RESERVED_ATTRS, "request"])
        super().__init__(*args, **kwargs)

    def add_fields(self, log_data: dict, record: logging.LogRecord, message_dict: dict) -> None:
        super().add_fields(log_data, record, message_dict)
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "META"):
            from villages.lockout import client_ip

            log_data.update(method=request.method, path=request.path, client=client_ip(request))
