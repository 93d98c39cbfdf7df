from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import timezone

from accounts.models import Centre
from catalog.management.commands.export_catalog import pick_call
from reviews.models import Batch
from reviews.summary import render_summary


class Command(BaseCommand):
    help = "生成一个评价中心的附件3汇总表（.xlsx）：已报送则为报送版，否则为草稿"

    def add_arguments(self, parser):
        parser.add_argument("path", help="输出文件，如 hangzhou.xlsx")
        parser.add_argument(
            "--centre",
            required=True,
            help="评价中心代码（如 hangzhou）或地区（如 杭州）；省级中心为 province",
        )
        parser.add_argument("--call", help="批次标识，默认为正在征集的批次，否则为最新批次")

    def handle(self, *args, path, centre, call=None, **options):
        found = Centre.objects.filter(Q(code__iexact=centre) | Q(region=centre)).first()
        if found is None:
            codes = (
                "、".join(Centre.objects.values_list("code", flat=True))
                or "（无，请先运行 load_centres）"
            )
            raise CommandError(f"未找到评价中心“{centre}”。可用的中心代码：{codes}")
        target = pick_call(call)
        batch = Batch.objects.filter(centre=found, call=target).first()
        sent = batch is not None and batch.state == Batch.State.SENT
        on = timezone.localdate(batch.sent_at) if sent else timezone.localdate()
        Path(path).write_bytes(render_summary(found, target, sent, on))
        version = "报送版" if sent else "草稿"
        self.stdout.write(f"已生成 {found.name} {target.name} 的附件3汇总表（{version}）：{path}")
