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


def _visible_ids(user, ids) -> set[int]:
    from applications.models import Application

    if user is None:
        return set()
    return set(Application.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))


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
        # Rendered later than asked for (or retried): an application withdrawn meanwhile is a
        # draft again, its unit's own, and stays out (Application.visible_to decides).
        visible = _visible_ids(doc.requested_by, ids)
        ids = [pk for pk in ids if pk in visible]
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


class QueueXlsx(TableXlsx):
    """A centre's queue as filtered, with statuses as the requester may know them."""

    name = "审核队列"

    def render(self, doc, progress):
        from reviews.exports import render_queue

        if doc.requested_by is None:
            raise DocumentError("导出人已不存在，无法生成。")
        return render_queue(doc.requested_by, self._call(doc), doc.params)


class BoardXlsx(TableXlsx):
    name = "遴选总表"

    def render(self, doc, progress):
        from reviews.exports import render_board

        return render_board(self._call(doc), doc.params)


class ScoresXlsx(TableXlsx):
    name = "遴选评分"

    def render(self, doc, progress):
        from reviews.exports import render_scores

        return render_scores(self._call(doc))


class AuditXlsx(TableXlsx):
    name = "修改留痕"

    def render(self, doc, progress):
        from audit.export import render_trail

        return render_trail(self._call(doc), doc.params, progress)


class CombinedSummaryXlsx(TableXlsx):
    """The call's 附件3 as every centre sent it: one sheet per centre, one of all rows."""

    name = "全省附件3汇总表"

    def input_hash(self, doc):
        import hashlib
        import json

        from reviews.exports import combined_hash_data

        data = json.dumps(combined_hash_data(self._call(doc)), ensure_ascii=False)
        return hashlib.sha256(data.encode()).hexdigest()

    def render(self, doc, progress):
        from reviews.exports import render_combined

        return render_combined(self._call(doc), progress)


EXPORTERS: dict[str, Exporter] = {
    Document.Kind.APPLICATION_PDF: ApplicationPdf(),
    Document.Kind.PDF_ZIP: PdfZip(),
    Document.Kind.SUMMARY_XLSX: SummaryXlsx(),
    Document.Kind.RESULTS_XLSX: ResultsXlsx(),
    Document.Kind.QUEUE_XLSX: QueueXlsx(),
    Document.Kind.BOARD_XLSX: BoardXlsx(),
    Document.Kind.SCORES_XLSX: ScoresXlsx(),
    Document.Kind.COMBINED_SUMMARY_XLSX: CombinedSummaryXlsx(),
    Document.Kind.AUDIT_XLSX: AuditXlsx(),
}
