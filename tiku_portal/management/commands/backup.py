from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tiku_portal.backup import BackupError, backup


class Command(BaseCommand):
    help = "备份数据库和上传/生成的文件（media 目录）到一个新目录。"

    def add_arguments(self, parser):
        parser.add_argument("--output", default=str(settings.BACKUP_DIR), help="备份存放目录")

    def handle(self, *args, output, **options):
        try:
            target = backup(Path(output))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(str(target))
