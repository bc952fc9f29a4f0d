from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, reverse_lazy

from authorities.services import invitation_token_generator
from common.health import healthz
from nemlogin import views as nemlogin_views

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/login/", nemlogin_views.PortfolioLoginView.as_view(), name="login"),
    path("accounts/logout/", nemlogin_views.logout, name="logout"),
    path("saml2/", include("nemlogin.urls")),
    # A coordinator's invitation: choose a password, then log in to the admin.
    path(
        "accounts/invitation/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="registration/invitation_set_password.html",
            token_generator=invitation_token_generator,
            success_url=reverse_lazy("invitation_complete"),
            reset_url_token="set-password",
        ),
        name="invitation_accept",
    ),
    path(
        "accounts/invitation/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="registration/invitation_complete.html"),
        name="invitation_complete",
    ),
    path("", include("dashboard.urls")),
    path("initiatives/", include("initiatives.urls")),
    path("funding/", include("funding.urls")),
    path("benefits/", include("benefits.urls")),
    path("reporting/", include("reporting.urls")),
    path("api/", include("api.urls")),
    path("open-data/", include("opendata.urls")),
    path("agreements/", include("agreements.urls")),
    path("risks/", include("risks.urls")),
    path("", include("digests.urls")),
    path("", include("accessibility.urls")),
]
