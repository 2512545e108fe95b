"""Dashboard, API and admin timings at scale: server time in-process and query counts.

Runs every page through Django's test Client (no network, no browser: the time is the
server's, from the request to the rendered response) `--reps` times after `--warmup` runs,
and reports the median, the 95th percentile and the number of queries of one run. Needs
PostgreSQL (DATABASE_URL) with regions loaded and `manage.py generate_load` run:

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_country
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py load_regions
    .venv/bin/python manage.py generate_load --scale country
    make bench            # or: .venv/bin/python bench/bench.py --reps 20 --json out.json

To measure a database this run must not write (one another process owns), point
DATABASE_URL at a database of your own with the regions loaded (logins, sessions and the
access log go there) and DATABASE_REPLICA_URL at the other one, read-only
(`?options=-c%20default_transaction_read_only%3Don`): the pages read through `read_db`, and
so do the samples below. A database with finance figures and no roster runs the finance API
cases alone (`generate_load --finance-only`).

Creates two logins if missing (bench_head: head office; bench_branch: a manager scoped to
the regency). The import throughput is measured by bench/bench_import.py, which empties the
roster tables, so it runs only with --import and on a database whose name contains "bench".
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bpjs_desa.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import caches  # noqa: E402
from django.db import connections, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from villages.models import Post, Role, Village  # noqa: E402
from villages.roles import user_role_set  # noqa: E402
from villages.routers import read_db  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument(
        "--budget",
        type=float,
        default=60,
        help="Seconds per page: slower pages stop after at least 5 runs within it.",
    )
    parser.add_argument("--province", default="33")
    parser.add_argument("--regency", default="33.02")
    parser.add_argument("--json", default="bench-results/bench.json", metavar="PATH")
    parser.add_argument("--only", help="Run only the cases whose name contains this text.")
    parser.add_argument(
        "--rollback",
        action="store_true",
        help="Run in one transaction rolled back at the end: the logins, sessions and "
        "access-log rows the run writes are not kept (a shared database not to be written to).",
    )
    parser.add_argument(
        "--import",
        dest="run_import",
        action="store_true",
        help="Also run bench/bench_import.py (it EMPTIES the roster tables).",
    )
    return parser.parse_args()


def refuse_unless_postgresql() -> None:
    vendor = connections["default"].vendor
    if vendor != "postgresql":
        sys.exit(
            f"bench: DATABASE_URL points at {vendor}; the benchmark needs PostgreSQL with "
            "generated data, e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_country"
        )
    from finance.models import FinanceRecord

    db = read_db()
    if not Post.objects.using(db).exists() and not FinanceRecord.objects.using(db).exists():
        sys.exit("bench: no posts in this database; run manage.py generate_load first.")


def clients(regency: str, province: str) -> tuple[Client, Client, Client]:
    """A head-office login (sees everything), a manager scoped to one regency and one scoped
    to a province (as a regional office is)."""
    user_role_set(username="bench_head", kind=Role.Kind.HEAD_OFFICE)
    user_role_set(username="bench_branch", kind=Role.Kind.MANAGER, area_codes=[regency])
    user_role_set(username="bench_prov", kind=Role.Kind.MANAGER, area_codes=[province])
    return _logged_in("bench_head"), _logged_in("bench_branch"), _logged_in("bench_prov")


def _logged_in(username: str) -> Client:
    from django.contrib.auth.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def cases(args, head: Client, branch: Client, prov: Client) -> list[tuple[str, Client, str]]:
    """The pages to measure. Samples (a district, a village with posts) are read where the
    pages read (`read_db`: a replica when DATABASE_REPLICA_URL is set). Without posts (a
    database of regions and finance figures only) only the finance cases run."""
    db = read_db()
    district = Village.objects.using(db).filter(code__startswith=f"{args.regency}.")
    district_code = district.order_by("code").values_list("district_id", flat=True).first()
    village = (
        Post.objects.using(db)
        .filter(village__district_id=district_code)
        .order_by("village_id")
        .values_list("village_id", flat=True)
        .first()
    )
    if village is None:
        result = finance_cases(head, args.province, args.regency, district_code or "", None)
        return [c for c in result if "api" in c[0] and (not args.only or args.only in c[0])]
    dash, api = "enrollment:area_dashboard", "api:coverage_area"
    admin = f"/{settings.ADMIN_URL}"
    areas = [
        ("province", args.province),
        ("regency", args.regency),
        ("district", district_code),
    ]
    result = [("dashboard country", head, reverse(dash))]
    result += [(f"dashboard {level}", head, reverse(dash, args=[code])) for level, code in areas]
    result += [("village page", head, reverse("enrollment:village", args=[village]))]
    result += [("api country", head, reverse("api:coverage"))]
    result += [(f"api {level}", head, reverse(api, args=[code])) for level, code in areas]
    result += [("api village", head, reverse(api, args=[village]))]
    # The Desa Sadar list of every village, sorted by gap on the server (issue 13).
    country_list, regency_list = (
        reverse("enrollment:desa_sadar"),
        reverse("enrollment:desa_sadar", args=[args.regency]),
    )
    result += [
        ("desa sadar country by gap", head, f"{country_list}?sort=gap"),
        ("desa sadar country not yet by gap", head, f"{country_list}?status=not_yet&sort=gap"),
        ("desa sadar country page 100", head, f"{country_list}?status=not_yet&page=100"),
        ("desa sadar regency near", branch, f"{regency_list}?status=near_candidate"),
    ]
    admins = (
        ("persons", "villages/person/", "posts__village__district__regency"),
        ("memberships", "enrollment/membership/", "person__posts__village__district__regency"),
    )
    for model, path, regency in admins:
        result += [
            (f"admin {model} first page", head, f"{admin}{path}"),
            (f"admin {model} search name", head, f"{admin}{path}?q=Budi+Santoso"),
            (f"admin {model} filter regency", head, f"{admin}{path}?{regency}={args.regency}"),
            (f"admin {model} regency scope", branch, f"{admin}{path}"),
            (f"admin {model} regency scope search", branch, f"{admin}{path}?q=Budi+Santoso"),
            (f"admin {model} province scope", prov, f"{admin}{path}"),
            (f"admin {model} province scope search", prov, f"{admin}{path}?q=Budi+Santoso"),
        ]
    work, call_list = (
        reverse("enrollment:work_list"),
        reverse("enrollment:work_list_export", args=["csv"]),
    )
    result += [
        ("work list head office regency", head, f"{work}?regency={args.regency}"),
        ("work list head office regency page 5", head, f"{work}?regency={args.regency}&page=5"),
        ("work list regency scope", branch, work),
        ("work list regency scope ended", branch, f"{work}?state=ended"),
        ("work list district", branch, f"{work}?district={district_code}"),
        ("work list province scope, choose", prov, work),
        ("work list call list regency", branch, call_list),
        ("work list call list district", branch, f"{call_list}?district={district_code}"),
        ("admin persons search typo", head, f"{admin}villages/person/?q=Sugianto"),
        ("admin persons regency scope search typo", branch, f"{admin}villages/person/?q=Sugianto"),
    ]
    result += campaign_cases(head, args.province, args.regency, district_code or "")
    result += ranking_cases(head, branch)
    result += finance_cases(head, args.province, args.regency, district_code or "", village)
    return [c for c in result if not args.only or args.only in c[0]]


def finance_cases(
    head: Client, province: str, regency: str, district: str, village: str | None
) -> list[tuple]:
    """Money (issue 15): the finance API of the regency, the province and the country
    (`/api/v1/finance/<code>/`: contributions against claims by year), and the budget
    planner (`/anggaran/<code>/`) of a village, district, regency and province with its
    CSV and XLSX downloads, under the default choices (BPU, the rule sets' minimum) and,
    for the regency and province, a wider set under PU."""
    result = [
        ("finance api regency", head, reverse("api:finance_area", args=[regency])),
        ("finance api province", head, reverse("api:finance_area", args=[province])),
        ("finance api country", head, reverse("api:finance")),
    ]
    wider = "?programs=JKK&programs=JKM&programs=JHT&programs=JP&scheme=PU&risk_class=3"
    areas = [("village", village), ("district", district), ("regency", regency)]
    areas += [("province", province)]
    for level, code in areas:
        if not code:
            continue
        page = reverse("finance:budget", args=[code])
        result.append((f"budget page {level}", head, page))
        if level in ("regency", "province"):
            result.append((f"budget page {level} PU wider", head, page + wider))
        for fmt in ("csv", "xlsx"):
            url = reverse("finance:budget_export", args=[code, fmt])
            result.append((f"budget export {level} {fmt}", head, url))
    return result


def campaign_cases(head: Client, province: str, regency: str, district: str) -> list[tuple]:
    """The campaign figures of an area over 12 months (issue 14): the API at the contract's
    URL (/work/shared/spec/campaign-api.md: `/api/v1/campaign/<code>/?from=&to=`, the
    country at `/api/v1/campaign/`) and the campaign page (`/kampanye/<code>/`, the same
    query). The period ends on the last day with registrations, so a database generated on
    another day measures the same 12 months; the village is the district's first with
    registrations in the period."""
    from campaign.models import Registration

    last = Registration.objects.order_by("-date").values_list("date", flat=True).first()
    if last is None:
        return []
    first = last.replace(year=last.year - 1) + dt.timedelta(days=1)
    period = f"?from={first:%Y-%m-%d}&to={last:%Y-%m-%d}"
    in_district = Registration.objects.filter(village__district_id=district, date__gte=first)
    village = in_district.order_by("village_id").values_list("village_id", flat=True).first()
    areas = [("country", ""), ("province", province), ("regency", regency)]
    areas += [("district", district), ("village", village or "")]
    return [
        (f"campaign {kind} {level}", head, f"{prefix}{code + '/' if code else ''}{period}")
        for kind, prefix in (("api", "/api/v1/campaign/"), ("page", "/kampanye/"))
        for level, code in areas
        if level == "country" or code
    ]


def ranking_cases(head: Client, branch: Client) -> list[tuple[str, Client, str]]:
    """The national standing (issue 15, docs/national-standing.md): its page of every
    regency and of the provinces, its exports, and a regency manager's page (their own row,
    ranked among all). Its cards on the dashboards are measured by the dashboard cases."""
    page = "/peringkat/"
    return [
        ("ranking page regencies", head, page),
        ("ranking page provinces", head, f"{page}?level=province"),
        ("ranking page regency scope", branch, page),
        ("ranking export csv", head, f"{page}ekspor.csv"),
        ("ranking export xlsx", head, f"{page}ekspor.xlsx"),
    ]


def missing_view(url: str) -> str | None:
    """Why a case cannot run here (its URL is not routed in this build), or None."""
    from django.urls import Resolver404, resolve

    try:
        resolve(url.split("?")[0])
    except Resolver404:
        return f"{url.split('?')[0]} is not routed in this build: skipped"
    return None


# Targets (docs/performance.md, "Targets and what is left"): the median of each of these cases
# must stay within its budget; the bench lists those over and exits with status 1.
BUDGETS_MS = {
    "dashboard country": 300,
    "dashboard regency": 100,
    "village page": 50,
    "admin persons first page": 300,
    "admin memberships first page": 300,
    "desa sadar country by gap": 300,
    "desa sadar country not yet by gap": 300,
    # The national standing (docs/national-standing.md): its cards are on the dashboards,
    # whose budgets stand; the province's dashboard now reads the whole country too, so it
    # gets the country's. Its page and exports (514 regencies) as the country dashboard.
    "dashboard province": 300,
    "ranking page regencies": 300,
    "ranking page provinces": 300,
    "ranking page regency scope": 300,
    "ranking export csv": 300,
    "ranking export xlsx": 500,
    # The campaign figures of an area over 12 months (docs/performance.md, "Campaign"): the
    # country sums every registration of the year (7 million rows at country scale), so it
    # gets the dashboard's budget plus the events' and agents' lists; the others as a page.
    **{
        f"campaign {kind} {level}": 500 if level == "country" else 300
        for kind in ("api", "page")
        for level in ("country", "province", "regency", "district", "village")
    },
    # Money (docs/performance.md, "Money"): the finance API as the campaign's; the budget
    # planner of a village or district as a page, of a regency as the regency's lists (its
    # ~19,000 holders read), its downloads a little more (XLSX: openpyxl's pure-Python
    # writer). A province reads ~500,000 holders from the roster: 1 s for its page is the
    # target, not met by reading the roster (it needs the budget's figures kept per village,
    # see there); its downloads within a worker's timeout (60 s) with room.
    "finance api country": 500,
    "finance api province": 300,
    "finance api regency": 300,
    "budget page village": 100,
    "budget page district": 100,
    "budget page regency": 300,
    "budget page regency PU wider": 300,
    "budget page province": 1000,
    "budget page province PU wider": 1000,
    **{
        f"budget export {level} {fmt}": 300
        for level in ("village", "district")
        for fmt in ("csv", "xlsx")
    },
    "budget export regency csv": 500,
    "budget export regency xlsx": 1500,
    "budget export province csv": 10_000,
    "budget export province xlsx": 30_000,
}


def over_budget(pages: dict[str, dict]) -> list[str]:
    return [
        f"{name}: {pages[name]['median_ms']} ms > {budget} ms"
        for name, budget in BUDGETS_MS.items()
        if name in pages and "median_ms" in pages[name] and pages[name]["median_ms"] > budget
    ]


def measure(client: Client, url: str, reps: int, warmup: int, budget: float) -> dict:
    for _ in range(warmup):
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"bench: {url} answered {response.status_code}")
    times: list[float] = []
    for _ in range(reps):
        if len(times) >= 5 and sum(times) / 1000 > budget:
            break
        # The time of computing the page, as after a write: not of the dashboards' cache.
        caches["default"].clear()
        with ExitStack() as stack:
            # Both databases' queries when reads go to a replica (DATABASE_REPLICA_URL).
            queries = [
                stack.enter_context(CaptureQueriesContext(connections[alias]))
                for alias in sorted({"default", read_db()})
            ]
            started = time.perf_counter()
            # A streamed download is read to its end: the time includes writing it all.
            client.get(url).getvalue()
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return {
        "url": url,
        "reps": len(times),
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(p95, 1),
        "min_ms": round(times[0], 1),
        "queries": sum(len(q.captured_queries) for q in queries),
    }


def counts() -> dict:
    with connections[read_db()].cursor() as cursor:
        result = {}
        for table in (
            "villages_village",
            "villages_person",
            "villages_post",
            "enrollment_membership",
            "enrollment_coveragesummary",
            "finance_financerecord",
        ):
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s", [table])
            result[table] = cursor.fetchone()[0]
    return result


def run_import(path: Path) -> dict:
    name = settings.DATABASES["default"]["NAME"]
    script = ROOT / "bench" / "bench_import.py"
    if "bench" not in name or not script.exists():
        return {"skipped": "needs bench/bench_import.py and a database named *bench*"}
    out = path.with_name("import.json")
    subprocess.run(
        [sys.executable, str(script), "--rows", "100000", "--json", str(out)], check=True
    )
    return json.loads(out.read_text())


def main() -> None:
    args = parse_args()
    refuse_unless_postgresql()
    if not args.rollback:
        run(args)
        return
    with transaction.atomic():
        run(args)
        transaction.set_rollback(True)


def run(args: argparse.Namespace) -> None:
    head, branch, prov = clients(args.regency, args.province)
    results = {"database": settings.DATABASES["default"]["NAME"], "rows": counts(), "pages": {}}
    print(f"{'page':<40} {'median ms':>10} {'p95 ms':>8} {'queries':>8} {'runs':>5}")
    for name, client, url in cases(args, head, branch, prov):
        if skipped := missing_view(url):
            results["pages"][name] = {"url": url, "skipped": skipped}
            print(f"{name:<40} {skipped}")
            continue
        row = measure(client, url, args.reps, args.warmup, args.budget)
        results["pages"][name] = row
        print(
            f"{name:<40} {row['median_ms']:>10} {row['p95_ms']:>8} {row['queries']:>8} "
            f"{row['reps']:>5}"
        )
    path = Path(args.json)
    if args.run_import:
        results["import"] = run_import(path)
    else:
        results["import"] = {"skipped": "run with --import (bench_import.py empties the roster)"}
        print("import: skipped; bench/bench_import.py empties the roster tables (use --import)")
    results["over_budget"] = over_budget(results["pages"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2))
    print(f"wrote {path}")
    if results["over_budget"]:
        sys.exit("bench: over budget:\n  " + "\n  ".join(results["over_budget"]))


if __name__ == "__main__":
    main()
