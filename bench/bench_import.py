"""Roster import speed and memory, end to end through `manage.py import_roster`.

Generates N valid rows on real village codes from the database (30 posts per village, two or
three programs for most people), runs the command in a child process per file and reports wall
time, rows per second and the child's peak RSS (os.wait4 rusage). Also times the admin preview
(`import_preview`, the function the upload view calls) on a smaller file.

With --hostile, it also feeds hostile files at full size (tests/fixtures/roster/hostile.py)
to the admin preview (the worker's path, `import_preview`) and to the command (--dry-run), each
in a child process: huge cells, a million rows, a shared string in every cell of rows 16,384
columns wide, wide valid rows, and valid files of 200,000 rows for comparison. It reports the
seconds, the child's peak RSS and the outcome (the refusal, or the rows' counts).

Run against a throw-away PostgreSQL database with the regions loaded; the roster tables are
emptied between runs, so the database name must contain "bench":

    createdb -h 127.0.0.1 -U postgres bench_import
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_import
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py load_regions
    .venv/bin/python bench/bench_import.py --rows 100000 --rows 200000 --preview 20000 \
        --json bench-results/import.json
    .venv/bin/python bench/bench_import.py --rows 0 --preview 0 --hostile \
        --json bench-results/import-hostile.json
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
from django.db import connection, transaction  # noqa: E402

from enrollment.imports.columns import HEADER  # noqa: E402
from enrollment.imports.engine import import_confirm, import_preview  # noqa: E402
from enrollment.models import (  # noqa: E402
    CoverageSummary,
    ImportRecord,
    SharedHolderPost,
    VillageDay,
)
from enrollment.summary import rebuild_summary  # noqa: E402
from jobs.services import statistics_refresh  # noqa: E402
from tests.fixtures.roster import hostile  # noqa: E402
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
    roster_truncate()


def roster_truncate() -> None:
    """Empty the roster tables, then rebuild the coverage summary and the day's rows: a
    TRUNCATE fires no row trigger, so the summary would go on counting the posts it removed
    (602,680 of them once, on the dashboards of a bench database)."""
    with transaction.atomic(), connection.cursor() as cursor:
        # Deferred foreign-key checks of earlier writes in the transaction are still pending,
        # and PostgreSQL refuses to truncate a table with pending trigger events: run them.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"TRUNCATE {', '.join(TRUNCATE)} RESTART IDENTITY CASCADE")
        rebuild_summary()
    statistics_refresh(CoverageSummary, SharedHolderPost, VillageDay)


# Runs a Python script (argv[1]) and, at exit, writes its peak RSS (VmHWM) to stderr. The
# rusage of a child counts what its forked parent held before the exec: a bench holding
# hundreds of MB of generated files made every child look that big.
_PEAK = """import atexit, runpy, sys
def peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            sys.stderr.write("\\nPEAK_KB " + line.split()[1] + "\\n")
atexit.register(peak)
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def run_child(argv: list[str]) -> dict:
    """Run a Python script in a child process (argv: the interpreter, the script, its
    arguments); wall time, its CPU time, its peak RSS, exit code and output (to files: a
    report of every error can be megabytes, more than a pipe holds)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        child = subprocess.Popen([argv[0], "-c", _PEAK, *argv[1:]], stdout=out, stderr=err)
        _pid, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        output, errors = out.read().decode(), err.read().decode()
    errors, _marker, peak = errors.rpartition("\nPEAK_KB ")
    return {
        "seconds": round(seconds, 2),
        # CPU time of the child itself (not PostgreSQL's): steadier than wall time on a
        # busy machine.
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_rss_mb": round(int(peak) / 1024, 1) if peak.strip().isdigit() else None,
        "exit": os.waitstatus_to_exitcode(status),
        "output": output,
        "errors": errors,
    }


def run_command(path: Path, *extra: str) -> dict:
    """Run import_roster in a child process; wall time and the child's peak RSS."""
    run = run_child([sys.executable, str(ROOT / "manage.py"), "import_roster", str(path), *extra])
    if run["exit"]:
        raise SystemExit(f"import_roster failed ({run['exit']}): {run['errors']!r}")
    output = run.pop("output")
    del run["exit"], run["errors"]
    return {**run, "report": output.splitlines()[:3]}


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
    assert result.plan is not None, result.refused
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


# --- Hostile files --------------------------------------------------------------------------


def _values(n: int) -> list[str]:
    """A valid row for person n in Desa Kediri."""
    nik = f"33021812{(n // 9000) % 28 + 1:02d}80{n % 9000 + 1:04d}"
    return ["3302182001", nik, f"Warga {n}", "L", "LINMAS", f"RT {n}", "2022-01-01", "", "",
            "BPU", "JKK JKM", "2024-01-01", "2026-12", "APBDES"]  # fmt: skip


def hostile_files(workdir: Path) -> list[tuple[str, Path]]:
    """(label, path) of each hostile file, at full size, and valid files of 200,000 rows."""
    mb = 1024 * 1024
    valid = roster_file(200_000, seed=13)
    files = {
        "100 names of 1 MB (the 1.27 MB workbook)": (
            "xlsx", hostile.huge_cells(HEADER, _values, count=100, size=mb)),
        "60 names of 1 MB": ("xlsx", hostile.huge_cells(HEADER, _values, count=60, size=mb)),
        "19 names of 1 MB": ("csv", hostile.huge_cells_csv(HEADER, _values, count=19, size=mb)),
        "1,000,000 rows": ("csv", hostile.many_rows_csv(HEADER, 1_000_000)),
        "1,000,000 rows ": ("xlsx", hostile.many_rows_xlsx(HEADER, 1_000_000)),
        "one 1,000-char string in 16,384 columns x 200 rows": ("xlsx", hostile.shared_string_bomb(
            HEADER, lambda n: _values(n)[:2], rows=200, columns=16_384, size=1000,
            wide_header=True)),
        "16,384 columns x 300 valid rows": (
            "xlsx", hostile.wide_rows(HEADER, _values, rows=300, columns=16_384)),
        "200,000 valid rows": ("csv", valid),
        "200,000 valid rows ": (
            "xlsx", hostile.rows_xlsx(HEADER, list(csv.reader(io.StringIO(valid.decode())))[1:])),
    }  # fmt: skip
    paths = []
    for number, (label, (kind, data)) in enumerate(files.items()):
        path = workdir / f"hostile-{number}.{kind}"
        path.write_bytes(data)
        paths.append((label.strip(), path))
    return paths


def bench_hostile(workdir: Path) -> list[dict]:
    """Each hostile file through the admin preview and the command, in child processes."""
    results = []
    for label, path in hostile_files(workdir):
        size = round(path.stat().st_size / 2**20, 2)
        runs = [
            ("admin preview", [sys.executable, __file__, "--child-preview", str(path)]),
            ("command --dry-run", [sys.executable, str(ROOT / "manage.py"), "import_roster",
                                   str(path), "--dry-run"]),
        ]  # fmt: skip
        if label.startswith("200,000 valid"):  # the worker's other path: preview, then confirm
            runs.insert(1, ("admin confirm", [sys.executable, __file__, "--child-confirm"]))
        for path_label, argv in runs:
            if path_label != "admin confirm":
                empty_roster()
            run = run_child(argv)
            outcome = run["output"] if path_label.startswith("admin") else run["errors"]
            results.append({
                "case": f"{label} ({path.suffix[1:].upper()})", "path": path_label,
                "file_mb": size, "seconds": run["seconds"], "cpu_seconds": run["cpu_seconds"],
                "peak_rss_mb": run["peak_rss_mb"], "exit": run["exit"],
                "outcome": outcome.strip().splitlines()[-1][:160] if outcome.strip() else "",
            })  # fmt: skip
    return results


def child_preview(path: Path) -> None:
    """In the child: the admin preview of `path`; prints the refusal or the counts."""
    user, _created = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    result = import_preview(data=path.read_bytes(), file_name=path.name, user=user,
                            skip_invalid=False)  # fmt: skip
    print(result.refused or json.dumps(result.report["counts"]))


def child_confirm() -> None:
    """In the child: confirm the latest preview (the admin's confirm); prints the counts."""
    record = ImportRecord.objects.defer("upload", "rejected").latest("pk")  # as the admin
    result = import_confirm(record=record, user=record.user)
    print(result.refused or ("stale" if result.stale else json.dumps(result.report["counts"])))


def print_hostile(results: list[dict]) -> None:
    print(f"{'case':<58} {'path':<18} {'MB':>6} {'seconds':>8} {'peak RSS MB':>12}  outcome")
    for r in results:
        print(f"{r['case']:<58} {r['path']:<18} {r['file_mb']:>6} {r['seconds']:>8} "
              f"{r['peak_rss_mb']:>12}  {r['outcome'][:100]}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, action="append", help="Rows per file (repeatable).")
    parser.add_argument("--preview", type=int, default=20_000, help="Rows for the admin preview.")
    parser.add_argument("--hostile", action="store_true", help="Also feed hostile files.")
    parser.add_argument("--child-preview", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-confirm", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, help="Write the results here as JSON.")
    args = parser.parse_args()
    if args.child_preview:
        return child_preview(args.child_preview)
    if args.child_confirm:
        return child_confirm()
    sizes = [rows for rows in (args.rows or [100_000]) if rows]
    with tempfile.TemporaryDirectory() as workdir:
        results = bench(sizes, args.preview, Path(workdir))
        hostile_results = bench_hostile(Path(workdir)) if args.hostile else []
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
    if hostile_results:
        print_hostile(hostile_results)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        meta = {
            "database": connection.vendor,
            "python": sys.version.split()[0],
            "load_average": load,
            "cpus": os.cpu_count(),
        }
        args.json.write_text(
            json.dumps({"meta": meta, "results": results, "hostile": hostile_results}, indent=2)
        )


if __name__ == "__main__":
    main()
