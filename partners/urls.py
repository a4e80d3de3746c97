from django.urls import path

from partners import views

app_name = "partners"
urlpatterns = [
    path("", views.placeholder, name="index"),
    path("portal/", views.placeholder, name="portal"),
]
