"""Planning pages, under /plans/. Names start with "plan-" so they are unique across the site."""

from django.urls import path

from procura.planning import views

app_name = "planning"
urlpatterns = [
    path("", views.plan_list, name="plan-list"),
    path("<uuid:plan_id>/", views.plan_detail, name="plan-detail"),
    path("<uuid:plan_id>/edit/", views.plan_edit, name="plan-edit"),
    path("<uuid:plan_id>/publish/", views.plan_publish, name="plan-publish"),
    path("<uuid:plan_id>/lines/add/", views.plan_line_add, name="plan-line-add"),
    path("lines/<uuid:line_id>/", views.plan_line, name="plan-line"),
    path("lines/<uuid:line_id>/edit/", views.plan_line_edit, name="plan-line-edit"),
    path("lines/<uuid:line_id>/remove/", views.plan_line_remove, name="plan-line-remove"),
    path("business-cases/<uuid:case_id>/decide/", views.plan_business_case_decide, name="plan-business-case-decide"),
    path(
        "business-cases/<uuid:case_id>/documents/",
        views.plan_business_case_document,
        name="plan-business-case-document",
    ),
    path("organisations/<uuid:organisation_id>/", views.plan_workspace, name="plan-workspace"),
    path("organisations/<uuid:organisation_id>/approvals/", views.plan_approvals, name="plan-approvals"),
    path("organisations/<uuid:organisation_id>/spend-control/", views.plan_spend_control, name="plan-spend-control"),
]
