"""Bid pages, included at the site root: the supplier's bids under /bids/, receipts and the
receipt-signing public key under /receipts/."""

from django.urls import URLPattern, path

from procura.bids import views

app_name = "bids"
urlpatterns: list[URLPattern] = [
    path("bids/", views.my_bids, name="my-bids"),
    path("bids/start/<uuid:lot_id>/", views.bid_start, name="bid-start"),
    path("bids/<uuid:bid_id>/", views.bid, name="bid"),
    path("bids/<uuid:bid_id>/files/", views.bid_file_add, name="bid-file-add"),
    path("bids/<uuid:bid_id>/files/<uuid:file_id>/", views.bid_file, name="bid-file"),
    path("bids/<uuid:bid_id>/files/<uuid:file_id>/remove/", views.bid_file_remove, name="bid-file-remove"),
    path("bids/<uuid:bid_id>/withdraw/", views.bid_withdraw, name="bid-withdraw"),
    path("bids/<uuid:bid_id>/discard/", views.bid_discard, name="bid-discard"),
    path("bids/<uuid:bid_id>/receipts/<uuid:receipt_id>/", views.bid_receipt, name="bid-receipt"),
    path("receipts/", views.receipts_about, name="receipts-about"),
    path("receipts/public-key.pem", views.receipt_public_key, name="receipt-public-key"),
    path("receipts/<uuid:receipt_id>.json", views.receipt_download, name="receipt-download"),
]
