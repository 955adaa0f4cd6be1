"""Document pages."""

from django.urls import path

from procura.documents import views

app_name = "documents"
urlpatterns = [
    path("<uuid:pk>/<str:file_name>", views.document_download, name="document-download"),
]
