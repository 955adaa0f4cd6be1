"""Supplier register pages through HTTP: the register, its forms and their errors, expiry in words,
and what each person sees."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from procura.suppliers.models import BeneficialOwner, QualificationDocument
from procura.suppliers.services import qualification_document_add
from tests.conftest import World
from tests.suppliers.conftest import Register, pdf
from tests.web.support import text

pytestmark = pytest.mark.django_db

OWNER_FORM = {"name": "Bo Berg", "nationality": "SE", "share": "25", "publishable": "yes"}


def _register_url(world: World) -> str:
    return f"/suppliers/{world.supplier.pk}/"


def test_the_register_shows_the_organisation_owners_and_documents(world: World, register: Register) -> None:
    # when
    response = world.client("bid_manager").get(_register_url(world))
    # then
    page = text(response)
    assert response.status_code == 200
    assert page.count("<h1") == 1
    assert "<h1>Small Firm Ltd</h1>" in page
    assert world.supplier.identifier in page
    assert f'href="/organisations/{world.supplier.pk}/edit/"' in page
    assert "Ana García" in page
    assert "Spain" in page
    assert "60%" in page
    assert "Calle Mayor 1, Madrid" in page  # members see the personal data
    assert "Together the owners hold 60%; 40% is not recorded." in page
    assert "ISO 9001 certificate" in page
    assert register.qualification.document.get_absolute_url() in page
    assert "Valid until" in page
    assert f'href="/suppliers/{world.supplier.pk}/beneficial-owners/add/"' in page
    assert f'href="/suppliers/{world.supplier.pk}/qualifications/add/"' in page


@pytest.mark.parametrize("person", ["viewer", "admin", "auditor"])
def test_readers_see_the_register_without_forms(world: World, register: Register, person: str) -> None:
    page = text(world.client(person).get(_register_url(world)))
    assert "Ana García" in page
    assert "ISO 9001 certificate" in page
    assert "/beneficial-owners/" not in page  # no add, edit or remove
    assert "/qualifications/" not in page  # no upload or remove
    assert "/remove/" not in page
    # platform administrators may edit any organisation's profile (the accounts app's rule)
    assert (f"/organisations/{world.supplier.pk}/edit/" in page) == (person == "admin")


def test_expiry_is_said_in_words_not_colour_only(world: World, frozen_clock: Any) -> None:
    # given documents expiring in 12 days, today, and one that lasts
    for title, expires_on in [("Tax clearance", dt.date(2026, 3, 14)), ("Insurance", dt.date(2026, 3, 2))]:
        qualification_document_add(
            actor=world.bid_manager,
            organisation=world.supplier,
            kind="tax_clearance",
            title=title,
            file=pdf(),
            expires_on=expires_on,
        )
    qualification_document_add(
        actor=world.bid_manager, organisation=world.supplier, kind="certificate", title="Register extract", file=pdf()
    )
    # when the register is read today
    page = text(world.client("bid_manager").get(_register_url(world)))
    # then
    assert "Expires in 12 days (on March 14, 2026)" in page
    assert "Expires today (March 2, 2026)" in page
    assert "Does not expire" in page
    # and the next day
    frozen_clock.advance(dt.timedelta(days=1))
    page = text(world.client("bid_manager").get(_register_url(world)))
    assert "Expired on March 2, 2026" in page
    assert "Expires in 11 days (on March 14, 2026)" in page


def test_adding_an_owner_redirects_back_with_a_message(world: World, frozen_clock: Any) -> None:
    client = world.client("bid_manager")
    form = text(client.get(f"/suppliers/{world.supplier.pk}/beneficial-owners/add/"))
    assert '<label class="label" for="id_name">Full name</label>' in form
    assert 'for="id_nationality"' in form
    assert "100% is left for this owner" in form
    # when
    response = client.post(
        f"/suppliers/{world.supplier.pk}/beneficial-owners/add/",
        {**OWNER_FORM, "date_of_birth": "1980-02-29", "address": "Storgatan 1"},
    )
    # then
    assert response.status_code == 302
    assert response["Location"] == _register_url(world)
    owner = BeneficialOwner.objects.get(organisation=world.supplier)
    assert (owner.name, owner.nationality, owner.share, owner.publishable) == ("Bo Berg", "SE", Decimal("25"), True)
    assert owner.date_of_birth == dt.date(1980, 2, 29)
    assert "Bo Berg is added as a beneficial owner." in text(client.get(response["Location"]))


def test_owner_form_errors_are_summarised_and_linked(world: World, register: Register) -> None:
    # when a share that takes the total above 100% and no name are sent
    response = world.client("bid_manager").post(
        f"/suppliers/{world.supplier.pk}/beneficial-owners/add/", {**OWNER_FORM, "name": "", "share": "50"}
    )
    # then the form says what is wrong with the name (the form's own check)
    page = text(response)
    assert response.status_code == 200
    assert page.startswith("<!doctype html>")
    assert "<title>Error: Add a beneficial owner — Procura</title>" in page
    assert '<a href="#id_name">Enter the owner&#x27;s full name.</a>' in page
    # and, the name given, the service's share rule lands on the share field
    page = text(
        world.client("bid_manager").post(
            f"/suppliers/{world.supplier.pk}/beneficial-owners/add/", {**OWNER_FORM, "share": "50"}
        )
    )
    assert '<a href="#id_share">The owners&#x27; shares would add up to more than 100%: 40.00% is left' in page
    assert 'aria-describedby="id_share_error"' in page or "id_share_error" in page
    assert BeneficialOwner.objects.filter(organisation=world.supplier).count() == 1


def test_a_bad_nationality_and_share_are_named(world: World) -> None:
    page = text(
        world.client("bid_manager").post(
            f"/suppliers/{world.supplier.pk}/beneficial-owners/add/",
            {**OWNER_FORM, "nationality": "XX", "share": "a lot", "publishable": "maybe", "date_of_birth": "1/2/80"},
        )
    )
    assert '<a href="#id_nationality">Choose the owner&#x27;s nationality.</a>' in page
    assert '<a href="#id_share">Enter the share as a number of percent, like 25 or 12.5.</a>' in page
    assert '<a href="#id_publishable_0">Say whether the law allows publishing this owner.</a>' in page
    assert '<a href="#id_date_of_birth">Enter the date as year-month-day, like 2027-03-31.</a>' in page


def test_editing_an_owner(world: World, register: Register) -> None:
    client = world.client("bid_manager")
    url = f"/suppliers/{world.supplier.pk}/beneficial-owners/{register.owner.pk}/edit/"
    form = text(client.get(url))
    assert 'value="Ana García"' in form
    assert "<h1>Edit Ana García</h1>" in form
    assert "100% is left for this owner" in form  # the owner's own share does not count against them
    response = client.post(url, {**OWNER_FORM, "name": "Ana García López", "nationality": "ES", "publishable": "no"})
    assert response.status_code == 302
    owner = BeneficialOwner.objects.get(pk=register.owner.pk)
    assert (owner.name, owner.share, owner.publishable) == ("Ana García López", Decimal("25"), False)
    assert owner.date_of_birth is None  # cleared on the form
    assert "The details of Ana García López are saved." in text(client.get(response["Location"]))


def test_removing_an_owner(world: World, register: Register) -> None:
    client = world.client("bid_manager")
    response = client.post(f"/suppliers/{world.supplier.pk}/beneficial-owners/{register.owner.pk}/remove/")
    assert response.status_code == 302
    assert not BeneficialOwner.objects.filter(pk=register.owner.pk).exists()
    assert "Ana García is removed from the beneficial owners." in text(client.get(response["Location"]))


def test_an_owner_of_another_supplier_is_not_found(world: World, register: Register) -> None:
    from procura.suppliers.services import beneficial_owner_add

    rival = beneficial_owner_add(
        actor=world.other_bid_manager, organisation=world.other_supplier, name="Dee", nationality="GB", share=10
    )
    client = world.client("bid_manager")
    assert client.get(f"/suppliers/{world.supplier.pk}/beneficial-owners/{rival.pk}/edit/").status_code == 404
    assert client.post(f"/suppliers/{world.supplier.pk}/beneficial-owners/{rival.pk}/remove/").status_code == 404
    assert BeneficialOwner.objects.filter(pk=rival.pk).exists()


def test_a_buyer_has_no_supplier_register(world: World) -> None:
    assert world.client("admin").get(f"/suppliers/{world.buyer.pk}/").status_code == 404


def test_uploading_a_qualification_document(world: World, frozen_clock: Any) -> None:
    client = world.client("bid_manager")
    form = text(client.get(f"/suppliers/{world.supplier.pk}/qualifications/add/"))
    assert 'enctype="multipart/form-data"' in form
    for field in ("kind", "title", "issued_on", "expires_on", "file"):
        assert f'for="id_{field}"' in form
    # when
    response = client.post(
        f"/suppliers/{world.supplier.pk}/qualifications/add/",
        {
            "kind": "social_security",
            "title": "Social security certificate",
            "issued_on": "2026-02-01",
            "expires_on": "2026-08-01",
            "file": pdf("ss.pdf"),
        },
    )
    # then
    assert response.status_code == 302
    assert response["Location"] == _register_url(world)
    qualification = QualificationDocument.objects.get(organisation=world.supplier)
    assert (qualification.kind, qualification.expires_on) == ("social_security", dt.date(2026, 8, 1))
    page = text(client.get(response["Location"]))
    assert "“Social security certificate” is added to the register." in page
    assert "Valid until Aug. 1, 2026" in page


def test_an_expired_document_is_refused_on_its_field(world: World, frozen_clock: Any) -> None:
    response = world.client("bid_manager").post(
        f"/suppliers/{world.supplier.pk}/qualifications/add/",
        {"kind": "certificate", "title": "Old", "expires_on": "2026-01-31", "file": pdf()},
    )
    page = text(response)
    assert response.status_code == 200
    assert '<a href="#id_expires_on">This document expired on 2026-01-31. Upload the current one.</a>' in page
    assert not QualificationDocument.objects.exists()


def test_an_unacceptable_file_is_refused_on_its_field(world: World, frozen_clock: Any) -> None:
    from tests.documents.samples import named

    response = world.client("bid_manager").post(
        f"/suppliers/{world.supplier.pk}/qualifications/add/",
        {"kind": "certificate", "title": "Program", "file": named(b"MZ\x90\x00", "setup.exe")},
    )
    page = text(response)
    assert response.status_code == 200
    assert '<a href="#id_file">' in page
    assert not QualificationDocument.objects.exists()


def test_removing_a_qualification_document(world: World, register: Register) -> None:
    client = world.client("bid_manager")
    url = f"/suppliers/{world.supplier.pk}/qualifications/{register.qualification.pk}/remove/"
    response = client.post(url)
    assert response.status_code == 302
    assert QualificationDocument.objects.get(pk=register.qualification.pk).removed_at is not None
    page = text(client.get(response["Location"]))
    assert "“ISO 9001 certificate” is removed from the register." in page
    assert "No qualification document is in the register." in page
    # removing it again: it is no longer in the register
    assert client.post(url).status_code == 404


def test_the_documents_download_for_the_supplier_but_not_for_buyers(world: World, register: Register) -> None:
    url = register.qualification.document.get_absolute_url()
    assert world.client("viewer").get(url).status_code == 200
    assert world.client("auditor").get(url).status_code == 200
    assert world.client("officer").get(url).status_code == 404
    assert world.client("other_bid_manager").get(url).status_code == 404
