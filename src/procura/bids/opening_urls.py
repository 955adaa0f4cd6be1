"""Opened bids: the buyer's reading of every bid after the public opening, and their files."""

from django.urls import path

from procura.bids import opening_views

app_name = "bidopening"
urlpatterns = [
    path("tenders/<str:ocid>/bids/", opening_views.opened_bids, name="opened-bids"),
    path(
        "tenders/<str:ocid>/bids/<uuid:bid_id>/files/<uuid:file_id>/",
        opening_views.opened_bid_file,
        name="opened-bid-file",
    ),
]
