"""Roster import speed and memory, end to end through `manage.py import_roster`.

Generates N valid rows on real village codes from the database (30 posts per village, two or
three programs for most people), runs the command in a child process per file and reports wall
time, rows per second and the child's peak RSS (os.wait4 rusage). Also times the admin preview
(`import_preview`, the function the upload view calls) on a smaller file.

Run against a throw-away PostgreSQL database with the regions loaded; the roster tables are
emptied between runs, so the database name must contain "bench":

    createdb -h 127.0.0.1 -U postgres bench_import
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_import
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py load_regions
    .venv/bin/python bench/bench_import.py --rows 100000 --rows 200000 --preview 20000 \
        --json bench-results/import.json
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bpjs_desa.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402

from enrollment.imports.columns import HEADER  # noqa: E402
from enrollment.imports.engine import import_preview  # noqa: E402
from villages.models import Village  # noqa: E402

# One village's roster: (post code, unit) for 30 posts.
ROSTER = (
    [("KEPALA_DESA", ""), ("SEKRETARIS_DESA", "")]
    + [("KAUR", "")] * 3
    + [("KASI", "")] * 3
    + [("KEPALA_DUSUN", f"Dusun {n}") for n in range(1, 4)]
    + [("KETUA_BPD", "")]
    + [("ANGGOTA_BPD", "")] * 6
    + [("KETUA_RW", f"RW 00{n}") for n in (1, 2)]
    + [("KETUA_RT", f"RT 00{n} / RW 001") for n in range(1, 5)]
    + [("LINMAS", "")] * 4
    + [("PENGURUS_LKD", "")] * 2
)
NAMES = ["Sugeng", "Sri", "Warsito", "Romini", "Slamet", "Tuti", "Budi", "Siti", "Agus", "Yuni"]
FAMILY = ["Riyadi", "Hartuti", "Santoso", "Wahyuni", "Prasetyo", "Lestari", "Saputra", "Utami"]
PROGRAMS = ["JKK JKM", "JKK JKM", "JKK JKM JHT", "JKK,JKM", ""]
TRUNCATE = [
    "enrollment_membership",
    "enrollment_historicalmembership",
    "villages_post",
    "villages_historicalpost",
    "villages_person",
    "villages_historicalperson",
    "enrollment_importrecord",
]


def roster_file(
    rows: int, seed: int = 7, paid: tuple[str, str] = ("2026-12", "2026-06-30")
) -> bytes:
    """`rows` valid rows, 30 per village, each person unique (NIK from the district code);
    paid-until dates drawn from `paid` (another pair gives the same roster, paid further)."""
    rng = random.Random(seed)
    villages = list(
        Village.objects.order_by("code").values_list("code", flat=True)[: rows // len(ROSTER) + 1]
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    serials: dict[str, int] = {}
    for index in range(rows):
        village = villages[index // len(ROSTER)]
        code, unit = ROSTER[index % len(ROSTER)]
        district = village[:8].replace(".", "")
        serials[district] = serials.get(district, 0) + 1
        sex = rng.choice("LP")
        born = dt.date(1960, 1, 1) + dt.timedelta(
            days=serials[district] // 9000 * 400 + rng.randrange(300)
        )
        day = born.day + (40 if sex == "P" else 0)
        nik = f"{district}{day:02d}{born:%m%y}{serials[district] % 9000 + 1:04d}"
        programs = rng.choice(PROGRAMS)
        coverage = (
            [str(18_000_000_000 + index), rng.choice(["PU", "BPU"]), programs, "",
             rng.choice(paid), "APBDES"]
            if programs else ["", "", "", "", "", ""]
        )  # fmt: skip
        name = f"{rng.choice(NAMES)} {rng.choice(FAMILY)}"
        writer.writerow(
            [village.replace(".", ""), nik, name, sex, code, unit, "2022-01-01", "", *coverage]
        )
    return out.getvalue().encode("utf-8")


def empty_roster() -> None:
    name = connection.settings_dict["NAME"]
    if "bench" not in name:
        raise SystemExit(f"Refusing to empty the roster tables of {name}: use a bench database.")
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(TRUNCATE)} RESTART IDENTITY CASCADE")


def run_command(path: Path, *extra: str) -> dict:
    """Run import_roster in a child process; wall time and the child's peak RSS."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "import_roster", str(path), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    _pid, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    output = child.stdout.read().decode()
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"import_roster failed ({child.returncode}): {child.stderr.read()!r}")
    return {
        "seconds": round(seconds, 2),
        # CPU time of the command itself (not PostgreSQL's): steadier than wall time on a
        # busy machine.
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "report": output.splitlines()[:3],
    }


def bench(sizes: list[int], preview: int, workdir: Path) -> list[dict]:
    results = []
    for rows in sizes:
        path = workdir / f"roster-{rows}.csv"
        path.write_bytes(roster_file(rows))
        paid = workdir / f"roster-{rows}-paid.csv"
        paid.write_bytes(roster_file(rows, paid=("2027-12", "2027-06-30")))
        empty_roster()
        runs = [
            ("import (new rows)", run_command(path)),
            ("same file again", run_command(path)),  # every row unchanged
            ("paid-until updated", run_command(paid)),  # every membership updated
        ]
        for label, run in runs:
            results.append(
                {"case": label, "rows": rows, "file_mb": round(path.stat().st_size / 2**20, 1),
                 "rows_per_s": round(rows / run["seconds"]), **run}
            )  # fmt: skip
    if preview:
        results.append(bench_preview(preview))
    return results


def bench_preview(rows: int) -> dict:
    """The admin's preview (a dry run that stores the upload) on an empty roster."""
    empty_roster()
    user, _created = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    data = roster_file(rows, seed=11)
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    result = import_preview(data=data, file_name="preview.csv", user=user, skip_invalid=False)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    assert result.plan.counts.created == rows, result.report["counts"]
    return {
        "case": "admin preview",
        "rows": rows,
        "file_mb": round(len(data) / 2**20, 1),
        "seconds": round(seconds, 2),
        "rows_per_s": round(rows / seconds),
        "cpu_seconds": round(
            after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 2
        ),
        "peak_rss_mb": round(after.ru_maxrss / 1024, 1),  # the bench process as a whole
        "report": [str(result.report["counts"])],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, action="append", help="Rows per file (repeatable).")
    parser.add_argument("--preview", type=int, default=20_000, help="Rows for the admin preview.")
    parser.add_argument("--json", type=Path, help="Write the results here as JSON.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        results = bench(args.rows or [100_000], args.preview, Path(workdir))
    empty_roster()
    load = os.getloadavg()[0]
    print(f"load average {load:.1f} on {os.cpu_count()} CPUs")
    print(
        f"{'case':<20} {'rows':>8} {'MB':>5} {'seconds':>8} {'cpu s':>7} {'rows/s':>8} "
        f"{'peak RSS MB':>12}"
    )
    for r in results:
        print(
            f"{r['case']:<20} {r['rows']:>8} {r['file_mb']:>5} {r['seconds']:>8} "
            f"{r['cpu_seconds']:>7} {r['rows_per_s']:>8} {r['peak_rss_mb']:>12}"
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        meta = {
            "database": connection.vendor,
            "python": sys.version.split()[0],
            "load_average": load,
            "cpus": os.cpu_count(),
        }
        args.json.write_text(json.dumps({"meta": meta, "results": results}, indent=2))


if __name__ == "__main__":
    main()
