"""Top-level URL configuration."""

from django.contrib import admin
from django.urls import include, path

from procura.api import api
from procura.core import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/ocds/", include("procura.publication.api_urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
    path("documents/", include("procura.documents.urls")),
    path("tenders/", include("procura.tenders.urls")),
    path("plans/", include("procura.planning.urls")),
    path("suppliers/", include("procura.suppliers.urls")),
    path("alerts/", include("procura.alerts.urls")),
    path("incidents/", include("procura.incidents.urls")),
    path("contracts/", include("procura.contracts.urls")),
    path("", include("procura.bids.urls")),
    path("", include("procura.bids.opening_urls")),
    path("", include("procura.evaluation.urls")),
    path("", include("procura.evaluation.award_urls")),
    path("", include("procura.evaluation.complaint_urls")),
    path("open-data/history/", include("procura.publication.history_urls")),
    path("open-data/", include("procura.publication.opendata_urls")),
    path("", include("procura.accounts.urls")),
    path("", include("procura.web.urls")),
]

handler400 = "procura.web.views.bad_request"
handler403 = "procura.web.views.permission_denied"
handler404 = "procura.web.views.page_not_found"
handler500 = "procura.web.views.server_error"
