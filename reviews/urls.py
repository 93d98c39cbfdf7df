from django.urls import path

from .views import batch, board, exports, queue, review, selection

app_name = "reviews"

urlpatterns = [
    # A centre's queue of applications (city staff; provincial staff for province-affiliated units).
    path("", queue.queue, name="queue"),
    path("zip/", queue.zip_pdfs, name="zip"),
    path("bulk/", queue.bulk, name="bulk"),
    path("export/", exports.queue_export, name="queue_export"),
    path("board/export/", exports.board_export, name="board_export"),
    path("board/scores/export/", exports.scores_export, name="scores_export"),
    path("batches/summary/", exports.combined_summary, name="combined_summary"),
    path("<int:pk>/", review.review, name="review"),
    path("<int:pk>/start/", review.start, name="start"),
    path("<int:pk>/return/", review.return_for_revision, name="return"),
    path("<int:pk>/verify/", review.verify, name="verify"),
    path("<int:pk>/recommend/", review.recommend, name="recommend"),
    # Sending the centre's batch and its 附件3.
    path("batch/", batch.batch, name="batch"),
    path("batch/send/", batch.send, name="batch_send"),
    path("batch/summary/", batch.summary, name="batch_summary"),
    path("batches/", batch.batch_list, name="batch_list"),
    path("batches/<int:pk>/reopen/", batch.reopen, name="batch_reopen"),
    # The paper side: the stamped 附件3 scan, and the package arriving at the province.
    path("batch/scan/", batch.scan, name="batch_scan"),
    path("batches/<int:pk>/scan/", batch.scan_download, name="batch_scan_download"),
    path("batches/<int:pk>/package/", batch.package, name="batch_package"),
    # The provincial centre's selection.
    path("board/", board.board, name="board"),
    path("board/compare/", board.compare, name="compare"),
    path("board/score/<int:pk>/", board.score, name="score"),
    path("board/weights/", board.weights, name="weights"),
    path("board/decide/<int:pk>/", selection.decide, name="decide"),
    path("publish/", selection.publish, name="publish"),
    path("charts/", selection.charts, name="charts"),
]
