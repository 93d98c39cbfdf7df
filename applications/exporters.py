"""The 申报表 PDF as a kind of document; registered with `documents` in ApplicationsConfig.ready."""

from documents.exporters import DocumentError, Exporter


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


def pdf_documents(application_ids: list[int]) -> list:
    """The PDF document of each application's latest submitted version, in the given order.

    A missing one is asked for now (it renders on its own task); applications never
    submitted have none.
    """
    from documents.models import Document
    from documents.services import request_application_pdf

    from .models import Snapshot

    latest = {}
    for snapshot in Snapshot.objects.filter(application_id__in=application_ids).order_by(
        "application_id", "-number"
    ):
        latest.setdefault(snapshot.application_id, snapshot)
    existing = {
        d.snapshot_id: d
        for d in Document.objects.filter(
            kind=Document.Kind.APPLICATION_PDF, snapshot__in=latest.values()
        )
    }
    documents = []
    for application_id in application_ids:
        snapshot = latest.get(application_id)
        if snapshot is None:
            continue
        doc = existing.get(snapshot.pk) or request_application_pdf(snapshot)
        documents.append(doc)
    return documents
