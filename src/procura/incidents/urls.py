"""Platform incident pages, under /incidents/. Names start with "incident" so they are unique
across the site."""

from django.urls import path

from procura.incidents import views

app_name = "incidents"
urlpatterns = [
    path("", views.incident_list, name="incident-list"),
    path("new/", views.incident_new, name="incident-new"),
    path("public/", views.incident_public_list, name="incident-public-list"),
    path("<uuid:incident_id>/", views.incident_detail, name="incident"),
    path("<uuid:incident_id>/extend/", views.incident_extend, name="incident-extend"),
]
