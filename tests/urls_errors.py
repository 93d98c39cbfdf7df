"""The portal's URLs plus one that fails, to see the 500 page as a visitor would."""

from django.urls import path

from tiku_portal.urls import handler400, handler500  # noqa: F401
from tiku_portal.urls import urlpatterns as portal_urls


def boom(request):
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", boom), *portal_urls]
