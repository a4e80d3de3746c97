from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from config.api import router
from config.docs import SchemaView, SwaggerView
from missions import views as mission_views
from notifications.api import MyWorkView

handler400 = "missions.views.error_400"
handler403 = "missions.views.error_403"
handler404 = "missions.views.error_404"
handler500 = "missions.views.error_500"

urlpatterns = [
    path("", include("mandate.urls")),
    path("", include("missions.urls")),
    path("", include("accounts.urls")),
    path("benchmarks/", include("benchmarks.urls")),
    path("elections/", include("elections.urls")),
    path("partners/", include("partners.urls")),
    path("reports/", include("reports.urls")),
    path("notifications/", include("notifications.urls")),
    path("narratives/", include("narratives.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", mission_views.healthz, name="healthz"),
    path("api/v1/my-work/", MyWorkView.as_view(), name="my-work"),
    path("api/v1/", include(router.urls)),
    path("api/schema/", SchemaView.as_view(), name="api-schema"),
    path("api/docs/", SwaggerView.as_view(url_name="api-schema"), name="swagger-ui"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
