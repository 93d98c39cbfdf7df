"""Documents that never finished because a name held "/" can be made again.

Before storage names came from ids only, a "/" in an organisation's or centre's name (or a zip
containing such a PDF) stopped the build after it was marked 生成中, and it stayed there. Those
documents are marked 失败 with a note, so the page offers 重试 and a retry now succeeds.
"""

from django.db import migrations

NOTE = "生成中断：名称中的“/”等字符曾导致文件无法保存，该问题已修复，请点“重试”重新生成。"
UNFINISHED = ("queued", "running")


def _has_path_characters(*texts) -> bool:
    return any(ch in (text or "") for text in texts for ch in "/\\")


def _broken_by_name(doc, Application) -> bool:
    if doc.kind == "application_pdf":
        data = doc.snapshot.data if doc.snapshot_id else {}
        return _has_path_characters(
            data.get("reference"), (data.get("organisation") or {}).get("name")
        )
    if doc.kind == "summary_xlsx":
        return doc.centre_id is not None and _has_path_characters(doc.centre.name)
    if doc.kind == "pdf_zip":
        ids = doc.params.get("application_ids") or []
        names = Application.objects.filter(pk__in=ids).values_list("organisation__name", flat=True)
        return _has_path_characters(doc.params.get("filename"), *names)
    return False


def recover(apps, schema_editor):
    Document = apps.get_model("documents", "Document")
    Application = apps.get_model("applications", "Application")
    stuck = Document.objects.filter(state__in=UNFINISHED).select_related("snapshot", "centre")
    broken = [doc.pk for doc in stuck if _broken_by_name(doc, Application)]
    Document.objects.filter(pk__in=broken).update(state="failed", error=NOTE)


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0003_i15_export_kinds"),
        ("applications", "0003_attachment_kept_when_submitted"),
        ("accounts", "0001_initial"),
    ]

    operations = [migrations.RunPython(recover, migrations.RunPython.noop)]
