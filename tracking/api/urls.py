from django.urls import path

from tracking.api import views

# No trailing slashes, as API clients expect; <path:…> so a malformed date or
# slug reaches the view and gets a JSON answer instead of an HTML 404.
urlpatterns = [
    path("openapi.json", views.openapi, name="api-openapi"),
    path("snapshots", views.snapshots, name="api-snapshots"),
    path("snapshots/<path:day>", views.snapshot, name="api-snapshot"),
    path("capture", views.capture, name="api-capture"),
]
