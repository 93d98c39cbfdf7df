from django.urls import path

from . import message_views

app_name = "messages"

urlpatterns = [
    path("", message_views.message_list, name="list"),
    path("<int:pk>/", message_views.open_message, name="open"),
    path("read/", message_views.read_all, name="read_all"),
]
