from django.contrib import admin
from django.contrib.auth.views import LogoutView
from django.urls import include, path

from accounts import views as account_views
from portal import health, scrape
from twofactor import views as twofactor_views

urlpatterns = [
    path("", account_views.home, name="home"),
    path("login/", twofactor_views.login_view, name="login"),
    path("login/verify/", twofactor_views.login_verify, name="login_verify"),
    path("login/resend/", twofactor_views.login_resend, name="login_resend"),
    path("login/passkey/options/", twofactor_views.passkey_options, name="passkey_options"),
    path("login/passkey/", twofactor_views.passkey_verify, name="passkey_verify"),
    path("login/app/", twofactor_views.login_app_instead, name="login_app_instead"),
    path("login/another-channel/", twofactor_views.login_fallback, name="login_fallback"),
    path("logout/", LogoutView.as_view(next_page="login"), name="logout"),
    path("account/", include("accounts.urls")),
    path("enterprise/", include("enterprise.urls")),
    path("twofactor/", include("twofactor.urls")),
    path("dev/outbox/", twofactor_views.dev_outbox, name="dev_outbox"),
    path("admin/", admin.site.urls),
    path("health/live", health.live, name="health_live"),
    path("health/ready", health.ready, name="health_ready"),
    path("metrics", scrape.metrics, name="metrics"),
]
