import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tiku_portal.settings")

app = Celery("tiku_portal")
# All CELERY_* settings come from Django settings; eager mode is decided there.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
