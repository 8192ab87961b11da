"""What is derived: dashboards, teams, comparisons, the organisation, and the
API's read side."""

from django.urls import path

from scoring import api, goal_views, team_views, views

app_name = "scoring"

urlpatterns = [
    path("", views.home, name="home"),
    # "My SSI": every role's own dashboard, one click away from wherever they land.
    path("me/", views.dashboard, name="dashboard"),
    path("my-teams/", team_views.my_teams, name="my-teams"),
    path("people/<int:person_id>/", views.person_dashboard, name="person-dashboard"),
    path("people/<int:person_id>/goal/", goal_views.set_goal, name="set-goal"),
    path("people/<int:person_id>/notes/", goal_views.add_annotation, name="add-annotation"),
    path("goals/<int:goal_id>/edit/", goal_views.edit_goal, name="edit-goal"),
    path("goals/<int:goal_id>/delete/", goal_views.delete_goal, name="delete-goal"),
    path("notes/<int:note_id>/edit/", goal_views.edit_annotation, name="edit-annotation"),
    path("notes/<int:note_id>/delete/", goal_views.delete_annotation, name="delete-annotation"),
    path("teams/", team_views.team_list, name="teams"),
    path("teams/<slug:slug>/", team_views.team_page, name="team"),
    path("compare/", team_views.compare, name="compare"),
    path("organisation/", team_views.organisation, name="organisation"),
    # The API's read endpoints (no trailing slashes, as API clients expect).
    path("api/v1/trends", api.trends, name="api-trends"),
    path("api/v1/teams", api.teams, name="api-teams"),
    path("api/v1/teams/<path:slug>/days", api.team_days, name="api-team-days"),
]
