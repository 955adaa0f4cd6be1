"""Public pages shared by all."""

from django.urls import path

from procura.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
]
