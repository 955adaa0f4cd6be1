"""Complaint pages, included at the site root: filing one about an award, the public complaint
page, the review body's queue and decision, and withdrawal."""

from django.urls import URLPattern, path

from procura.evaluation import award_views

app_name = "complaints"
urlpatterns: list[URLPattern] = [
    path("tenders/<str:ocid>/awards/<str:local_id>/complain/", award_views.complaint_file, name="complaint-file"),
    path("complaints/review/", award_views.complaint_review, name="complaint-review"),
    path("complaints/<uuid:complaint_id>/", award_views.complaint, name="complaint"),
    path("complaints/<uuid:complaint_id>/decide/", award_views.complaint_decide, name="complaint-decide"),
    path("complaints/<uuid:complaint_id>/withdraw/", award_views.complaint_withdraw, name="complaint-withdraw"),
]
