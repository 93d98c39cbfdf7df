from django.core.management.base import BaseCommand, CommandError
from django.db.models import ProtectedError

from catalog.importer import import_catalog
from catalog.models import Call
from catalog.tabular import CatalogFileError


class Command(BaseCommand):
    help = "从附件1格式的 .xlsx 或 .tsv 文件导入一个批次的参考目录，并列出新增、修改、删除的条目"

    def add_arguments(self, parser):
        parser.add_argument("path", help="附件1格式的 .xlsx 或 .tsv 文件")
        parser.add_argument("--call", required=True, help="批次标识，如 2023-2024")
        parser.add_argument("--dry-run", action="store_true", help="只列出变化，不写入数据库")

    def handle(self, *args, path, call, dry_run, **options):
        target = Call.objects.filter(slug=call).first()
        if target is None:
            raise CommandError(f"没有标识为“{call}”的征集批次")
        try:
            diff = import_catalog(target, path, dry_run=dry_run)
        except FileNotFoundError as exc:
            raise CommandError(f"找不到文件“{path}”") from exc
        except CatalogFileError as exc:
            errors = "\n".join(exc.messages)
            raise CommandError(
                f"文件有{len(exc.messages)}处错误，未做任何修改：\n{errors}"
            ) from exc
        except ProtectedError as exc:
            raise CommandError(f"要删除的条目已被申报引用，未做任何修改：{exc}") from exc
        for line in diff.lines():
            self.stdout.write(line)
        if diff and dry_run:
            self.stdout.write("试运行（--dry-run），未写入数据库。")
        elif diff:
            self.stdout.write(self.style.SUCCESS("已导入。"))
