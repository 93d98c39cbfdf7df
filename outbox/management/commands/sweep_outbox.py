import time

from django.core.management.base import BaseCommand

from outbox import services


class Command(BaseCommand):
    help = "把未交付的后台任务（生成文件、发送邮件）重新交给队列；无 Celery beat 的主机用 cron 或 --every 运行。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--every", type=int, default=0, help="每隔多少秒运行一次（0：只运行一次）"
        )

    def handle(self, *args, every=0, **options):
        while True:
            sent = services.sweep()
            self.stdout.write(f"交付 {sent} 个后台任务")
            if not every:
                return
            time.sleep(every)
