import secrets

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from accounts.models import Centre, User
from accounts.services import create_staff


class Command(BaseCommand):
    help = "创建评价中心工作人员账号：create_staff EMAIL --centre CITY|province"

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument(
            "--centre", required=True, help="中心代码，如 hangzhou、ningbo 或 province"
        )
        parser.add_argument("--name", default="")
        parser.add_argument("--password", help="不填则生成一次性随机密码并打印")

    def handle(self, email, centre, name, password, **options):
        try:
            validate_email(email)
        except ValidationError as exc:
            raise CommandError(f"邮箱格式不正确：{email}") from exc
        try:
            centre_obj = Centre.objects.get(code=centre)
        except Centre.DoesNotExist as exc:
            codes = ", ".join(Centre.objects.values_list("code", flat=True))
            raise CommandError(f"没有代码为“{centre}”的中心。可用：{codes}") from exc
        if User.objects.filter(email__iexact=email).exists():
            raise CommandError(f"{email} 已有账号。")
        generated = password is None
        password = password or secrets.token_urlsafe(12)
        user = create_staff(email, centre_obj, name=name, password=password)
        self.stdout.write(f"已创建 {user.get_role_display()} {user.email}（{centre_obj.name}）")
        if generated:
            self.stdout.write(f"初始密码：{password}  （请登录后立即修改）")
