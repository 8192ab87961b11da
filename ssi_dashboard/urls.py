from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from scoring import views as scoring_views
from ssi_dashboard.health import health
from tracking import views as tracking_views
from tracking.forms import EmailAuthenticationForm

urlpatterns = [
    path("", scoring_views.dashboard, name="dashboard"),
    path("people/<int:person_id>/", scoring_views.person_dashboard, name="person-dashboard"),
    path("entry/", tracking_views.entry, name="entry"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=EmailAuthenticationForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("health/", health, name="health"),
]
