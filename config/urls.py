from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static as static_url
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView

from config.api import router
from config.docs import SchemaView, SwaggerView
from missions import views as mission_views
from notifications.api import MyWorkView

handler400 = "missions.views.error_400"
handler403 = "missions.views.error_403"
handler404 = "missions.views.error_404"
handler500 = "missions.views.error_500"

lazy_static = lazy(static_url, str)  # read at request time: in production the name has the file's hash

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
    # Browsers, bookmarks and feed readers ask for /favicon.ico whatever a page links: the static icon. A
    # temporary redirect: in production the icon's name carries its hash, which a new release may change.
    path("favicon.ico", RedirectView.as_view(url=lazy_static("img/favicon.ico")), name="favicon"),
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
