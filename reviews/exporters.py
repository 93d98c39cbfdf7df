"""The 附件3 and results sheets as kinds of document; registered in ReviewsConfig.ready."""

from documents.exporters import DocumentError, Exporter, TableXlsx


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
        return f"{self._call(doc).name}-遴选结果表.xlsx".replace("/", "-")

    def render(self, doc, progress):
        from reviews.results import render_results

        return render_results(self._call(doc), progress)


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
