from django.urls import path

from mandate import import_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("mission/switch/", views.switch_mission, name="switch-mission"),
    path("language/", views.language_set, name="language-set"),
    path("mission/audit/", views.audit_events, name="audit-events"),
    path("imports/<int:pk>/", import_views.import_job, name="import-job"),
    path("imports/<int:pk>/confirm/", import_views.import_job_confirm, name="import-job-confirm"),
    path("imports/<int:pk>/status/", import_views.import_job_status, name="import-job-status"),
    path("imports/<int:pk>/errors.csv", import_views.import_job_errors, name="import-job-errors"),
    path("mission/gazetteer/", views.gazetteer, name="gazetteer"),
]
