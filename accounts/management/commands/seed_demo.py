import datetime as dt
import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.centres import load_centres
from accounts.models import Centre, Organisation, User
from accounts.validators import credit_code_check_char

DEMO_PASSWORD = "Demo-2023!"

# (credit-code body without its check character, name, centre code, first user's email and name)
ORGANISATIONS = [
    (
        "91330100MA2H00001",
        "杭州智造职业技能培训学校（演示）",
        "hangzhou",
        "hz1@demo.example.com",
        "陈杭",
    ),
    (
        "91330100MA2H00002",
        "杭州云栖数字技术有限公司（演示）",
        "hangzhou",
        "hz2@demo.example.com",
        "林云",
    ),
    ("91330200MA2N00001", "宁波港城技师学院（演示）", "ningbo", "nb1@demo.example.com", "王甬"),
    (
        "12330000MB1P00001",
        "浙江省示范技工学校（演示）",
        "province",
        "prov1@demo.example.com",
        "赵浙",
    ),
]

STAFF = [
    ("hangzhou-staff@demo.example.com", "hangzhou", "杭州中心工作人员"),
    ("ningbo-staff@demo.example.com", "ningbo", "宁波中心工作人员"),
    ("province-staff@demo.example.com", "province", "省中心工作人员"),
]

ADMIN = ("admin@demo.example.com", "平台管理员")

# The real call closed on 2023-06-23; a labelled demo call with the same catalog lets a
# newcomer try every step, from applying to publishing results.
DEMO_CALL_SLUG = "demo"
DEMO_DEADLINE_DAYS = 90
# Units submit two weeks before centres must have sent, leaving their centre time to review.
DEMO_APPLICANT_DAYS = DEMO_DEADLINE_DAYS - 14


class Command(BaseCommand):
    help = "创建演示账号（仅 DEBUG 模式；可重复执行，不会重复创建）"

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo 只能在 DEBUG 模式下运行：生产环境不应有演示账号。")
        load_centres()
        centres = {c.code: c for c in Centre.objects.all()}
        created = 0
        for body, name, centre, email, person in ORGANISATIONS:
            org, _ = Organisation.objects.get_or_create(
                credit_code=body + credit_code_check_char(body),
                defaults={
                    "name": name,
                    "legal_representative": person,
                    "address": f"{centres[centre].region}演示地址1号",
                    "centre": centres[centre],
                },
            )
            created += self._user(email, person, role=User.Role.APPLICANT, organisation=org)
        for email, centre, person in STAFF:
            role = User.Role.PROVINCE if centres[centre].is_province else User.Role.CITY
            created += self._user(email, person, role=role, centre=centres[centre])
        email, person = ADMIN
        created += self._user(email, person, role=User.Role.ADMIN, is_staff=True, is_superuser=True)
        self.stdout.write(f"演示账号：新建 {created} 个，密码均为 {DEMO_PASSWORD}")
        self._demo_call()

    def _demo_call(self):
        from catalog.importer import import_catalog
        from catalog.management.commands.load_catalog import FIXTURES, call_values
        from catalog.models import Call, Reference
        from catalog.series import link_series

        today = timezone.localdate()
        # The demo call reads like the real one: its notice, contacts and references.
        real = json.loads((FIXTURES / "calls.json").read_text(encoding="utf-8"))[0]
        defaults = {
            **call_values(real),
            "name": "演示批次（使用2023-2024年参考目录，仅供体验）",
            "notice_date": today,
            "deadline": today + dt.timedelta(days=DEMO_DEADLINE_DAYS),
            "applicant_deadline": today + dt.timedelta(days=DEMO_APPLICANT_DAYS),
            "is_open": True,
        }
        call, created = Call.objects.get_or_create(slug=DEMO_CALL_SLUG, defaults=defaults)
        if created:
            for position, ref in enumerate(real.get("references", [])):
                Reference.objects.create(
                    call=call, name=ref["name"], url=ref.get("url", ""), position=position
                )
        if created:
            import_catalog(call, settings.BASE_DIR / "fixtures" / "catalog" / "2023-2024.tsv")
            link_series(call)
            self.stdout.write(f"演示批次：{call.name}，报送截止 {call.deadline}")

    @staticmethod
    def _user(email, name, **fields) -> bool:
        if User.objects.filter(email=email).exists():
            return False
        User.objects.create_user(email, DEMO_PASSWORD, name=name, **fields)
        return True
