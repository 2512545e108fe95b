"""Save what the product answers for the demo, to show that a restructuring changed nothing.

For the country, every demo province, regency and district and every demo village: the JSON
of `/api/v1/coverage/<code>/`; for the same areas every CSV export (children, categories,
candidates), and every village's roster CSV. Asked as head office, on a fixed day, through
Django's test client against DATABASE_URL (the demo of `make run`). Run it before and after,
then compare: `diff -r BEFORE AFTER` must print nothing.

    .venv/bin/python bench/behaviour_snapshot.py OUT_DIR [--as-of 2026-11-30]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bpjs_desa.settings")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--as-of", default="2026-11-30")
    parser.add_argument("--user", default="pusat", help="Who asks (default: head office).")
    options = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from enrollment.models import Membership
    from villages.models import Post

    settings.ALLOWED_HOSTS = ["testserver"]
    client = Client()
    client.force_login(get_user_model().objects.get(username=options.user))
    villages = sorted(set(Post.objects.values_list("village_id", flat=True)))
    areas = sorted({v[:n] for v in villages for n in (2, 5, 8)})
    options.out.mkdir(parents=True, exist_ok=True)
    saved = 0
    query = f"?as_of={options.as_of}"

    def save(name: str, url: str) -> None:
        nonlocal saved
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="id")
        body = response.content if response.status_code == 200 else b""
        (options.out / name).write_bytes(f"{response.status_code}\n".encode() + body)
        saved += 1

    save("api-country.json", f"/api/v1/coverage/{query}")
    for code in areas + villages:
        save(f"api-{code}.json", f"/api/v1/coverage/{code}/{query}")
    for table in ("children", "categories", "candidates"):
        save(f"export-country-{table}.csv", f"/ekspor/{table}.csv{query}")
        for code in areas:
            save(f"export-{code}-{table}.csv", f"/wilayah/{code}/ekspor/{table}.csv{query}")
    for code in villages:
        save(f"roster-{code}.csv", f"/desa/{code}/ekspor/roster.csv{query}")
    print(
        f"{saved} responses saved in {options.out} ({len(areas)} areas, {len(villages)} "
        f"villages, {Membership.objects.count()} memberships)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
