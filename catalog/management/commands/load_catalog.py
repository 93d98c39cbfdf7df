import datetime as dt
import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from catalog.importer import import_catalog
from catalog.models import Call, Entry, Unit
from catalog.series import link_series, load_series
from catalog.tabular import CatalogFileError

FIXTURES = Path(settings.BASE_DIR) / "fixtures" / "catalog"


def upsert_call(data: dict) -> Call:
    """Create or update the call from calls.json, saving only fields that differ."""
    values = {
        "name": data["name"],
        "notice_date": dt.date.fromisoformat(data["notice_date"]),
        "deadline": dt.date.fromisoformat(data["deadline"]),
        "is_open": data["is_open"],
    }
    call, created = Call.objects.get_or_create(slug=data["slug"], defaults=values)
    dirty = [name for name, value in values.items() if getattr(call, name) != value]
    if not created and dirty:
        for name in dirty:
            setattr(call, name, values[name])
        call.save(update_fields=dirty)
    return call


class Command(BaseCommand):
    help = "载入 fixtures/catalog 中的征集批次和参考目录（可重复运行，未变化时不写数据库）"

    def handle(self, *args, **options):
        calls = json.loads((FIXTURES / "calls.json").read_text(encoding="utf-8"))
        load_series()
        for data in calls:
            call = upsert_call(data)
            try:
                diff = import_catalog(call, FIXTURES / data["catalog"])
            except CatalogFileError as exc:
                raise CommandError(f"{data['catalog']} 有错误：\n{exc}") from exc
            unlinked = link_series(call)
            if options["verbosity"] == 0:
                continue
            entries = Entry.objects.filter(call=call).count()
            units = Unit.objects.filter(entry__call=call).count()
            self.stdout.write(
                f"{call.slug}：{entries}个条目，{units}个职业（工种）；"
                f"新增{len(diff.added)}、修改{len(diff.changed)}、删除{len(diff.removed)}；"
                f"未关联浙派工匠系列的条目{len(unlinked)}个"
            )
