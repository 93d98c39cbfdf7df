from django.urls import path

from . import views

app_name = "projects"

urlpatterns = [
    # Public, no login: the notice, its objection form, the receipt lookup.
    path("gongshi/<slug:slug>/", views.public_notice, name="public"),
    path("gongshi/<slug:slug>/objection/", views.objection, name="object"),
    path("gongshi-receipt/", views.receipt, name="receipt"),
    # The province's notice page and objections.
    path("notice/", views.notice, name="notice"),
    path("objections/<int:pk>/", views.objection_detail, name="objection"),
    path("objections/<int:pk>/evidence/", views.objection_evidence, name="objection_evidence"),
    # Projects.
    path("", views.project_list, name="list"),
    path("<int:pk>/", views.project_detail, name="detail"),
    path("<int:pk>/pay/", views.pay, name="pay"),
    path("milestones/<int:pk>/report/", views.report, name="report"),
    path("milestones/<int:pk>/review/", views.review, name="review"),
    path("evidence/<int:pk>/", views.evidence, name="evidence"),
    path("board/", views.board, name="board"),
    path("board/export/", views.board_export, name="board_export"),
]
