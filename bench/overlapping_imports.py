"""Two roster imports at once over the same people, repeated; after each round the summary
and the day's rows must equal a rebuild (`manage.py check_summary`).

Round i: import A gives 400 people a post in another village (their coverage unchanged);
import B, started at the same moment, changes the same people's `iuran_sampai` in their home
village. This is the interleaving that once left a village 400 posts out of step.

    DATABASE_URL=postgres://… .venv/bin/python bench/overlapping_imports.py --rounds 20

Needs PostgreSQL with regions loaded (province 33). Writes people with NIKs 330203 01 01 70
nnnn in Kec. Jatilawang; run it on a scratch database.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOME = "33.02.03.2001"
ELSEWHERE = [f"33.02.03.20{n:02d}" for n in range(2, 12)]
HEADER = [
    "kode_desa",
    "nik",
    "nama",
    "jenis_kelamin",
    "jabatan",
    "unit",
    "mulai_menjabat",
    "program",
    "kategori_peserta",
    "tanggal_daftar",
    "iuran_sampai",
    "sumber_iuran",
]


def rows(village: str, until: dt.date, people: int, unit: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for n in range(1, people + 1):
        nik = f"330203010170{n:04d}"
        writer.writerow(
            [
                village,
                nik,
                f"Uji Serentak {n}",
                "L",
                "Anggota BPD",
                f"{unit}{n}",
                "2022-01-01",
                "JKK,JKM",
                "BPU",
                "2024-01-01",
                until.isoformat(),
                "APBDES",
            ]
        )
    return out.getvalue()


def manage(*args: str, wait: bool = True):
    command = [sys.executable, str(ROOT / "manage.py"), *args]
    if wait:
        return subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--people", type=int, default=400)
    options = parser.parse_args()
    if "postgres" not in os.environ.get("DATABASE_URL", ""):
        print("DATABASE_URL must name a PostgreSQL database.")
        return 2
    folder = Path(tempfile.mkdtemp(prefix="overlap-"))
    base = dt.date(2026, 12, 31)
    first = folder / "home.csv"
    first.write_text(rows(HOME, base, options.people, "u"))
    done = manage("import_roster", str(first))
    print("setup:", done.stdout.strip().splitlines()[-1] if done.stdout else done.stderr)
    manage("roll_coverage_day")
    out_of_step, outcomes = 0, {"both": 0, "one refused": 0, "other": 0}
    for round_ in range(1, options.rounds + 1):
        village = ELSEWHERE[round_ % len(ELSEWHERE)]
        until = base + dt.timedelta(days=31 * round_)
        posts = folder / f"posts-{round_}.csv"
        posts.write_text(rows(village, base, options.people, f"r{round_}-"))
        pay = folder / f"pay-{round_}.csv"
        pay.write_text(rows(HOME, until, options.people, "u"))
        started = time.perf_counter()
        a, b = (
            manage("import_roster", str(posts), wait=False),
            manage("import_roster", str(pay), wait=False),
        )
        (a_out, a_err), (b_out, b_err) = a.communicate(), b.communicate()
        codes = (a.returncode, b.returncode)
        seconds = time.perf_counter() - started
        del a_out, b_out  # the reports: read so that neither child blocks on a full pipe
        kind = "both" if codes == (0, 0) else "one refused" if 0 in codes else "other"
        outcomes[kind] += 1
        check = manage("check_summary")
        differs = check.returncode != 0
        out_of_step += differs
        state = "OUT OF STEP" if differs else "in step"
        figures = check.stdout.strip().replace("\n", "; ")
        print(f"round {round_:2d}: exit codes {codes}, {seconds:.1f} s, {state}: {figures}")
        if kind == "other":
            print(a_err[-500:], b_err[-500:])
    print(f"{options.rounds} rounds: {outcomes}; rounds out of step: {out_of_step}")
    return 1 if out_of_step else 0


if __name__ == "__main__":
    sys.exit(main())
