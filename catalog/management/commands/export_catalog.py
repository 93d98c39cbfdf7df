from django.core.management.base import BaseCommand, CommandError

from catalog.exporter import export_catalog
from catalog.models import Call


def pick_call(slug=None) -> Call:
    """The call named by ``slug``, else the open call, else the newest."""
    if slug:
        call = Call.objects.filter(slug=slug).first()
        if call is None:
            raise CommandError(f"没有标识为“{slug}”的征集批次")
        return call
    call = Call.objects.order_by("-is_open", "-notice_date", "-pk").first()
    if call is None:
        raise CommandError("还没有任何征集批次，请先运行 load_catalog")
    return call


class Command(BaseCommand):
    help = "把一个批次的参考目录导出为附件1格式的 .xlsx（或 .tsv）文件"

    def add_arguments(self, parser):
        parser.add_argument("path", help="输出文件，如 catalog.xlsx")
        parser.add_argument("--call", help="批次标识，默认为正在征集的批次，否则为最新批次")

    def handle(self, *args, path, call=None, **options):
        target = pick_call(call)
        count = export_catalog(target, path)
        self.stdout.write(f"已导出 {target.name} 的 {count} 个条目到 {path}")
