from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path

from ssi_dashboard.health import health
from tracking.api import views as api_views
from tracking.forms import EmailAuthenticationForm, QueuedPasswordResetForm
from tracking.invitation_views import InvitationLinkView

urlpatterns = [
    # tracking first: its /teams/manage/ must not be read as a team's page.
    path("", include("tracking.urls")),
    path("", include("scoring.urls")),
    # Any other path under the API gets a JSON 404, not an HTML page.
    re_path(r"^api/v1/(?P<rest>.*)$", api_views.not_found),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=EmailAuthenticationForm, redirect_authenticated_user=True),
        name="login",
    ),
    # The reset email goes out from a worker: a mail server that is down never fails this page.
    path("accounts/password_reset/", auth_views.PasswordResetView.as_view(form_class=QueuedPasswordResetForm),
         name="password_reset"),
    # An invitation's link is a reset link; a cancelled invitation's says so.
    path("accounts/reset/<uidb64>/<token>/", InvitationLinkView.as_view(), name="password_reset_confirm"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("health/", health, name="health"),
]

handler400 = "ssi_dashboard.bodylimit.bad_request"
