from django.urls import path

from benchmarks import views

app_name = "benchmarks"
urlpatterns = [
    path("", views.placeholder, name="dashboard"),
    path("", views.placeholder, name="index"),
]
