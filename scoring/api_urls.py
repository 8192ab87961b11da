from django.urls import path

from scoring import api

# Included by ssi_dashboard/urls.py under /api/v1/, before tracking's API
# routes, whose last pattern answers every other path with a JSON 404.
urlpatterns = [
    path("trends", api.trends, name="api-trends"),
    path("teams", api.teams, name="api-teams"),
    path("teams/<path:slug>/days", api.team_days, name="api-team-days"),
]
