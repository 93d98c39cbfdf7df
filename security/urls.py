from django.urls import path

from . import csp, views

app_name = "security"

urlpatterns = [
    path("", views.account, name="account"),
    path("2fa/setup/", views.setup, name="2fa_setup"),
    path("2fa/verify/", views.verify, name="2fa_verify"),
    path("2fa/codes/", views.renew_codes, name="2fa_codes"),
    path("2fa/disable/", views.disable, name="2fa_disable"),
    path("2fa/reset/", views.reset, name="reset"),
    path("sessions/<int:pk>/end/", views.end_session, name="end_session"),
    path("sessions/end-others/", views.end_others, name="end_others"),
    path("csp-report/", csp.report, name="csp_report"),
]
