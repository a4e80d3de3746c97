from django.urls import path

from narratives import views

app_name = "narratives"
urlpatterns = [
    path("", views.board, name="board"),
    path("mandate/", views.mandate, name="mandate"),
    path("mandate/add/", views.mandate_task_edit, name="mandate-task-add"),
    path("mandate/import/", views.mandate_import, name="mandate-import"),
    path("mandate/<int:pk>/edit/", views.mandate_task_edit, name="mandate-task-edit"),
    path("outputs/<int:output_pk>/<str:period>/", views.narrative, name="narrative"),
    path("review/<int:pk>/", views.narrative_review, name="narrative-review"),
    path("overview/<str:period>/", views.overview, name="overview"),
    path("evidence/<int:pk>/", views.attachment_download, name="attachment"),
    path("evidence/add/<slug:kind>/<int:pk>/", views.attachment_add, name="attachment-add"),
]
