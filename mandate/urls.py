from django.urls import path

from mandate import views

urlpatterns = [
    path("", views.home, name="home"),
    path("mission/switch/", views.switch_mission, name="switch-mission"),
    path("language/", views.language_set, name="language-set"),
    path("mission/audit/", views.audit_events, name="audit-events"),
]
