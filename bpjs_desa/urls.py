from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from villages import views as service_views

urlpatterns = [
    path(settings.ADMIN_URL, admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/v1/", include("enrollment.api_urls")),
    # For load balancers: no login, ok / failing per check (villages.views).
    path("healthz", service_views.healthz, name="healthz"),
    path("", include("campaign.urls")),
    path("", include("finance.urls")),
    path("", include("digest.urls")),
    path("", include("jobs.urls")),
    path("", include("enrollment.urls")),
]

# An unreachable database answers 503 with Retry-After; any other error, the 500 page.
handler500 = "villages.views.server_error"
