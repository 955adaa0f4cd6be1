"""Evaluation pages, included at the site root: the buyer's under /tenders/<ocid>/evaluation/,
the bidder's under /bids/<bid>/evaluation/."""

from django.urls import URLPattern, path

from procura.evaluation import views

app_name = "evaluation"
_BASE = "tenders/<str:ocid>/evaluation/"
urlpatterns: list[URLPattern] = [
    path(_BASE, views.home, name="evaluation-home"),
    path(f"{_BASE}score-mode/", views.score_mode, name="score-mode"),
    path(f"{_BASE}panel/", views.panel, name="panel"),
    path(f"{_BASE}panel/<uuid:member_id>/remove/", views.panel_remove, name="panel-remove"),
    path(f"{_BASE}declaration/", views.declaration, name="declaration"),
    path(f"{_BASE}financial-opening/", views.financial_opening, name="financial-opening"),
    path(f"{_BASE}lots/<str:lot_id>/", views.lot, name="lot-bids"),
    path(f"{_BASE}lots/<str:lot_id>/scores/", views.scores, name="scores"),
    path(f"{_BASE}lots/<str:lot_id>/consensus/", views.consensus, name="consensus"),
    path(f"{_BASE}lots/<str:lot_id>/ranking/", views.ranking, name="ranking"),
    path(f"{_BASE}bids/<uuid:bid_id>/checks/", views.checks, name="checks"),
    path(f"{_BASE}bids/<uuid:bid_id>/qualify/", views.qualify, name="qualify"),
    path(f"{_BASE}bids/<uuid:bid_id>/disqualify/", views.disqualify, name="disqualify"),
    path(f"{_BASE}bids/<uuid:bid_id>/accept-low-price/", views.low_price, name="accept-low-price"),
    path(f"{_BASE}bids/<uuid:bid_id>/clarification-requests/", views.clarification, name="clarification-request"),
    path("bids/<uuid:bid_id>/evaluation/", views.bid_status, name="bid-status"),
    path(
        "bids/<uuid:bid_id>/evaluation/clarifications/<uuid:request_id>/answer/",
        views.clarification_answer,
        name="clarification-answer",
    ),
]
