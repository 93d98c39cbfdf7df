import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tiku_portal.settings")

app = Celery("tiku_portal")
# All CELERY_* settings come from Django settings; eager mode is decided there.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def warm_pdf_renderer(**kwargs):
    # Runs after Django is set up and before the pool forks: the processes inherit a warm
    # renderer, so two processes share a zip's PDFs from its first second.
    from applications.pdf import warm_up

    warm_up()
