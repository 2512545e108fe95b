"""The pages under load over HTTP: gunicorn with the production settings, 1, 4 and 16 readers.

Starts gunicorn as docs/deployment.md runs it (DEBUG off, 5 gthread workers with 2 threads
each, timeout 60 s) against DATABASE_URL, logs the bench users in, and for each page runs a
bounded closed-loop load (bench/http_load.py: wrk if installed, else Python threads) for
`--seconds` per reader count: the country dashboard (head office), a province (a manager of
the province), a regency (a manager of the regency) and a village page (its secretary). The
slow cases run alone, a few times each, with the time to the last byte and the peak RSS of the
worker that served them (VmHWM, reset before each request through /proc/PID/clear_refs): the
country dashboard for a past day (`as_of`, June) and the whole-country candidates XLSX.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_country
    make bench-http          # or: .venv/bin/python bench/http_bench.py --seconds 20

Writes JSON (default bench-results/http-bench.json) and prints the markdown table of
docs/performance.md. Needs PostgreSQL with `generate_load` run; refuses SQLite. Writes to the
database only what bench/bench.py and a normal GET do: the bench users (bench_head,
bench_prov, bench_branch, bench_village) and their sessions, deleted at the end. Requests
carry `X-Forwarded-Proto: https`, as from the TLS proxy in front of gunicorn in production.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import secrets
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this folder is sys.path[0] and `bench` would be bench/bench.py.
if sys.path and Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path[0] = str(ROOT)

from bench.http_load import Answer, LoadResult, Target, get, run_load  # noqa: E402
from bench.http_server import APP_NAME, Server  # noqa: E402

# The goals of issue 16: the pages' with 16 readers, the slow cases' alone.
GOAL_READERS = 16
LOAD_GOALS = {
    "country dashboard": ("≥ 100 req/s, p95 ≤ 300 ms", 100, 300),
    "province dashboard": ("≥ 100 req/s", 100, None),
    "regency dashboard": ("≥ 100 req/s", 100, None),
    "village page": ("≥ 100 req/s", 100, None),
}
# Long enough for a country page computed by each of the 5 workers on a loaded machine (2-3 s
# each): a worker that served nothing while warming computes the page in the measurement.
WARM_SECONDS = 6
# The page of a background job, where a large area's export sends its user.
JOB_PAGE = "/tugas/"
BENCH_USERS = ("bench_head", "bench_branch", "bench_prov", "bench_village")
# (goal, most ms, most MB, must be streamed). A large area's export answers with a redirect
# to its background job's page instead: that meets the goal (the job's own time and memory:
# bench/bench_export_job.py).
SLOW_GOALS = {
    "country dashboard, past as_of": ("≤ 500 ms", 500, None, False),
    "whole-country candidates XLSX": ("streamed, ≤ 150 MB, or a background job", None, 150, True),
}


@dataclass(frozen=True)
class Case:
    name: str
    user: str
    path: str


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20, help="Per page and reader count.")
    parser.add_argument("--readers", default="1,4,16", help="Reader counts, comma-separated.")
    parser.add_argument("--workers", type=int, default=5, help="gunicorn workers (2 × cores + 1).")
    parser.add_argument("--threads", type=int, default=2, help="Threads per gunicorn worker.")
    parser.add_argument("--slow-reps", type=int, default=3, help="Runs of each slow case.")
    parser.add_argument("--timeout", type=float, default=120, help="Client timeout, seconds.")
    parser.add_argument("--client", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument(
        "--keep-alive",
        action="store_true",
        help="Keep each reader's connection (default: one per request, as behind nginx).",
    )
    parser.add_argument("--province", default="33")
    parser.add_argument("--regency", default="33.02")
    parser.add_argument("--as-of", help="The past day (default: 30 June, this year or last).")
    parser.add_argument("--only", help="Run only the cases whose name contains this text.")
    parser.add_argument("--json", default="bench-results/http-bench.json", metavar="PATH")
    args = parser.parse_args(argv)
    args.readers = [int(n) for n in args.readers.split(",")]
    return args


def june(today: dt.date) -> dt.date:
    """The past day the bench asks for: 30 June of this year, or of last year before July."""
    day = dt.date(today.year, 6, 30)
    return day if day < today else day.replace(year=today.year - 1)


def production_env(database_url: str) -> dict[str, str]:
    """The environment of gunicorn and of this process (the sessions are signed with the same
    key): the production settings, a key made for this run, the loopback as host."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "off",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bpjs_desa.settings")
    import django

    django.setup()
    from django.db import connections

    vendor = connections["default"].vendor
    if vendor != "postgresql":
        sys.exit(
            f"http_bench: DATABASE_URL points at {vendor}; the benchmark needs PostgreSQL with "
            "generated data, e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_country"
        )


def cases(args: argparse.Namespace) -> tuple[list[Case], list[Case], str]:
    """The pages under load, the slow cases, and the village of the village page."""
    from django.urls import reverse

    from villages.models import Post, Village

    first = Village.objects.filter(code__startswith=f"{args.regency}.").order_by("code")
    district = first.values_list("district_id", flat=True).first()
    village = (
        Post.objects.filter(village__district_id=district)
        .order_by("village_id")
        .values_list("village_id", flat=True)
        .first()
    )
    if village is None:
        sys.exit(f"http_bench: no posts in regency {args.regency}; run generate_load first.")
    dash = "enrollment:area_dashboard"
    load = [
        Case("country dashboard", "bench_head", reverse(dash)),
        Case("province dashboard", "bench_prov", reverse(dash, args=[args.province])),
        Case("regency dashboard", "bench_branch", reverse(dash, args=[args.regency])),
        Case("village page", "bench_village", reverse("enrollment:village", args=[village])),
    ]
    slow = [
        Case("country dashboard, past as_of", "bench_head", f"{reverse(dash)}?as_of={args.as_of}"),
        Case(
            "whole-country candidates XLSX",
            "bench_head",
            reverse("enrollment:area_export", args=["candidates", "xlsx"]),
        ),
    ]
    keep = [c for c in load + slow if not args.only or args.only in c.name]
    return [c for c in load if c in keep], [c for c in slow if c in keep], village


def sessions(args: argparse.Namespace, village: str) -> dict[str, str]:
    """The bench users (as bench/bench.py makes them, and a village secretary) and the
    Cookie header of a session of each."""
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.test import Client

    from villages.models import Role
    from villages.roles import user_role_set

    user_role_set(username="bench_head", kind=Role.Kind.HEAD_OFFICE)
    user_role_set(username="bench_branch", kind=Role.Kind.MANAGER, area_codes=[args.regency])
    user_role_set(username="bench_prov", kind=Role.Kind.MANAGER, area_codes=[args.province])
    user_role_set(username="bench_village", kind=Role.Kind.VILLAGE_SECRETARY, area_codes=[village])
    cookies = {}
    for username in BENCH_USERS:
        client = Client()
        client.force_login(User.objects.get(username=username))
        name = settings.SESSION_COOKIE_NAME
        cookies[username] = f"{name}={client.cookies[name].value}"
    return cookies


def sessions_end(cookies: dict[str, str]) -> None:
    """End the bench users' sessions, and drop the jobs their GETs queued and no worker ran
    (the large export answers with a job)."""
    from django.contrib.sessions.backends.db import SessionStore

    from jobs.models import Job

    Job.objects.filter(requested_by__username__in=BENCH_USERS, state=Job.State.QUEUED).delete()
    for cookie in cookies.values():
        SessionStore(session_key=cookie.split("=", 1)[1]).delete()


def active_queries() -> int:
    """Queries of gunicorn's connections running now."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s "
            "AND state = 'active' AND pid <> pg_backend_pid()",
            [APP_NAME],
        )
        return cursor.fetchone()[0]


def warm(server: Server, target: Target, args: argparse.Namespace) -> None:
    """Check the page answers 200 (not a redirect to the login), then a request per worker
    thread at once for WARM_SECONDS, so every worker has built its URLs, templates and
    connection, and holds the page's data part in its cache (each worker keeps its own: its
    first request of a page after a write computes it, the time bench/bench.py measures)."""
    status = get(target, timeout=args.timeout).status
    if status != 200:
        sys.exit(f"http_bench: {target.path} answered {status}")
    threads = args.workers * args.threads
    run_load(
        target, readers=threads, seconds=WARM_SECONDS, timeout=args.timeout, client=args.client
    )
    server.wait_idle(active_queries)


def measure_load(server: Server, case: Case, cookie: str, args: argparse.Namespace) -> dict:
    target = server.target(case.path, cookie, args.keep_alive)
    warm(server, target, args)
    runs = {}
    for readers in args.readers:
        load = os.getloadavg()[0]
        result = run_load(
            target, readers=readers, seconds=args.seconds, timeout=args.timeout, client=args.client
        )
        drained = server.wait_idle(active_queries)
        runs[str(readers)] = {**result.as_dict(), "load_before": load, "drain_s": drained}
        who = f"{readers} reader{'s' if readers > 1 else ''}"
        print(f"  {case.name}, {who}: {cell(result)} (load {load:.2f})", flush=True)
    return {"path": case.path, "user": case.user, "runs": runs}


def measure_slow(server: Server, case: Case, cookie: str, args: argparse.Namespace) -> dict:
    """The case alone, `--slow-reps` times: seconds to the first and the last byte, and the
    workers' peak RSS. Streamed: sent without a Content-Length (chunked)."""
    target = server.target(case.path, cookie, args.keep_alive)
    answers, peaks = [], []
    for _ in range(args.slow_reps):
        server.wait_idle(active_queries)  # a request cut at the timeout may still run
        server.peak_reset()
        try:
            answers.append(get(target, timeout=args.timeout))
        except OSError:  # a timeout too: an error, counted at the time it was cut
            answers.append(Answer(0, {}, b"", args.timeout, args.timeout))
        peaks.append(server.peak_rss_mb())
    ok = [answer for answer in answers if answer.status == 200]
    queued = [answer for answer in answers if _job_redirect(answer)]
    row = {
        "path": case.path,
        "user": case.user,
        "reps": len(answers),
        "median_s": round(statistics.median(a.seconds for a in answers), 2),
        "max_s": round(max(a.seconds for a in answers), 2),
        "first_byte_s": round(statistics.median(a.first_byte_s for a in answers), 2),
        "peak_rss_mb": round(max(peaks), 1),
        "bytes": len(ok[-1].body) if ok else 0,
        "streamed": bool(ok) and "content-length" not in ok[-1].headers,
        # Answered with a redirect to a background job's page (a large area's export).
        "job": bool(answers) and len(queued) == len(answers),
        "errors": sum(a.status != 200 and not _job_redirect(a) for a in answers),
        "statuses": [a.status for a in answers],
        "load_before": os.getloadavg()[0],
    }
    print(f"  {case.name}: {slow_cell(row)}", flush=True)
    return row


def _job_redirect(answer: Answer) -> bool:
    location = answer.headers.get("location", "")
    return answer.status in (302, 303) and location.startswith(JOB_PAGE)


def cell(run: LoadResult | dict) -> str:
    r = run.as_dict() if isinstance(run, LoadResult) else run
    if not r["requests"]:
        return f"no answer within the time, **{r['errors']} errors**"
    text = f"{r['ok_per_s']:g} req/s, p50 {_ms(r['p50_ms'])}, p95 {_ms(r['p95_ms'])}"
    return text + (f", **{r['errors']} errors**" if r["errors"] else "")


def slow_cell(row: dict) -> str:
    text = f"{row['median_s']:g} s, {row['peak_rss_mb']:.0f} MB"
    text += ", streamed" if row["streamed"] else ""
    text += ", queued as a background job" if row.get("job") else ""
    return text + (f", **{row['errors']} errors**" if row["errors"] else "")


def _ms(value: float) -> str:
    return f"{value / 1000:.1f} s" if value >= 1000 else f"{value:.0f} ms"


def goals_met(results: dict) -> dict[str, bool]:
    """Each goal of issue 16 this run measured, met or not (the pages' at 16 readers)."""
    met = {}
    for name, (_text, per_s, p95) in LOAD_GOALS.items():
        if name in results["load"] and str(GOAL_READERS) in results["load"][name]["runs"]:
            top = results["load"][name]["runs"][str(GOAL_READERS)]
            ok = top["ok_per_s"] >= per_s and not top["errors"]
            met[name] = ok and (p95 is None or top["p95_ms"] <= p95)
    for name, (_text, ms, mb, streamed) in SLOW_GOALS.items():
        if name in results["slow"]:
            row = results["slow"][name]
            ok = not row["errors"] and (ms is None or row["median_s"] * 1000 <= ms)
            ok = ok and (mb is None or row["peak_rss_mb"] <= mb)
            met[name] = ok and (row["streamed"] or not streamed)
            if row.get("job"):
                # The worker that answered only queued the job: its peak is whatever it held
                # from earlier requests (the job's own: bench/bench_export_job.py).
                met[name] = not row["errors"]
    return met


def table(results: dict) -> str:
    """The markdown table of docs/performance.md: per page, each reader count's req/s (200
    answers only), p50 and p95; the slow cases' median time and peak RSS; the goal."""
    readers = results["readers"]
    head = ["what", *(f"{n} reader{'s' if n > 1 else ''}" for n in readers), "goal"]
    lines = ["| " + " | ".join(head) + " |", "|---" * len(head) + "|"]
    for name, row in results["load"].items():
        cells = [cell(row["runs"][str(n)]) for n in readers]
        goal = f"{LOAD_GOALS[name][0]} at {GOAL_READERS} readers{_met(results, name)}"
        lines.append(f"| {name} `{row['path']}` | " + " | ".join(cells) + f" | {goal} |")
    for name, row in results["slow"].items():
        cells = [f"{slow_cell(row)} (alone, median of {row['reps']})"] + ["—"] * (len(readers) - 1)
        goal = f"{SLOW_GOALS[name][0]}{_met(results, name)}"
        lines.append(f"| {name} `{row['path']}` | " + " | ".join(cells) + f" | {goal} |")
    return "\n".join(lines)


def _met(results: dict, name: str) -> str:
    if name not in results["goals_met"]:
        return ""
    return ": met" if results["goals_met"][name] else ": not met"


def row_counts() -> dict[str, int]:
    from django.db import connection

    tables = ["villages_village", "villages_post", "enrollment_membership"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples::bigint FROM pg_class WHERE relname = ANY(%s)", [tables]
        )
        return dict(cursor.fetchall())


def plan(args: argparse.Namespace, load: list[Case], slow: list[Case]) -> str:
    seconds = len(load) * len(args.readers) * args.seconds
    slow_most = len(slow) * args.slow_reps * args.timeout
    return (
        f"http_bench: {len(load)} pages × {len(args.readers)} reader counts "
        f"({', '.join(map(str, args.readers))}) × {args.seconds:g} s = {seconds / 60:.1f} min "
        f"of load, plus warm-up and drain; then {len(slow)} slow cases × {args.slow_reps} "
        f"requests, each cut at {args.timeout:g} s (at most {slow_most / 60:.0f} min)."
        " Each run waits for the server to finish the requests it left, 2 min at most."
    )


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    args.as_of = args.as_of or june(dt.date.today()).isoformat()
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url or database_url.startswith("sqlite"):
        sys.exit("http_bench: set DATABASE_URL to a PostgreSQL database with generated data.")
    env = production_env(database_url)
    setup_django(env)
    load, slow, village = cases(args)
    print(plan(args, load, slow), f"Load average now: {os.getloadavg()[0]:.2f}.", flush=True)
    cookies = sessions(args, village)
    path = Path(args.json)
    path.parent.mkdir(parents=True, exist_ok=True)
    log = path.with_name("http-gunicorn.log")
    server = Server(workers=args.workers, threads=args.threads, env=env, log=log)
    try:
        server.wait_ready()
        results = run(server, args, load, slow, cookies)
    finally:
        server.stop()
        sessions_end(cookies)
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(table(results))
    print(f"wrote {path}")


def run(
    server: Server,
    args: argparse.Namespace,
    load: list[Case],
    slow: list[Case],
    cookies: dict[str, str],
) -> dict:
    from django.conf import settings

    results: dict = {
        "database": settings.DATABASES["default"]["NAME"],
        "rows": row_counts(),
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "load_average": os.getloadavg(),
        "cores": os.cpu_count(),
        "gunicorn": {"workers": args.workers, "threads": args.threads, "timeout": 60},
        "keep_alive": args.keep_alive,
        "seconds": args.seconds,
        "readers": args.readers,
        "as_of": args.as_of,
        "load": {},
        "slow": {},
    }
    for case in load:
        results["load"][case.name] = measure_load(server, case, cookies[case.user], args)
    results["workers_peak_rss_mb"] = round(server.peak_rss_mb(), 1)
    for case in slow if args.slow_reps > 0 else []:  # --slow-reps 0: the pages only
        results["slow"][case.name] = measure_slow(server, case, cookies[case.user], args)
    results["load_average_end"] = os.getloadavg()
    results["goals_met"] = goals_met(results)
    return results


if __name__ == "__main__":
    main()
