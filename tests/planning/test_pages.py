"""Planning pages through HTTP: forms, their errors, the flows from plan to approval, and what
each person sees."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.test import Client

from procura.accounts.roles import Role
from procura.accounts.services import membership_grant
from procura.planning.models import BusinessCase, PlanLine, ProcurementPlan, SpendControlPolicy
from procura.planning.services import business_case_decide, plan_create
from tests.conftest import World
from tests.documents.samples import PDF, named
from tests.planning.conftest import Plans
from tests.web.support import text

pytestmark = pytest.mark.django_db

LINE_FORM = {
    "title": "Cleaning products",
    "main_category": "goods",
    "classification_scheme": "CPV",
    "classification_code": "33140000-3",
    "estimated_amount": "12000.00",
    "currency": "EUR",
    "budget_source": "Running costs",
    "planned_tender_date": "2027-05-01",
    "procedure": "request_for_quotation",
}


def test_an_officer_starts_a_plan_from_their_organisations_plans(world: World, codes: None) -> None:
    client = world.client("officer")
    response = client.post(f"/plans/organisations/{world.buyer.pk}/", {"year": "2028", "title": "Purchases 2028"})
    plan = ProcurementPlan.objects.get(buyer=world.buyer, year=2028)
    assert response.status_code == 302
    assert response["Location"] == f"/plans/{plan.pk}/edit/"
    page = text(client.get(response["Location"]))
    assert "The plan is created as a draft. Add its lines, then publish it." in page
    assert "<h1>Edit Purchases 2028</h1>" in page


def test_form_errors_are_summarised_and_linked_to_their_fields(world: World, plans: Plans) -> None:
    response = world.client("officer").post(f"/plans/organisations/{world.buyer.pk}/", {"year": "2026", "title": ""})
    page = text(response)
    assert response.status_code == 200
    assert "<title>Error: Plans of Ministry of Tests — Procura</title>" in page
    assert '<a href="#id_title">Enter a title for the plan.</a>' in page
    assert (
        '<a href="#id_year">Ministry of Tests already has a procurement plan for 2026.</a>' not in page
    )  # title first
    assert 'aria-describedby="id_title_error"' in page
    # and a taken year is named on its field once the title is there
    page = text(world.client("officer").post(f"/plans/organisations/{world.buyer.pk}/", {"year": "2026", "title": "X"}))
    assert '<a href="#id_year">Ministry of Tests already has a procurement plan for 2026.</a>' in page


def test_adding_a_line_with_lots(world: World, plans: Plans) -> None:
    data = {**LINE_FORM, "lot_1_title": "Gloves", "lot_1_value": "2000", "lot_3_title": "Soap", "lot_3_value": "500.5"}
    response = world.client("officer").post(f"/plans/{plans.draft.pk}/lines/add/", data)
    assert response.status_code == 302
    line = PlanLine.objects.get(title="Cleaning products")
    assert line.lots == [{"title": "Gloves", "value": "2000.00"}, {"title": "Soap", "value": "500.50"}]
    assert line.classification_description == "Medical consumables"


def test_line_errors_land_on_their_fields_lots_included(world: World, plans: Plans) -> None:
    data = {
        **LINE_FORM,
        "classification_code": "99999999-9",
        "estimated_amount": "12,000",
        "lot_2_value": "400",
    }
    page = text(world.client("officer").post(f"/plans/{plans.draft.pk}/lines/add/", data))
    assert '<a href="#id_classification_code">99999999-9 is not a CPV code Procura knows.' in page
    assert (
        '<a href="#id_estimated_amount">Enter the amount as a number, like 125000.00, without spaces or commas.</a>'
        in page
    )
    assert '<a href="#id_lot_2_title">Enter the lot&#x27;s title.</a>' in page
    assert not PlanLine.objects.filter(title="Cleaning products").exists()


def test_editing_a_line_shows_its_lots_and_keeps_its_ocid(world: World, plans: Plans) -> None:
    client = world.client("officer")
    client.post(f"/plans/{plans.draft.pk}/lines/add/", {**LINE_FORM, "lot_1_title": "Gloves", "lot_1_value": "2000"})
    line = PlanLine.objects.get(title="Cleaning products")
    page = text(client.get(f"/plans/lines/{line.pk}/edit/"))
    assert 'name="lot_1_title" value="Gloves"' in page
    assert line.ocid in page
    response = client.post(
        f"/plans/lines/{line.pk}/edit/",
        {**LINE_FORM, "title": "Cleaning", "lot_1_title": "Gloves", "lot_1_value": "2000"},
    )
    assert response.status_code == 302
    stored = PlanLine.objects.get(pk=line.pk)
    assert (stored.title, stored.ocid, stored.lots) == (
        "Cleaning",
        line.ocid,
        [{"title": "Gloves", "value": "2000.00"}],
    )


def test_publishing_asks_for_confirmation_first(world: World, plans: Plans) -> None:
    client = world.client("officer")
    edit = text(client.get(f"/plans/{plans.draft.pk}/edit/"))
    assert f'<a class="button" href="/plans/{plans.draft.pk}/publish/">Publish the plan</a>' in edit
    confirm = text(client.get(f"/plans/{plans.draft.pk}/publish/"))
    assert "<h1>Publish Purchases 2027?</h1>" in confirm
    assert "The plan and its 1 line become public" in confirm
    assert ProcurementPlan.objects.get(pk=plans.draft.pk).status == "draft"
    response = client.post(f"/plans/{plans.draft.pk}/publish/")
    assert response["Location"] == f"/plans/{plans.draft.pk}/"
    assert ProcurementPlan.objects.get(pk=plans.draft.pk).status == "published"
    assert "The plan is published. Anyone can now see it and its lines." in text(client.get(response["Location"]))
    # and the page of a published plan no longer offers to publish or remove
    edit = text(client.get(f"/plans/{plans.draft.pk}/edit/"))
    assert "Publish the plan" not in edit
    assert "/remove/" not in edit


def test_an_empty_plan_is_not_published(world: World, codes: None) -> None:
    plan = plan_create(actor=world.officer, buyer=world.buyer, year=2029, title="Empty")
    client = world.client("officer")
    response = client.post(f"/plans/{plan.pk}/publish/")
    assert response["Location"] == f"/plans/{plan.pk}/edit/"
    assert "Add at least one line to the plan before publishing it." in text(client.get(response["Location"]))
    assert ProcurementPlan.objects.get(pk=plan.pk).status == "draft"


def test_the_public_plan_page_shows_lines_with_values_for_the_language(world: World, plans: Plans) -> None:
    page = text(Client().get(f"/plans/{plans.published.pk}/"))
    assert "<h1>Purchases 2026</h1>" in page
    assert "New wing of the hospital" in page
    assert "45000000-7 Construction work" in page
    assert "<td>€250,000.00</td>" in page
    assert "<td>Open procedure</td>" in page
    assert '<strong class="tag tag-warning">Awaiting decision</strong>' in page
    assert "/edit/" not in page
    client = Client()
    client.post("/i18n/setlang/", {"language": "es", "next": "/"})
    assert "250.000,00" in text(client.get(f"/plans/{plans.published.pk}/"))


def test_the_public_list_filters_by_buyer_and_year(world: World, plans: Plans) -> None:
    everything = text(Client().get("/plans/"))
    assert "Purchases 2026" in everything
    assert "Council purchases" in everything
    assert "Purchases 2027" not in everything  # a draft
    mine = text(Client().get(f"/plans/?buyer={world.buyer.pk}"))
    assert "Purchases 2026" in mine
    assert "Council purchases" not in mine
    # a choice that is not offered is ignored; the other filter still applies
    odd = text(Client().get(f"/plans/?year=2026&buyer={world.buyer.pk}x"))
    assert "Purchases 2026" in odd
    assert "Council purchases" in odd
    theirs = text(Client().get(f"/plans/?year=2026&buyer={world.other_buyer.pk}"))
    assert "Council purchases" in theirs
    assert "Purchases 2026" not in theirs
    assert Client().get("/plans/?cursor=bm90LWEtY3Vyc29y").status_code == 400
    nav = text(Client().get("/"))
    assert '<a href="/plans/">Plans</a>' in nav


def test_outsiders_see_a_line_but_not_its_business_cases(world: World, plans: Plans) -> None:
    url = f"/plans/lines/{plans.published_line.pk}/"
    public = text(Client().get(url))
    assert plans.published_line.ocid in public
    assert "Business cases" not in public
    assert "The hospital turns away" not in public
    inside = text(world.client("auditor").get(url))
    assert "The hospital turns away 300 patients a month." in inside
    assert "Submit a business case" not in inside


def test_an_officer_submits_a_business_case_on_the_line_page(world: World, plans: Plans) -> None:
    client = world.client("officer")
    url = f"/plans/lines/{plans.draft_line.pk}/"
    assert "Submit a business case" in text(client.get(url))
    wrong = text(
        client.post(
            url, {"need": "Gloves.", "estimated_amount": "250000", "currency": "GBP", "options_considered": "x"}
        )
    )
    assert '<a href="#id_currency">Give the value in the plan line&#x27;s currency, EUR.</a>' in wrong
    response = client.post(
        url, {"need": "Gloves.", "estimated_amount": "250000", "currency": "EUR", "options_considered": "x"}
    )
    assert response.status_code == 302
    case = BusinessCase.objects.get(plan_line=plans.draft_line)
    assert (case.decision, case.estimated_amount) == ("pending", Decimal("250000"))
    page = text(client.get(url))
    assert "Submit a business case" not in page  # one awaits a decision
    assert "Add a supporting document" in page


def test_signing_in_comes_before_submitting_a_case(world: World, plans: Plans) -> None:
    response = Client().post(f"/plans/lines/{plans.published_line.pk}/", {"need": "x"})
    assert response.status_code == 302
    assert response["Location"].startswith("/account/sign-in/?next=")


def test_supporting_documents_are_listed_and_served_to_the_buyers_people(world: World, plans: Plans) -> None:
    officer = world.client("officer")
    response = officer.post(
        f"/plans/business-cases/{plans.pending_case.pk}/documents/",
        {"title": "Needs assessment", "document_type": "needsAssessment", "file": named(PDF, "needs.pdf")},
    )
    assert response.status_code == 302
    page = officer.get(f"/plans/lines/{plans.published_line.pk}/").content.decode()
    link = page.split('<a href="/documents/')[1].split('"')[0]
    assert ">Needs assessment</a>" in page
    download = world.client("approver").get(f"/documents/{link}")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF  # type: ignore[attr-defined]
    assert world.client("other_officer").get(f"/documents/{link}").status_code == 404
    # a file of the wrong kind is refused on its field
    refused = text(
        officer.post(
            f"/plans/business-cases/{plans.pending_case.pk}/documents/",
            {"title": "Virus", "document_type": "other", "file": named(b"MZ\x90\x00", "tool.exe")},
        )
    )
    assert 'href="#id_document_file"' in refused


def test_an_approver_decides_from_the_inbox(world: World, plans: Plans) -> None:
    client = world.client("approver")
    inbox = f"/plans/organisations/{world.buyer.pk}/approvals/"
    page = text(client.get(inbox))
    assert "New wing of the hospital" in page
    assert "The hospital turns away 300 patients a month." in page
    # rejecting without reasons is refused, on the reasons field
    decide = f"/plans/business-cases/{plans.pending_case.pk}/decide/"
    refused = text(client.post(decide, {"decision": "reject", "reasons": ""}))
    field = f"id_{plans.pending_case.pk.hex}_reasons"
    assert f'<a href="#{field}">Give the reasons for rejecting the business case.</a>' in refused
    assert f'id="{field}"' in refused
    assert "<title>Error: Business cases awaiting a decision — Procura</title>" in refused
    assert BusinessCase.objects.get(pk=plans.pending_case.pk).decision == "pending"
    # a decision must be one of the buttons
    odd = text(client.post(decide, {"decision": "maybe"}))
    assert "Choose to approve or to reject the business case." in odd
    # approving works
    response = client.post(decide, {"decision": "approve", "reasons": ""})
    assert response["Location"] == inbox
    after = text(client.get(inbox))
    assert "You approved the business case for “New wing of the hospital”." in after
    assert "No business cases are waiting for a decision." in after
    line_page = text(Client().get(f"/plans/lines/{plans.published_line.pk}/"))
    assert '<strong class="tag tag-good">Approved</strong>' in line_page


def test_deciding_again_says_it_is_already_decided(world: World, plans: Plans) -> None:
    business_case_decide(actor=world.approver, business_case=plans.pending_case, approve=True, reasons="")
    client = world.client("approver")
    response = client.post(
        f"/plans/business-cases/{plans.pending_case.pk}/decide/", {"decision": "reject", "reasons": "No"}
    )
    assert response.status_code == 302
    assert "This business case was already approved." in text(client.get(response["Location"]))
    assert BusinessCase.objects.get(pk=plans.pending_case.pk).decision == "approved"


def test_an_approver_never_decides_their_own_case(world: World, plans: Plans) -> None:
    # given the officer is also an approver and submits a case
    membership_grant(actor=None, user=world.officer, organisation=world.buyer, role=Role.APPROVER)
    client = world.client("officer")
    client.post(
        f"/plans/lines/{plans.draft_line.pk}/",
        {"need": "Gloves.", "estimated_amount": "250000", "currency": "EUR", "options_considered": "x"},
    )
    case = BusinessCase.objects.get(plan_line=plans.draft_line)
    # then the inbox does not offer them a decision on it, and posting one is refused
    inbox = text(client.get(f"/plans/organisations/{world.buyer.pk}/approvals/"))
    assert "You submitted this business case, so another approver must decide on it." in inbox
    response = client.post(f"/plans/business-cases/{case.pk}/decide/", {"decision": "approve"})
    assert response.status_code == 403
    assert BusinessCase.objects.get(pk=case.pk).decision == "pending"


def test_setting_the_threshold(world: World, codes: None) -> None:
    client = world.client("approver")
    url = f"/plans/organisations/{world.buyer.pk}/spend-control/"
    assert 'name="currency" value="GBP"' in text(client.get(url))  # the buyer's country's currency
    refused = text(client.post(url, {"amount": "10.001", "currency": "GBP"}))
    assert '<a href="#id_amount">GBP amounts have at most 2 decimal places.</a>' in refused
    response = client.post(url, {"amount": "75000", "currency": "GBP"})
    assert response["Location"] == f"/plans/organisations/{world.buyer.pk}/"
    assert SpendControlPolicy.objects.get(buyer=world.buyer).threshold_amount == Decimal("75000")
    assert "Plan lines above £75,000.00 need an approved business case" in text(client.get(response["Location"]))


def test_removing_a_line_of_a_published_plan_is_refused_with_a_reason(world: World, plans: Plans) -> None:
    client = world.client("officer")
    response = client.post(f"/plans/lines/{plans.published_line.pk}/remove/")
    assert response["Location"] == f"/plans/{plans.published.pk}/edit/"
    assert "Lines of a published plan cannot be removed" in text(client.get(response["Location"]))
    assert PlanLine.objects.filter(pk=plans.published_line.pk).exists()


@pytest.mark.parametrize(
    "path",
    [
        f"/plans/{uuid.UUID(int=1)}/",
        f"/plans/{uuid.UUID(int=1)}/edit/",
        f"/plans/lines/{uuid.UUID(int=1)}/",
        f"/plans/organisations/{uuid.UUID(int=1)}/",
        "/plans/not-a-uuid/",
    ],
)
def test_unknown_ids_are_not_found(world: World, path: str) -> None:
    assert world.client("officer").get(path).status_code == 404


def test_a_supplier_has_no_plans_page(world: World) -> None:
    assert world.client("admin").get(f"/plans/organisations/{world.supplier.pk}/").status_code == 404


def test_forms_show_amounts_as_people_write_them(world: World, plans: Plans) -> None:
    page = text(world.client("officer").get(f"/plans/lines/{plans.draft_line.pk}/edit/"))
    assert 'name="estimated_amount" value="250000.00"' in page
    line_page = text(world.client("officer").get(f"/plans/lines/{plans.draft_line.pk}/"))
    assert 'name="estimated_amount" value="250000.00"' in line_page


def test_a_second_case_while_one_awaits_a_decision_is_refused_with_a_reason(world: World, plans: Plans) -> None:
    response = world.client("officer").post(
        f"/plans/lines/{plans.published_line.pk}/",
        {"need": "Again.", "estimated_amount": "250000", "currency": "EUR", "options_considered": "x"},
    )
    page = text(response)
    assert response.status_code == 200
    assert "A business case for this line is already awaiting a decision." in page
    assert '<div class="error-summary"' in page
    assert BusinessCase.objects.filter(plan_line=plans.published_line).count() == 1
