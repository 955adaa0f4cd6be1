"""Supplier register pages, under /suppliers/. Names start with "supplier-" so they are unique
across the site; the public debarment list is under /suppliers/debarred/."""

from django.urls import path

from procura.suppliers import views

app_name = "suppliers"
urlpatterns = [
    path("debarred/", views.debarments, name="debarments"),
    path("debarred/add/", views.debarment_add, name="debarment-add"),
    path("debarred/<uuid:debarment_id>/lift/", views.debarment_lift, name="debarment-lift"),
    path("<uuid:organisation_id>/", views.supplier_register, name="supplier-register"),
    path("<uuid:organisation_id>/beneficial-owners/add/", views.supplier_owner_add, name="supplier-owner-add"),
    path(
        "<uuid:organisation_id>/beneficial-owners/<uuid:owner_id>/edit/",
        views.supplier_owner_edit,
        name="supplier-owner-edit",
    ),
    path(
        "<uuid:organisation_id>/beneficial-owners/<uuid:owner_id>/remove/",
        views.supplier_owner_remove,
        name="supplier-owner-remove",
    ),
    path(
        "<uuid:organisation_id>/qualifications/add/",
        views.supplier_qualification_add,
        name="supplier-qualification-add",
    ),
    path(
        "<uuid:organisation_id>/qualifications/<uuid:qualification_id>/remove/",
        views.supplier_qualification_remove,
        name="supplier-qualification-remove",
    ),
]
