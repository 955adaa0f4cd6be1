"""Contract pages under /contracts/: the public register, contract pages and supplier
performance records; the parties' workspace and the action each of its forms posts to."""

from django.urls import URLPattern, path

from procura.contracts import views

app_name = "contracts"
urlpatterns: list[URLPattern] = [
    path("", views.contract_list, name="contract-list"),
    path("new/<uuid:award_id>/", views.contract_new, name="contract-new"),
    path("suppliers/<uuid:organisation_id>/performance/", views.supplier_performance, name="supplier-performance"),
    path("<uuid:contract_id>/", views.contract_detail, name="contract"),
    path("<uuid:contract_id>/manage/", views.contract_manage, name="contract-manage"),
    path("<uuid:contract_id>/terms/", views.contract_terms, name="contract-terms"),
    path("<uuid:contract_id>/signatures/<str:party>/", views.contract_sign, name="contract-sign"),
    path("<uuid:contract_id>/milestones/", views.milestone_add, name="contract-milestone-add"),
    path(
        "<uuid:contract_id>/milestones/<uuid:milestone_id>/delivered/",
        views.milestone_deliver,
        name="contract-milestone-deliver",
    ),
    path(
        "<uuid:contract_id>/milestones/<uuid:milestone_id>/acceptance/",
        views.milestone_accept,
        name="contract-milestone-accept",
    ),
    path("<uuid:contract_id>/invoices/", views.invoice_submit, name="contract-invoice-submit"),
    path(
        "<uuid:contract_id>/invoices/<uuid:invoice_id>/approve/",
        views.invoice_approve,
        name="contract-invoice-approve",
    ),
    path("<uuid:contract_id>/invoices/<uuid:invoice_id>/reject/", views.invoice_reject, name="contract-invoice-reject"),
    path("<uuid:contract_id>/payments/", views.payment_record, name="contract-payment-record"),
    path("<uuid:contract_id>/amendments/", views.contract_amend, name="contract-amend"),
    path("<uuid:contract_id>/termination/", views.contract_terminate, name="contract-terminate"),
    path("<uuid:contract_id>/completion/", views.contract_complete, name="contract-complete"),
]
