from django.urls import path

from . import call_views

app_name = "calls"

urlpatterns = [
    path("", call_views.current_call, name="current"),
    path("<slug:slug>/", call_views.call_detail, name="detail"),
    path("<slug:slug>/catalog.xlsx", call_views.catalog_xlsx, name="catalog_xlsx"),
    path("<slug:slug>/form.pdf", call_views.blank_form_pdf, name="blank_form"),
    path("<slug:slug>/summary.xlsx", call_views.blank_summary_xlsx, name="blank_summary"),
]
