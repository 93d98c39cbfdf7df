"""One small class per kind of document: what it is made from, its name, how to render it."""

import io
import zipfile

from tiku_portal.filenames import display_name

from .models import Document


class DocumentError(Exception):
    """A document that cannot be made from what it was asked for; shown to the user."""


class Exporter:
    content_type = "application/octet-stream"

    def input_hash(self, doc: Document) -> str:
        raise NotImplementedError

    def filename(self, doc: Document) -> str:
        raise NotImplementedError

    def render(self, doc: Document, progress) -> bytes:
        raise NotImplementedError


class ApplicationPdf(Exporter):
    content_type = "application/pdf"

    def _snapshot(self, doc):
        if doc.snapshot is None:
            raise DocumentError("该申报书的提交版本已不存在，无法生成PDF。")
        return doc.snapshot

    def input_hash(self, doc):
        from applications.pdf import pdf_input_hash

        snapshot = self._snapshot(doc)
        return pdf_input_hash(snapshot, doc.application.centre_opinion())

    def filename(self, doc):
        snapshot = self._snapshot(doc)
        data = snapshot.data
        return f"{data['reference']}-第{snapshot.number}版-{data['organisation']['name']}.pdf"

    def render(self, doc, progress):
        from applications.pdf import render_application_pdf

        return render_application_pdf(self._snapshot(doc), doc.application.centre_opinion())


class PdfZip(Exporter):
    """Every PDF of a filtered list, in one zip; each PDF is rendered first if not current."""

    content_type = "application/zip"

    def input_hash(self, doc):
        # A zip is made once per request; asking again makes a new one.
        return f"zip-{doc.pk}"

    def filename(self, doc):
        return doc.params.get("filename") or f"申报表PDF-{doc.pk}.zip"

    def render(self, doc, progress):
        from .services import build, current_pdf_document

        ids = doc.params.get("application_ids", [])
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for done, application_id in enumerate(ids, start=1):
                pdf = current_pdf_document(application_id)
                if pdf is not None:
                    pdf = build(pdf.pk)
                    if pdf.state == Document.State.DONE:
                        with pdf.file.open("rb") as fh:
                            archive.writestr(display_name(pdf.filename), fh.read())
                progress(round(100 * done / max(len(ids), 1)))
        return buffer.getvalue()


class SummaryXlsx(Exporter):
    """A centre's 附件3 sheet for a call: the draft, or the version it sent to the province."""

    content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    def _inputs(self, doc):
        from django.utils import timezone

        from reviews.models import Batch

        sent = bool(doc.params.get("sent"))
        if not sent:
            return sent, timezone.localdate(doc.created_at)
        batch = Batch.objects.filter(centre=doc.centre, call=doc.call).first()
        if batch is None or batch.state != Batch.State.SENT:
            raise DocumentError("该中心的报送已被重新开放，报送版汇总表不再有效。")
        return sent, timezone.localdate(batch.sent_at)

    def input_hash(self, doc):
        from reviews.summary import summary_hash

        sent, on = self._inputs(doc)
        return summary_hash(doc.centre, doc.call, sent=sent, on=on)

    def filename(self, doc):
        from reviews.summary import filename

        sent, on = self._inputs(doc)
        return filename(doc.centre, sent=sent, on=on)

    def render(self, doc, progress):
        from reviews.summary import render_summary

        sent, on = self._inputs(doc)
        return render_summary(doc.centre, doc.call, sent, on)


class ResultsXlsx(Exporter):
    """A call's published results sheet (遴选结果表)."""

    content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    def _call(self, doc):
        if doc.call is None:
            raise DocumentError("遴选结果表缺少征集批次，无法生成。")
        return doc.call

    def input_hash(self, doc):
        from reviews.results import results_input_hash

        return results_input_hash(self._call(doc))

    def filename(self, doc):
        return f"{self._call(doc).name}-遴选结果表.xlsx"

    def render(self, doc, progress):
        from reviews.results import render_results

        return render_results(self._call(doc), progress)


EXPORTERS: dict[str, Exporter] = {
    Document.Kind.APPLICATION_PDF: ApplicationPdf(),
    Document.Kind.PDF_ZIP: PdfZip(),
    Document.Kind.SUMMARY_XLSX: SummaryXlsx(),
    Document.Kind.RESULTS_XLSX: ResultsXlsx(),
}
