from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tiku_portal.backup import BackupError, restore


class Command(BaseCommand):
    help = "用备份目录替换当前数据库和 media 目录，并校验行数、文件校验和与提交版本摘要。"

    def add_arguments(self, parser):
        parser.add_argument("source", help="manage.py backup 生成的目录")
        parser.add_argument("--yes", action="store_true", help="确认覆盖当前数据")

    def handle(self, *args, source, yes, **options):
        if not yes:
            raise CommandError("恢复会覆盖当前数据库和 media 目录；确认请加 --yes。")
        try:
            result = restore(Path(source))
        except (BackupError, FileNotFoundError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"已恢复并校验：{result['tables']} 张表共 {result['rows']} 行，{result['files']} 个文件。"
        )
