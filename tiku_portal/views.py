from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render

from catalog.models import Call


def home(request):
    if request.user.is_authenticated:
        return redirect("accounts:dashboard")
    return render(request, "home.html", {"call": Call.objects.current()})


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        return False


def _broker_ok() -> bool:
    from tiku_portal.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        return False


def healthz(request):
    checks = {"database": "ok" if _database_ok() else "unreachable"}
    if settings.CELERY_BROKER_URL:
        checks["broker"] = "ok" if _broker_ok() else "unreachable"
    else:
        checks["broker"] = "eager"
    failing = [name for name, state in checks.items() if state == "unreachable"]
    return JsonResponse(
        {"status": "fail" if failing else "ok", "failing": failing, **checks},
        status=503 if failing else 200,
    )
