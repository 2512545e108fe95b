"""The kinds of job: what each one runs, registered by the app that owns the work in its
`jobs.py` (imported when this app is ready), so that this app imports none of them.

A kind's function takes its arguments as keywords (JSON values), reports its progress with
`jobs.progress.report_progress`, returns a short message, and is idempotent: run again after
a failure or a killed worker, it leaves the same result, and it writes in transactions that
leave nothing half done.
"""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

Arguments = dict[str, Any]


def _as_given(arguments: Arguments, day: dt.date) -> Arguments:
    return arguments


@dataclass(frozen=True)
class JobKind:
    name: str
    label: StrOrPromise
    run: Callable[..., str]
    # The arguments with what they leave to the day filled in from `day` (the day a job is
    # queued, or the day its schedule made it due), so that every job records exactly what
    # it does and a retry days later does the same.
    complete: Callable[[Arguments, dt.date], Arguments] = _as_given
    # For a kind that writes a file for its user (jobs.files): the name the download is
    # given, from the job's arguments. None for a kind that writes no file.
    download_name: Callable[[Arguments], str] | None = None


KINDS: dict[str, JobKind] = {}


def job_kind(
    name: str,
    *,
    label: StrOrPromise,
    complete: Callable[[Arguments, dt.date], Arguments] = _as_given,
    download_name: Callable[[Arguments], str] | None = None,
) -> Callable[[Callable[..., str]], Callable[..., str]]:
    """Register the decorated function as the kind of job `name`; `download_name` for a kind
    that writes a file (jobs.files) for its user to download."""

    def register(function: Callable[..., str]) -> Callable[..., str]:
        KINDS[name] = JobKind(
            name=name, label=label, run=function, complete=complete, download_name=download_name
        )
        return function

    return register


def kind_choices() -> list[tuple[str, StrOrPromise]]:
    """The registered kinds, for the `kind` fields' choices."""
    return [(kind.name, kind.label) for kind in sorted(KINDS.values(), key=lambda k: k.name)]


def arguments_error(kind: JobKind, arguments: Arguments) -> str:
    """Why `kind` cannot be called with `arguments` (a missing or unknown one), or ""."""
    try:
        inspect.signature(kind.run).bind(**arguments)
    except TypeError as error:
        return str(error)
    return ""
