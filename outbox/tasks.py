from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def sweep() -> int:
    """Celery beat runs this every OUTBOX_SWEEP_SECONDS; `manage.py sweep_outbox` does the same."""
    return services.sweep()
