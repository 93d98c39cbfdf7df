import datetime as dt
import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from catalog.importer import import_catalog
from catalog.models import Call, Entry, Reference, Unit
from catalog.series import link_series, load_series
from catalog.tabular import CatalogFileError

FIXTURES = Path(settings.BASE_DIR) / "fixtures" / "catalog"


# The call's public page: contacts and the paper switch, copied as they are when present.
PLAIN_FIELDS = (
    "contact_unit",
    "contact_people",
    "contact_phones",
    "contact_email",
    "postal_address",
    "paper_required",
)


def call_values(data: dict) -> dict:
    values = {
        "name": data["name"],
        "notice_date": dt.date.fromisoformat(data["notice_date"]),
        "deadline": dt.date.fromisoformat(data["deadline"]),
        "is_open": data["is_open"],
    }
    if data.get("applicant_deadline"):
        values["applicant_deadline"] = dt.date.fromisoformat(data["applicant_deadline"])
    if data.get("notice"):
        values["notice_text"] = (FIXTURES / data["notice"]).read_text(encoding="utf-8")
    values.update({name: data[name] for name in PLAIN_FIELDS if name in data})
    return values


def upsert_call(data: dict) -> Call:
    """Create or update the call from calls.json, saving only fields that differ."""
    values = call_values(data)
    call, created = Call.objects.get_or_create(slug=data["slug"], defaults=values)
    dirty = [name for name, value in values.items() if getattr(call, name) != value]
    if not created and dirty:
        for name in dirty:
            setattr(call, name, values[name])
        call.save(update_fields=dirty)
    _add_references(call, data.get("references", []))
    return call


def _add_references(call: Call, references: list[dict]) -> None:
    # Only missing names are added: links an admin has set since are never overwritten.
    known = set(call.references.values_list("name", flat=True))
    for position, ref in enumerate(references):
        if ref["name"] not in known:
            Reference.objects.create(
                call=call, name=ref["name"], url=ref.get("url", ""), position=position
            )


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
