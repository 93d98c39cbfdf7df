import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from applications.models import Application
from applications.pdf import render_application_pdf


class Command(BaseCommand):
    help = "把一份申报书（附件2）的提交版本渲染为PDF文件（同步执行，默认最新版本）"

    def add_base_argument(self, parser, *args, **kwargs):
        # Django's own --version (print Django's version) would take the option we need.
        if "--version" in args:
            return
        super().add_base_argument(parser, *args, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("application_id", type=int, help="申报书ID")
        parser.add_argument("output", help="输出的PDF文件路径")
        parser.add_argument("--version", type=int, help="提交版本号（默认最新版本）")

    def handle(self, *args, application_id, output, version=None, **options):
        app = (
            Application.objects.filter(pk=application_id)
            .select_related("call", "organisation__centre")
            .first()
        )
        if app is None:
            raise CommandError(f"申报书ID {application_id} 不存在。")
        snapshots = app.snapshots.order_by("-number")
        if not snapshots.exists():
            raise CommandError(f"申报书 {app.reference} 从未提交，没有可渲染的提交版本。")
        if version is None:
            snapshot = snapshots.first()
        else:
            snapshot = snapshots.filter(number=version).first()
            if snapshot is None:
                versions = "、".join(
                    f"第{n}版" for n in sorted(snapshots.values_list("number", flat=True))
                )
                raise CommandError(
                    f"申报书 {app.reference} 没有第{version}版；现有版本：{versions}。"
                )
        # Section 五 as the centre has recorded it, so the file matches the one the portal makes.
        opinion = app.centre_opinion() if hasattr(app, "centre_opinion") else None
        started = time.perf_counter()
        pdf = render_application_pdf(snapshot, opinion)
        elapsed = time.perf_counter() - started
        path = Path(output)
        try:
            path.write_bytes(pdf)
        except OSError as exc:
            raise CommandError(f"无法写入 {path}：{exc}") from exc
        self.stdout.write(
            f"已写入 {path}：{app.reference} 第{snapshot.number}版"
            f"{'（含评价中心意见）' if opinion else ''}，"
            f"{len(pdf) / 1024:.0f} KB，用时 {elapsed:.2f} 秒"
        )
