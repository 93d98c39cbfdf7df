from django.urls import path

from .views import attachments, changes, detail, form, start

app_name = "applications"

urlpatterns = [
    path("new/", start.start, name="start"),
    path("new/levels/", start.unit_levels, name="unit_levels"),
    path("<int:pk>/", detail.detail, name="detail"),
    path("<int:pk>/submit/", detail.submit, name="submit"),
    path("<int:pk>/withdraw/", detail.withdraw, name="withdraw"),
    path("<int:pk>/changes/", changes.changes, name="changes"),
    path("<int:pk>/edit/", form.edit, name="edit"),
    path("<int:pk>/experts/row/", form.expert_row, name="expert_row"),
    path("<int:pk>/attachments/", attachments.upload, name="attachment_upload"),
    path("<int:pk>/attachments/<int:aid>/", attachments.download, name="attachment_download"),
    path("<int:pk>/attachments/<int:aid>/delete/", attachments.delete, name="attachment_delete"),
]
