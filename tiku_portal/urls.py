from django.contrib import admin
from django.urls import include, path

from . import views

handler400 = "tiku_portal.errors.bad_request"
handler500 = "tiku_portal.errors.server_error"

admin.site.site_header = "题库申报平台管理后台"
admin.site.site_title = "题库申报平台"
admin.site.index_title = "数据管理"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("catalog/", include("catalog.urls")),
    path("calls/", include("catalog.call_urls")),
    path("messages/", include("accounts.message_urls")),
    path("accounts/", include("accounts.urls")),
    path("applications/", include("applications.urls")),
    path("documents/", include("documents.urls")),
    path("review/", include("reviews.urls")),
    path("security/", include("security.urls")),
    path("audit/", include("audit.urls")),
    path("projects/", include("projects.urls")),
    path("admin/", admin.site.urls),
]
