"""URLs of the public Open data page and the bulk file downloads, included under /open-data/."""

from django.urls import path

from procura.publication import opendata_views

app_name = "opendata"
urlpatterns = [
    path("", opendata_views.open_data, name="open-data"),
    path("files/<str:name>", opendata_views.download, name="download"),
]
