"""URLs of the public OCDS API, included by the project at /api/ocds/ (namespace "ocds")."""

from __future__ import annotations

from django.urls import path, re_path

from procura.publication import api

app_name = "ocds"

urlpatterns = [
    path("releases", api.release_list, name="releases"),
    # Any characters, newlines included, so that odd ids reach the view and get a clear answer.
    re_path(r"^releases/(?P<release_id>[\s\S]+)$", api.release_detail, name="release"),
    path("records", api.record_list, name="records"),
    re_path(r"^records/(?P<ocid>[\s\S]+)$", api.record_detail, name="record"),
    path("changes", api.change_list, name="changes"),
    # Anything else here is an API 404 in the error envelope, not the web's HTML page.
    re_path(r"^(?P<rest>[\s\S]*)$", api.not_found),
]
