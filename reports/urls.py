from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("", views.report_index, name="index"),
    path("new/", views.report_new, name="new"),
    path("<int:pk>/", views.report_detail, name="detail"),
    path("<int:pk>/status/", views.report_status, name="status"),
    path("<int:pk>/download/<str:fmt>/", views.report_download, name="download"),
    path("<int:pk>/approve/", views.report_approve, name="approve"),
    path("<int:pk>/release/", views.report_release, name="release"),
    path("<int:pk>/retry/", views.report_retry, name="retry"),
    path("<int:pk>/comments/", views.report_comment, name="comment"),
]
