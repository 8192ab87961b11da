from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from scoring import team_views
from scoring import views as scoring_views
from ssi_dashboard.health import health
from tracking import import_views, settings_views, team_admin_views
from tracking import views as tracking_views
from tracking.forms import EmailAuthenticationForm, QueuedPasswordResetForm

urlpatterns = [
    path("", scoring_views.dashboard, name="dashboard"),
    path("people/<int:person_id>/", scoring_views.person_dashboard, name="person-dashboard"),
    path("people/<int:person_id>/goal/", scoring_views.set_goal, name="set-goal"),
    path("people/<int:person_id>/notes/", scoring_views.add_annotation, name="add-annotation"),
    path("people/<int:person_id>/data.csv", import_views.download_person, name="download-person"),
    path("entry/", tracking_views.entry, name="entry"),
    path("entry/linkedin/", tracking_views.parse_linkedin, name="entry-parse-linkedin"),
    path("settings/", settings_views.settings_page, name="settings"),
    path("settings/extension.zip", settings_views.extension_download, name="settings-extension-download"),
    path("settings/keys/<int:token_id>/revoke/", settings_views.revoke_token, name="settings-revoke-token"),
    path("unsubscribe/<str:signed>/", settings_views.unsubscribe, name="unsubscribe"),
    path("api/v1/", include("scoring.api_urls")),
    path("api/v1/", include("tracking.api.urls")),
    path("teams/", team_views.team_list, name="teams"),
    path("teams/manage/", team_admin_views.manage_teams, name="manage-teams"),
    path("teams/<slug:slug>/", team_views.team_page, name="team"),
    path("teams/<slug:slug>/data.csv", import_views.download_team, name="download-team"),
    path("teams/<slug:slug>/settings/", team_admin_views.team_settings, name="team-settings"),
    path("teams/<slug:slug>/members/", team_admin_views.team_members, name="team-members"),
    path("teams/<slug:slug>/members/<int:membership_id>/role/", team_admin_views.set_role, name="team-member-role"),
    path("teams/<slug:slug>/members/<int:membership_id>/remove/", team_admin_views.remove_member,
         name="team-member-remove"),
    path("teams/<slug:slug>/members/<int:membership_id>/resend/", team_admin_views.resend_invitation,
         name="team-member-resend"),
    path("compare/", team_views.compare, name="compare"),
    path("imports/", import_views.imports, name="imports"),
    path("imports/upload/", import_views.upload, name="import-upload"),
    path("imports/<int:job_id>/", import_views.job_page, name="import-job"),
    path("imports/<int:job_id>/status/", import_views.job_status, name="import-status"),
    path("imports/<int:job_id>/undo/", import_views.undo, name="import-undo"),
    path("me/imports/", import_views.imports, {"own": True}, name="my-imports"),
    path("me/imports/upload/", import_views.upload, {"own": True}, name="my-import-upload"),
    path("me/imports/<int:job_id>/", import_views.job_page, {"own": True}, name="my-import-job"),
    path("me/imports/<int:job_id>/status/", import_views.job_status, {"own": True}, name="my-import-status"),
    path("me/imports/<int:job_id>/undo/", import_views.undo, {"own": True}, name="my-import-undo"),
    path("organisation/", team_views.organisation, name="organisation"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=EmailAuthenticationForm, redirect_authenticated_user=True),
        name="login",
    ),
    # The reset email goes out from a worker: a mail server that is down never fails this page.
    path("accounts/password_reset/", auth_views.PasswordResetView.as_view(form_class=QueuedPasswordResetForm),
         name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("health/", health, name="health"),
]

handler400 = "ssi_dashboard.bodylimit.bad_request"
