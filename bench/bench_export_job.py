"""Time and memory of one large Desa Sadar export: as a background job (enrollment.jobs:
the list read through a cursor, the XLSX written in openpyxl's write-only mode, the file
into MEDIA_ROOT) or, with --direct, as the request used to make it (the whole list, then the
workbook in memory). Run it under /usr/bin/time -v for the process's peak RSS:

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/<a database of your own>
    /usr/bin/time -v .venv/bin/python bench/bench_export_job.py --area "" --fmt xlsx
    /usr/bin/time -v .venv/bin/python bench/bench_export_job.py --area "" --fmt xlsx --direct

It writes a job row and a file (MEDIA_ROOT/jobs/), so point it at your own database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bpjs_desa.settings")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--area", default="", help='a Kemendagri code; "" the country')
    parser.add_argument("--fmt", choices=("csv", "xlsx"), default="xlsx")
    parser.add_argument("--as-of", help="YYYY-MM-DD; default: the kept day")
    parser.add_argument("--direct", action="store_true", help="as the request did, in memory")
    options = parser.parse_args()

    import django

    django.setup()
    from django.core.files.storage import default_storage

    from enrollment import exports
    from enrollment.selectors import ListQuery, desa_sadar_all
    from enrollment.summary import day_in_store
    from jobs.files import job_file_name
    from jobs.services import job_enqueue
    from jobs.tasks import run_job
    from villages.selectors import area_get

    as_of = options.as_of or (day_in_store() or dt.date.today()).isoformat()
    started = time.perf_counter()
    if options.direct:
        area = area_get(code=options.area)
        assert area is not None
        rows = desa_sadar_all(area=area, as_of=dt.date.fromisoformat(as_of), query=ListQuery())
        table = exports.candidates_table(rows)
        write = exports.table_csv if options.fmt == "csv" else exports.table_xlsx
        size, what = len(write(table)), f"{len(rows):,} villages in memory"
    else:
        arguments = {"area": options.area, "as_of": as_of, "fmt": options.fmt}
        job = job_enqueue(kind="export_candidates", arguments=arguments)
        run_job.call(job.pk)
        job.refresh_from_db()
        name = job_file_name(job.pk, f".{options.fmt}")
        size, what = default_storage.size(name), f"job {job.pk}: {job.state}, {job.message}"
    seconds = time.perf_counter() - started
    print(f"{options.fmt} of {options.area or 'the country'} on {as_of}: {what}")
    print(f"{seconds:.1f} s, {size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
