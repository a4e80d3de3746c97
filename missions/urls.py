from django.urls import path

from missions import views

urlpatterns = [
    path("", views.home, name="home"),
    path("mission/switch/", views.switch_mission, name="switch-mission"),
    path("account/tokens/", views.tokens, name="tokens"),
    path("account/tokens/<int:pk>/revoke/", views.token_revoke, name="token-revoke"),
]
