from django.urls import path

from . import views

app_name = "catalog"

urlpatterns = [
    path("", views.entry_list, name="entry_list"),
    path("<slug:call>/<int:number>/", views.entry_detail, name="entry_detail"),
]
