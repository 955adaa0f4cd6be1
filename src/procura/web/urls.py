"""Public pages shared by all, and the organisation switcher of the layout."""

from django.urls import path

from procura.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("organisation/switch/", views.switch_organisation, name="switch-organisation"),
]
