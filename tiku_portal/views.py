from django.shortcuts import redirect, render

from catalog.models import Call

# Served by HealthzMiddleware before sessions; the URL is kept for reverse().
from .health import healthz  # noqa: F401


def home(request):
    if request.user.is_authenticated:
        return redirect("accounts:dashboard")
    return render(request, "home.html", {"call": Call.objects.current()})
