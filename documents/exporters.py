"""What each kind of document is made from, its name and how to render it.

`documents` knows no other app: each app registers its own exporters in `AppConfig.ready`
(applications: the 申报表 PDF; reviews: the 附件3 and results sheets). The zip of PDFs is
documents' own kind.
"""

import shutil
import tempfile
import zipfile

from tiku_portal.filenames import display_name

from .models import Document


class DocumentError(Exception):
    """A document that cannot be made from what it was asked for; shown to the user."""


class NotReady(Exception):
    """The document waits for other documents (a zip for its PDFs); the task asks again later."""

    def __init__(self, countdown: float = 0.5):
        super().__init__(f"waiting {countdown}s")
        self.countdown = countdown


class Exporter:
    content_type = "application/octet-stream"

    def input_hash(self, doc: Document) -> str:
        raise NotImplementedError

    def filename(self, doc: Document) -> str:
        raise NotImplementedError

    def render(self, doc: Document, progress):
        """The file's bytes, or an open binary file positioned at its start (for large files)."""
        raise NotImplementedError


EXPORTERS: dict[str, Exporter] = {}


def register(kind: str, exporter: Exporter) -> None:
    EXPORTERS[kind] = exporter


class PdfZip(Exporter):
    """Every PDF of a filtered list, in one zip.

    The PDFs missing or out of date are rendered as tasks of their own, so every worker helps;
    this task waits for them, then streams the zip into a temporary file: memory does not grow
    with the number of PDFs.
    """

    content_type = "application/zip"

    def input_hash(self, doc):
        # A zip is made once per request; asking again makes a new one.
        return f"zip-{doc.pk}"

    def filename(self, doc):
        return doc.params.get("filename") or f"申报表PDF-{doc.pk}.zip"

    def render(self, doc, progress):
        from . import services

        ids = doc.params.get("document_ids", [])
        if not doc.params.get("members_requested"):
            for member in Document.objects.filter(pk__in=ids):
                services.refresh(member)
            doc.params["members_requested"] = True
            Document.objects.filter(pk=doc.pk).update(params=doc.params)
        # Rendered later than asked for (or retried): a PDF whose application was withdrawn
        # meanwhile is a draft's again, its unit's own, and stays out (visible_to decides).
        requester = doc.requested_by
        # A zip the system asked for (a command, the bench) has no one's view to narrow.
        shown = Document.objects.visible_to(requester) if requester else Document.objects
        members = shown.in_bulk(ids)
        finished = sum(1 for m in members.values() if m.is_finished)
        progress(round(90 * finished / max(len(ids), 1)))
        if finished < len(members) and services.may_wait():
            # Asked again every half second: the zip is ready soon after its last PDF.
            raise NotReady(0.5)
        # Handed to the caller, which stores and closes it.
        spool = tempfile.TemporaryFile()  # noqa: SIM115
        with zipfile.ZipFile(spool, "w", zipfile.ZIP_DEFLATED) as archive:
            for pk in ids:
                member = members.get(pk)
                if member is None or member.state != Document.State.DONE or not member.file:
                    continue
                with (
                    member.file.open("rb") as source,
                    archive.open(display_name(member.filename), "w") as out,
                ):
                    shutil.copyfileobj(source, out, 1024 * 1024)
        spool.seek(0)
        progress(100)
        return spool


class TableXlsx(Exporter):
    """An export of a filtered page: made once per request from the parameters it was sent."""

    content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    name = ""

    def _call(self, doc):
        if doc.call is None:
            raise DocumentError("导出缺少征集批次，无法生成。")
        return doc.call

    def input_hash(self, doc):
        # What the page showed when asked; asking again makes a new file.
        return f"{doc.kind}-{doc.pk}"

    def filename(self, doc):
        from django.utils import timezone

        on = timezone.localdate(doc.created_at)
        return f"{self._call(doc).name}-{self.name}-{on:%Y%m%d}.xlsx".replace("/", "-")


register(Document.Kind.PDF_ZIP, PdfZip())
