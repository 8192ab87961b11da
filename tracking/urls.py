"""What is recorded: entry, settings, team management, imports and exports, and
the API's write side. Included by ssi_dashboard/urls.py before scoring's, so
/teams/manage/ is not taken for a team's page."""

from django.urls import include, path

from tracking import import_views, invitation_views, settings_views, team_admin_views, views

app_name = "tracking"

_member = "teams/<slug:slug>/members/<int:membership_id>"

urlpatterns = [
    path("entry/", views.entry, name="entry"),
    path("entry/linkedin/", views.parse_linkedin, name="entry-parse-linkedin"),
    path("settings/", settings_views.settings_page, name="settings"),
    path("settings/extension.zip", settings_views.extension_download, name="settings-extension-download"),
    path("settings/keys/<int:token_id>/revoke/", settings_views.revoke_token, name="settings-revoke-token"),
    path("unsubscribe/<str:signed>/", settings_views.unsubscribe, name="unsubscribe"),
    path("api/v1/", include("tracking.api.urls")),
    path("people/<int:person_id>/data.csv", import_views.download_person, name="download-person"),
    path("teams/manage/", team_admin_views.manage_teams, name="manage-teams"),
    path("teams/<slug:slug>/data.csv", import_views.download_team, name="download-team"),
    path("teams/<slug:slug>/settings/", team_admin_views.team_settings, name="team-settings"),
    path("teams/<slug:slug>/members/", team_admin_views.team_members, name="team-members"),
    path(f"{_member}/role/", team_admin_views.set_role, name="team-member-role"),
    path(f"{_member}/remove/", team_admin_views.remove_member, name="team-member-remove"),
    path("teams/<slug:slug>/invitations/<int:invitation_id>/resend/", invitation_views.resend,
         name="invitation-resend"),
    path("teams/<slug:slug>/invitations/<int:invitation_id>/cancel/", invitation_views.cancel,
         name="invitation-cancel"),
    path("teams/<slug:slug>/rename/", team_admin_views.rename_team, name="team-rename"),
    path("teams/<slug:slug>/delete/", team_admin_views.delete_team, name="team-delete"),
    path("imports/", import_views.imports, name="imports"),
    path("imports/upload/", import_views.upload, name="import-upload"),
    path("imports/template.csv", import_views.download_template, name="import-template"),
    path("imports/<int:job_id>/", import_views.job_page, name="import-job"),
    path("imports/<int:job_id>/status/", import_views.job_status, name="import-status"),
    path("imports/<int:job_id>/undo/", import_views.undo, name="import-undo"),
    path("me/imports/", import_views.imports, {"own": True}, name="my-imports"),
    path("me/imports/upload/", import_views.upload, {"own": True}, name="my-import-upload"),
    path("me/imports/template.csv", import_views.download_template, {"own": True}, name="my-import-template"),
    path("me/imports/<int:job_id>/", import_views.job_page, {"own": True}, name="my-import-job"),
    path("me/imports/<int:job_id>/status/", import_views.job_status, {"own": True}, name="my-import-status"),
    path("me/imports/<int:job_id>/undo/", import_views.undo, {"own": True}, name="my-import-undo"),
]
