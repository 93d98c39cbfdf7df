from django.urls import path

from .views import attachments, changes, detail, form, paper, start

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
    # The paper copy: the unit's stamped pages, the centre's receipt and stamped section 五.
    path("<int:pk>/paper/stamped/", paper.unit_pages, name="paper_unit_pages"),
    path("<int:pk>/paper/section-five/", paper.section_five, name="paper_section_five"),
    path("<int:pk>/paper/received/", paper.received, name="paper_received"),
    path("<int:pk>/paper/<int:sid>/", paper.download, name="paper_download"),
]
