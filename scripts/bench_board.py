"""Benchmark of the pages that grow with the call (make bench): the provincial board, a
centre's queue and the comparison of one contested unit, with thousands of applications.

Builds a throwaway SQLite database under /tmp with the real catalog and N submitted
applications spread over the 120 units and the 11 cities (bulk inserts, no PDFs), then
times each page through Django's test client (median of several requests, warm).

Usage: .venv/bin/python scripts/bench_board.py [--count 3000] [--repeat 7]
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = Path(tempfile.gettempdir()) / "tiku-bench-board"
DB = WORK / "bench.sqlite3"

# Everything is set before django.setup(): settings read the environment once.
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "tiku_portal.settings"
os.environ["DATABASE_URL"] = f"sqlite:///{DB}"
os.environ["MEDIA_ROOT"] = str(WORK / "media")
os.environ["EMAIL_URL"] = "dummymail://"
os.environ.pop("CELERY_BROKER_URL", None)
# Axes logs every login at INFO; the figures are what matters here.
os.environ.setdefault("LOG_LEVEL", "WARNING")


def build(count: int):
    from django.core.management import call_command

    from accounts.centres import load_centres
    from accounts.models import Centre, Organisation, User
    from accounts.validators import credit_code_check_char
    from applications.models import Application, Basis, Intention, Status
    from catalog.models import Call, Unit
    from reviews.models import Batch, Recommendation, Review

    call_command("migrate", verbosity=0)
    load_centres()
    call_command("load_catalog", verbosity=0)
    call = Call.objects.get(slug="2023-2024")
    cities = list(Centre.objects.filter(kind="city"))
    units = list(Unit.objects.filter(entry__call=call))
    orgs = []
    for n in range(count):
        body = f"9133{n:013d}"
        orgs.append(
            Organisation(
                name=f"基准单位{n}",
                credit_code=body + credit_code_check_char(body),
                legal_representative="甲",
                address="杭州",
                centre=cities[n % len(cities)],
            )
        )
    Organisation.objects.bulk_create(orgs, batch_size=500)
    orgs = list(Organisation.objects.order_by("pk"))
    apps = [
        Application(
            call=call,
            organisation=org,
            basis=Basis.CATALOG,
            unit=units[n % len(units)],
            levels=[5, 4, 3],
            intention=Intention.LEAD if n % 3 else Intention.PARTICIPANT,
            status=Status.SENT if n % 4 else Status.SUBMITTED,
        )
        for n, org in enumerate(orgs)
    ]
    Application.objects.bulk_create(apps, batch_size=500)
    Review.objects.bulk_create(
        [
            Review(
                application=app,
                recommendation=Recommendation.LEAD if n % 3 else Recommendation.PARTICIPANT,
                reason="理由",
            )
            for n, app in enumerate(Application.objects.order_by("pk"))
        ],
        batch_size=500,
    )
    Batch.objects.bulk_create([Batch(call=call, centre=c) for c in cities])
    province = User.objects.create_user(
        "province@bench.example.com",
        "x",
        role=User.Role.PROVINCE,
        centre=Centre.objects.get(kind="province"),
    )
    city = User.objects.create_user(
        "city@bench.example.com", "x", role=User.Role.CITY, centre=cities[0]
    )
    return province, city, units[0]


def timed(client, url, repeat):
    client.get(url)
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(samples) * 1000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    WORK.mkdir(exist_ok=True)
    DB.unlink(missing_ok=True)
    import django

    django.setup()
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    started = time.perf_counter()
    province, city, unit = build(args.count)
    print(
        f"准备数据：{args.count}份申报书（120个职业（工种），11个市），用时{time.perf_counter() - started:.1f}秒"
    )

    client = Client()
    client.force_login(province)
    print(f"省中心遴选总览（120行）：{timed(client, '/review/board/', args.repeat):.0f} 毫秒")
    per_unit = args.count // 120
    compare = f"/review/board/compare/?key=u{unit.pk}"
    print(f"比较页（约{per_unit}家申报单位）：{timed(client, compare, args.repeat):.0f} 毫秒")
    print(f"统计图表：{timed(client, '/review/charts/', args.repeat):.0f} 毫秒")
    client.force_login(city)
    print(
        f"市中心审核列表（约{args.count // 11}份）：{timed(client, '/review/', args.repeat):.0f} 毫秒"
    )


if __name__ == "__main__":
    main()
