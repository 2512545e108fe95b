"""The files that jobs write for their users (a whole province's export): one per job, in
Django's default storage (MEDIA_ROOT, which is never served as it is: jobs.views hands a
file only to the user who asked for it, or to head office).

A job's file has one name, from the job's id (`jobs/job-<id>.<ext>`), so a retry overwrites
it. It appears under that name only once complete: it is written under a hidden temporary
name beside it and renamed (one atomic step on one file system), or, on a storage with no
rename (an object store), written to a local temporary file first and then saved whole. A
worker killed mid-way leaves at most a temporary file, which the next attempt removes.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from django.core.files import File
from django.core.files.storage import FileSystemStorage, default_storage

from jobs.progress import current_job_id

FOLDER = "jobs"


def job_file_name(job_id: int, suffix: str) -> str:
    """The storage name of job `job_id`'s file: `jobs/job-12.xlsx` for suffix ".xlsx"."""
    return f"{FOLDER}/job-{job_id}{suffix}"


@contextmanager
def job_file_write(suffix: str) -> Iterator[IO[bytes]]:
    """A binary file to write the running job's file into. When the block ends without an
    error it replaces whatever the job wrote before; on an error nothing is kept."""
    job_id = current_job_id()
    if job_id is None:
        raise RuntimeError("a job's file is written by a running job")
    name = job_file_name(job_id, suffix)
    if isinstance(default_storage, FileSystemStorage):
        with _renamed_into(Path(default_storage.path(name))) as out:
            yield out
        return
    with tempfile.TemporaryFile() as out:
        yield out
        out.seek(0)
        default_storage.delete(name)
        default_storage.save(name, File(out))


@contextmanager
def _renamed_into(final: Path) -> Iterator[IO[bytes]]:
    final.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{final.stem}-"
    for left in final.parent.glob(f"{prefix}*.part"):
        left.unlink(missing_ok=True)  # an earlier attempt's, its worker killed
    handle, temporary = tempfile.mkstemp(dir=final.parent, prefix=prefix, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o640)
        os.replace(temporary, final)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def job_file_exists(job_id: int, suffix: str) -> bool:
    return default_storage.exists(job_file_name(job_id, suffix))


def job_file_open(job_id: int, suffix: str) -> IO[bytes]:
    """The job's file, open for reading (FileNotFoundError when there is none)."""
    return default_storage.open(job_file_name(job_id, suffix), "rb")
