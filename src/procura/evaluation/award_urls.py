"""Award pages, included at the site root: the buyer's award page of a lot and the public award
notice under /tenders/<ocid>/, each bidder's decision notices under /decision-notices/."""

from django.urls import URLPattern, path

from procura.evaluation import award_views

app_name = "awards"
urlpatterns: list[URLPattern] = [
    path("tenders/<str:ocid>/lots/<str:lot_id>/award/", award_views.award_lot, name="award-lot"),
    path("tenders/<str:ocid>/lots/<str:lot_id>/award/close/", award_views.award_close, name="award-close"),
    path("tenders/<str:ocid>/awards/<str:local_id>/", award_views.award_notice, name="award"),
    path("decision-notices/", award_views.decision_notices, name="decision-notices"),
    path("decision-notices/<uuid:notice_id>/", award_views.decision_notice, name="decision-notice"),
]
