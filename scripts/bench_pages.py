"""Benchmark of the pages that grow with a call (make bench), served as in production.

Seeds one call with 2,400 applications (x --scale) from units of the 11 cities and 省属, ten
experts each, in every state of the workflow (bulk inserts, no PDFs); serves them with gunicorn,
DEBUG off, on a loopback port; then times each page through real HTTP, every request paired
with a /healthz request to the same server (the floor: one ``SELECT 1``). Prints each page's
median, its ratio to the floor's median, and the size of its HTML.

Usage:
  .venv/bin/python scripts/bench_pages.py                    # 2,400 applications, SQLite
  .venv/bin/python scripts/bench_pages.py --scale 10 \\
      --database-url postgres://postgres@127.0.0.1:5432/bench  # 24,000 / 240,000 experts
The PostgreSQL database named is dropped and created again.
"""

import argparse
import datetime as dt
import http.client
import os
import random
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = Path(tempfile.gettempdir()) / "tiku-bench-pages"
PER_SCALE = 2400
EXPERTS = 10
# What the paragraphs of the 附页 weigh in a real form: the pages must not load them to count.
PARAGRAPH = "本单位长期从事职业技能培训与评价工作，组织机构健全，专家队伍稳定。" * 12

# (label, role, path, htmx fragment)
PAGES = [
    ("目录", None, "/catalog/", False),
    ("申报单位首页", "applicant", "/accounts/dashboard/", False),
    ("市中心首页", "city", "/accounts/dashboard/", False),
    ("市中心审核列表", "city", "/review/", False),
    ("审核列表计数片段", "city", "/review/?part=counts", True),
    ("省中心首页", "province", "/accounts/dashboard/", False),
    ("遴选总览", "province", "/review/board/", False),
    ("总览摘要片段", "province", "/review/board/?part=summary", True),
    ("比较页（竞争最多）", "province", "/review/board/compare/?key={key}", False),
    ("统计图表", "province", "/review/charts/", False),
    ("发布结果页", "province", "/review/publish/", False),
    ("省中心审核列表", "province", "/review/", False),
    ("市中心报送页", "city", "/review/batch/", False),
    ("省中心报送列表", "province", "/review/batches/", False),
]


def environment(database_url: str) -> dict:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="tiku_portal.settings",
        DATABASE_URL=database_url,
        DEBUG="false",
        SECRET_KEY=env.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(40),
        ALLOWED_HOSTS="127.0.0.1",
        # Plain HTTP on loopback: no TLS terminator in front of gunicorn.
        SECURE_SSL_REDIRECT="false",
        MEDIA_ROOT=str(WORK / "media"),
        STATIC_ROOT=str(WORK / "static"),
        EMAIL_URL="dummymail://",
        LOG_LEVEL="WARNING",
    )
    env.pop("CELERY_BROKER_URL", None)
    return env


def fresh_database(database_url: str) -> None:
    if database_url.startswith("sqlite"):
        (WORK / "bench.sqlite3").unlink(missing_ok=True)
        return
    import psycopg

    server, name = database_url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def seed(count: int) -> dict:
    """Bulk-insert the call's applications; returns the session cookies and the contested key."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.db.models import Count, Q
    from django.utils import timezone
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.centres import load_centres
    from accounts.models import Centre, Organisation, User
    from accounts.validators import credit_code_check_char
    from applications.models import Application, Basis, Event, Expert, Intention, Status
    from catalog.models import Call, Unit
    from reviews.models import Batch, Recommendation, Review, Score, Selection
    from security.two_factor import SESSION_FLAG

    call_command("migrate", verbosity=0)
    load_centres()
    call_command("load_catalog", verbosity=0)
    now = timezone.now()
    # Mid-call: centres are still sending, so the batch page shows its form of undecided ones.
    Call.objects.filter(slug="2023-2024").update(
        is_open=True, deadline=timezone.localdate() + dt.timedelta(days=30)
    )
    call = Call.objects.get(slug="2023-2024")
    centres = list(Centre.objects.order_by("position", "code"))
    # The province and 7 cities have sent their batch; 4 cities are still reviewing.
    working = {c.pk for c in centres if c.kind == "city"}
    working = set(sorted(working)[-4:])
    units = list(Unit.objects.filter(entry__call=call).order_by("entry__number", "position"))
    password = make_password("bench-password")

    # Two applications per unit (organisation), on two different catalog units.
    orgs = []
    for n in range(count // 2):
        body = f"9133{n:013d}"
        orgs.append(
            Organisation(
                name=f"基准申报单位{n:06d}有限公司",
                credit_code=body + credit_code_check_char(body),
                legal_representative="张三",
                address="浙江省杭州市西湖区文三路100号",
                centre=centres[n % len(centres)],
            )
        )
    Organisation.objects.bulk_create(orgs, batch_size=2000)
    orgs = list(Organisation.objects.order_by("pk"))
    User.objects.bulk_create(
        [
            User(
                email=f"u{org.pk}@bench.example.com",
                password=password,
                role=User.Role.APPLICANT,
                organisation=org,
                name="联系人",
            )
            for org in orgs
        ],
        batch_size=2000,
    )

    receiving = any(f.name == "centre" for f in Application._meta.get_fields())
    # Drawn, not taken from n: n also picks the centre, and the two would move in step.
    draw = random.Random(12)
    apps = []
    for n in range(count):
        org = orgs[n // 2]
        # Units unevenly wanted: a few occupations attract far more applicants than the rest.
        unit = units[(n * 7 + (n % 5) * (n % 3)) % len(units)] if n % 9 else units[n % 12]
        if n % 20 == 0:
            status = Status.DRAFT
        elif org.centre_id in working:
            status = [
                Status.SUBMITTED,
                Status.IN_REVIEW,
                Status.RETURNED,
                Status.VERIFIED,
                Status.RECOMMENDED,
                Status.NOT_RECOMMENDED,
            ][draw.randrange(6)]
        else:
            status = [Status.SENT] * 7 + [Status.SELECTED, Status.NOT_SELECTED, Status.SENT]
            status = status[draw.randrange(10)]
        app = Application(
            call=call,
            organisation=org,
            basis=Basis.CATALOG,
            unit=unit,
            levels=[5, 4, 3],
            intention=Intention.LEAD if n % 3 else Intention.PARTICIPANT,
            status=status,
            contact_name="李四",
            contact_mobile="13800000000",
            statement_organisation=PARAGRAPH,
            statement_team=PARAGRAPH,
            statement_experience=PARAGRAPH,
            statement_guarantee=PARAGRAPH,
            leader_name="王五",
            exp_national_bank=bool(n % 2),
            exp_national_bank_detail="电工/三级/2021年",
            submitted_at=None if status == Status.DRAFT else now,
        )
        if receiving and status != Status.DRAFT:
            app.centre_id = org.centre_id
        apps.append(app)
    # Two applications of one unit for the same catalog unit would break the unique rule.
    seen, kept = set(), []
    for app in apps:
        if (app.organisation_id, app.unit_id) not in seen:
            seen.add((app.organisation_id, app.unit_id))
            kept.append(app)
    Application.objects.bulk_create(kept, batch_size=1000)
    apps = list(Application.objects.filter(call=call).only("pk", "status", "unit_id"))

    Expert.objects.bulk_create(
        (
            Expert(
                application_id=app.pk,
                position=i,
                name=f"专家{i}",
                gender="男",
                birth_month="1975-06",
                title=["高级工程师", "工程师", "高级技师"][i % 3],
                qualification_level=["一级", "二级", ""][i % 3],
                certificate_no=f"Z{app.pk:08d}{i}",
                employer="浙江某职业技术学院",
            )
            for app in apps
            for i in range(EXPERTS)
        ),
        batch_size=5000,
    )
    submitted = [a for a in apps if a.status != Status.DRAFT]
    Event.objects.bulk_create(
        (
            Event(application_id=a.pk, at=now, from_status=Status.DRAFT, to_status=Status.SUBMITTED)
            for a in submitted
        ),
        batch_size=5000,
    )
    decided = {Status.RECOMMENDED, Status.NOT_RECOMMENDED, Status.SENT}
    decided |= {Status.SELECTED, Status.NOT_SELECTED}
    reviews = []
    for a in submitted:
        if a.status == Status.NOT_RECOMMENDED:
            rec = Recommendation.NONE
        elif a.status in decided:
            rec = Recommendation.LEAD if a.pk % 3 else Recommendation.PARTICIPANT
        else:
            rec = ""
        reviews.append(Review(application_id=a.pk, recommendation=rec, reason="理由概要" * 5))
    Review.objects.bulk_create(reviews, batch_size=5000)
    Score.objects.bulk_create(
        (
            Score(application_id=a.pk, team=80, funding=70, experience=60 + a.pk % 30)
            for a in submitted
            if a.status in (Status.SENT, Status.SELECTED, Status.NOT_SELECTED) and a.pk % 2
        ),
        batch_size=5000,
    )
    province = next(c for c in centres if c.kind == "province")
    province_user = User.objects.create(
        email="province@bench.example.com",
        password=password,
        role=User.Role.PROVINCE,
        centre=province,
    )
    leads, selections = set(), []
    for a in submitted:
        if a.status not in (Status.SELECTED, Status.NOT_SELECTED):
            continue
        if a.status == Status.NOT_SELECTED:
            outcome = Selection.Outcome.NOT_SELECTED
        elif a.unit_id in leads:
            outcome = Selection.Outcome.PARTICIPANT
        else:
            outcome = Selection.Outcome.LEAD
            leads.add(a.unit_id)
        selections.append(
            Selection(
                application_id=a.pk,
                call=call,
                unit_id=a.unit_id,
                unit_key=f"u{a.unit_id}",
                outcome=outcome,
                reason="综合评分较高",
                decided_by=province_user,
            )
        )
    Selection.objects.bulk_create(selections, batch_size=5000)
    Batch.objects.bulk_create(
        [
            Batch(
                call=call,
                centre=c,
                state=Batch.State.OPEN if c.pk in working else Batch.State.SENT,
                sent_at=None if c.pk in working else now,
                contact_person="赵六",
                contact_phone="0571-88888888",
            )
            for c in centres
        ]
    )

    city_centre = min(working)
    city_user = User.objects.create(
        email="city@bench.example.com",
        password=password,
        role=User.Role.CITY,
        centre_id=city_centre,
    )
    applicant = User.objects.filter(role=User.Role.APPLICANT).order_by("pk").first()
    contested = (
        Unit.objects.filter(entry__call=call)
        .annotate(n=Count("applications", filter=~Q(applications__status=Status.DRAFT)))
        .order_by("-n", "pk")
        .first()
    )

    def session(user):
        store = SessionStore()
        store["_auth_user_id"] = str(user.pk)
        store["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
        store["_auth_user_hash"] = user.get_session_auth_hash()
        if user.is_centre_staff:
            # With DEBUG off staff need a second factor: a session that passed it, as after login.
            device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
            store[DEVICE_ID_SESSION_KEY] = device.persistent_id
            store[SESSION_FLAG] = "device"
        store.create()
        return store.session_key

    return {
        "cookies": {
            None: None,
            "applicant": session(applicant),
            "city": session(city_user),
            "province": session(province_user),
        },
        "key": f"u{contested.pk}",
        "contested": contested.n,
        "applications": len(apps),
        "experts": len(apps) * EXPERTS,
    }


def get(port, path, cookie=None, htmx=False):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Host": "127.0.0.1"}
    if cookie:
        headers["Cookie"] = f"sessionid={cookie}"
    if htmx:
        headers["HX-Request"] = "true"
    started = time.perf_counter()
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - started
    conn.close()
    if response.status != 200:
        raise SystemExit(f"{path}: HTTP {response.status}")
    return elapsed * 1000, len(body)


def serve(env, port):
    log = (WORK / "gunicorn.log").open("w")  # noqa: SIM115 - the server outlives this function
    # One sync worker: requests are served one at a time, so each figure is one request's time.
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "tiku_portal.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--timeout",
            "300",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
    )
    for _ in range(100):
        try:
            get(port, "/healthz")
            return server
        except (OSError, SystemExit):
            time.sleep(0.2)
    server.terminate()
    raise SystemExit(f"gunicorn did not start; see {WORK / 'gunicorn.log'}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=1, help="x 2,400 applications")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", 8791)))
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", ""),
        help="PostgreSQL database to drop and fill; default SQLite under /tmp",
    )
    args = parser.parse_args()
    WORK.mkdir(exist_ok=True)
    database_url = args.database_url or f"sqlite:///{WORK / 'bench.sqlite3'}"
    env = environment(database_url)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    fresh_database(database_url)

    import django

    django.setup()
    count = PER_SCALE * args.scale
    started = time.perf_counter()
    seeded = seed(count)
    seconds = time.perf_counter() - started
    engine = "SQLite" if database_url.startswith("sqlite") else "PostgreSQL"
    print(
        f"数据：{seeded['applications']}份申报书，{seeded['experts']}名专家，12个评价中心，"
        f"{engine}；准备用时{seconds:.0f}秒"
    )
    from django.db import connection, connections

    # A production database has planner statistics (autovacuum); fresh bulk inserts have none yet.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    connections.close_all()
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    server = serve(env, args.port)
    try:
        cookies = seeded["cookies"]
        samples = {label: [] for label, *_ in PAGES}
        floor, sizes = [], {}
        for _label, role, path, htmx in PAGES:
            # Warm: templates compiled, connection open.
            get(args.port, path.format(key=seeded["key"]), cookies[role], htmx)
        for _ in range(args.repeat):
            for label, role, path, htmx in PAGES:
                floor.append(get(args.port, "/healthz")[0])
                ms, size = get(args.port, path.format(key=seeded["key"]), cookies[role], htmx)
                samples[label].append(ms)
                sizes[label] = size
    finally:
        server.terminate()
        server.wait()
    base = statistics.median(floor)
    load = Path("/proc/loadavg").read_text().split()[:3]
    print(f"负载（uptime）：{' '.join(load)}；gunicorn 1个进程，DEBUG关闭，每页{args.repeat}次")
    print(f"基准 /healthz 中位数：{base:.1f} 毫秒")
    print(f"{'页面':<20}{'中位数(ms)':>12}{'倍数':>8}{'HTML(KB)':>10}")
    worst = 0.0
    medians = {}
    for label, *_ in PAGES:
        median = medians[label] = statistics.median(samples[label])
        worst = max(worst, median / base)
        print(f"{label:<20}{median:>12.1f}{median / base:>8.1f}{sizes[label] / 1024:>10.1f}")
    print(f"最慢页面为基准的{worst:.1f}倍；竞争最多的职业（工种）有{seeded['contested']}份申报")
    # Issue 12's targets: ≤ 3x the floor at 2,400; ≤ 300 ms and ≤ 300 KB at 24,000 (PostgreSQL).
    if args.scale == 1:
        within = [label for label in medians if medians[label] <= 3 * base]
        print(
            f"目标（2,400份）每页≤基准3倍：{len(within)}/{len(PAGES)}页 "
            f"{verdict(len(within) == len(PAGES))}"
        )
    else:
        heavy = [label for label in medians if medians[label] > 300 or sizes[label] > 300 * 1024]
        print(
            f"目标（{count:,}份，{engine}）每页≤300毫秒且≤300 KB：{verdict(not heavy)}"
            + (f"（超出：{'、'.join(heavy)}）" if heavy else "")
        )
    shutil.rmtree(WORK / "media", ignore_errors=True)


def verdict(ok: bool) -> str:
    return "达标" if ok else "未达标"


if __name__ == "__main__":
    main()
