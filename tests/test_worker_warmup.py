"""Issue 12: Celery pool processes start with a warm PDF renderer, and a zip is ready soon
after its last PDF."""

import threading

from celery.signals import worker_init

from applications import pdf
from documents.exporters import EXPORTERS, NotReady
from documents.models import Document


def in_new_thread(work):
    # The renderer's resources are per thread: a fresh thread starts cold.
    outcome = {}

    def run():
        try:
            outcome["value"] = work()
        except Exception as exc:  # noqa: BLE001 - handed back to the test
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def test_warm_up_renders_a_blank_form_without_the_database(django_assert_num_queries, db):
    def warm():
        with django_assert_num_queries(0):
            pdf.warm_up()
        return hasattr(pdf._local, "resources")

    assert in_new_thread(warm)


def test_worker_main_process_warms_the_renderer_before_forking():
    from tiku_portal.celery import warm_pdf_renderer

    # Connected to the signal the worker's main process sends before it forks its pool.
    # (Sending the signal here would also set up Celery's worker fix-up in the test process.)
    assert warm_pdf_renderer in worker_init._live_receivers(None)
    assert in_new_thread(lambda: hasattr(pdf._local, "resources")) is False

    def start_worker():
        warm_pdf_renderer(sender=None)
        return hasattr(pdf._local, "resources")

    assert in_new_thread(start_worker)


def test_a_waiting_zip_asks_again_within_a_second(db):
    from tiku_portal.celery import app

    member = Document.objects.create(kind=Document.Kind.APPLICATION_PDF)
    zip_doc = Document.objects.create(
        kind=Document.Kind.PDF_ZIP,
        params={"document_ids": [member.pk], "members_requested": True},
    )
    # With a worker (not eager) the zip waits for its PDFs instead of rendering them inline.
    saved, app.conf.task_always_eager = app.conf.task_always_eager, False
    try:
        EXPORTERS[Document.Kind.PDF_ZIP].render(zip_doc, lambda percent: None)
    except NotReady as wait:
        assert wait.countdown <= 0.5
    else:
        raise AssertionError("the zip did not wait for its PDF")
    finally:
        app.conf.task_always_eager = saved
