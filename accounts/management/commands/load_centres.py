from django.core.management.base import BaseCommand

from accounts.centres import load_centres


class Command(BaseCommand):
    help = "载入省级中心和11个市级评价（鉴定）中心（已存在的不覆盖）"

    def handle(self, *args, **options):
        created = load_centres()
        self.stdout.write(f"评价中心：新建 {created} 个。")
