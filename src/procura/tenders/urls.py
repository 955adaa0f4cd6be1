"""Tender URLs: the public portal and the buyer workspace."""

from procura.tenders.views import public, workspace

app_name = "tenders"
urlpatterns = [*public.urlpatterns, *workspace.urlpatterns]
