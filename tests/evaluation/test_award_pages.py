"""The award and complaint pages and API through HTTP: deciding from the award page, the public
award notice, a bidder's notice, filing and deciding complaints, and the rule that the
confidential parts of a complaint never reach the public, the buyer or the other bidders — not
on any page, not in the API, not on the tender page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from procura.core import clock
from procura.evaluation import complaints, selectors
from procura.evaluation.models import Award, AwardStatus, Complaint, ComplaintStatus, DecisionNotice
from tests.conftest import World
from tests.evaluation.award_support import (
    CHEAPEST,
    REASONS,
    award_setting,  # noqa: F401
    decided,
    disqualify,
    opened,
    qualified,
)
from tests.tenders.test_api import send

pytestmark = pytest.mark.usefixtures("award_setting")

GROUNDS = "The winning price leaves out the delivery costs the tender requires."
SECRET_GROUNDS = "Our supplier in Lyon quotes 412.50 per pallet, which we cannot publish."
SECRET_DECISION = "The Lyon quote was checked with the supplier by telephone on 3 March."
SECRET_FILE = "lyon-quote.txt"
# Who may read the confidential parts: the complainant's members, the review body, overseers.
CONFIDENTIAL_READERS = {"other_bid_manager", "reviewer", "admin", "auditor"}
EVERYONE = [
    "anonymous",
    "officer",
    "evaluator",
    "other_officer",
    "bid_manager",
    "viewer",
    "other_bid_manager",
    "admin",
    "auditor",
    "reviewer",
]


def _complained(world: World, time: clock.Clock) -> tuple[Award, Complaint]:
    _, award = decided(world, time)
    complaint = complaints.complaint_file(
        actor=world.other_bid_manager,
        award=award,
        grounds=GROUNDS,
        confidential_grounds=SECRET_GROUNDS,
        documents=[
            complaints.ComplaintDocument(
                file=SimpleUploadedFile(SECRET_FILE, b"412.50 per pallet"), title="Lyon quote", confidential=True
            )
        ],
    )
    complaints.complaint_decide(
        actor=world.reviewer,
        complaint=complaint,
        upheld=False,
        decision="Delivery is priced in the winning offer.",
        confidential_decision=SECRET_DECISION,
    )
    return award, complaint


# --- The buyer's award page -----------------------------------------------------------------------
def test_the_officer_decides_from_the_award_page(world: World, frozen_clock: clock.Clock) -> None:
    # given
    scenario = qualified(world, frozen_clock)
    client = world.client("officer")
    url = f"/tenders/{scenario.tender.ocid}/lots/{scenario.lot.local_id}/award/"
    # when the page is read, the bid ranked first is chosen to begin with
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert f'value="{scenario.winner.pk}" checked' in body
    assert "Rival Firm Ltd" in body
    # when the reasons are left out, the form says so
    refused = client.post(url, {"bid": str(scenario.winner.pk), "reasons": ""})
    assert refused.status_code == 200
    assert "Give the reasons for the decision" in refused.content.decode()
    assert not Award.objects.exists()
    # when the runner-up is chosen, the service's refusal is shown by the choice
    refused = client.post(url, {"bid": str(scenario.loser.pk), "reasons": REASONS})
    assert "only a bid ranked first can be awarded" in refused.content.decode()
    # when decided
    response = client.post(url, {"bid": str(scenario.winner.pk), "reasons": REASONS})
    # then
    award = Award.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/tenders/{scenario.tender.ocid}/awards/award-1/"
    assert award.supplier_id == world.supplier.pk


def test_the_officer_closes_a_lot_without_award_from_the_page(world: World, frozen_clock: clock.Clock) -> None:
    scenario = opened(world, frozen_clock)
    disqualify(scenario, scenario.winner)
    disqualify(scenario, scenario.loser)
    client = world.client("officer")
    url = f"/tenders/{scenario.tender.ocid}/lots/{scenario.lot.local_id}/award/close/"
    assert "Say why the lot cannot be awarded" in client.post(url, {"reason": ""}).content.decode()
    response = client.post(url, {"reason": "Every bid failed the eligibility criteria."})
    assert response.status_code == 302
    assert Award.objects.get().status == AwardStatus.UNSUCCESSFUL


# --- Public pages ---------------------------------------------------------------------------------
def test_the_award_notice_is_public(world: World, frozen_clock: clock.Clock) -> None:
    # given
    scenario, award = decided(world, frozen_clock)
    # when
    response = world.client(None).get(f"/tenders/{scenario.tender.ocid}/awards/{award.local_id}/")
    # then
    body = response.content.decode()
    assert response.status_code == 200
    assert "Small Firm Ltd" in body
    assert "80,000.00" in body
    assert REASONS in body
    assert "Standstill ends" in body
    assert "Bids received for the lot" in body
    assert "The standstill period runs until" in body
    assert "File a complaint" not in body


def test_the_tender_page_lists_the_award_and_complaints_without_confidential_parts(
    world: World, frozen_clock: clock.Clock
) -> None:
    award, complaint = _complained(world, frozen_clock)
    for person in EVERYONE:
        body = world.client(None if person == "anonymous" else person).get(f"/tenders/{award.tender.ocid}/").content
        assert b"Awarded to Small Firm Ltd" in body
        assert f"/complaints/{complaint.pk}/".encode() in body
        assert SECRET_GROUNDS.encode() not in body
        assert SECRET_DECISION.encode() not in body
        # the award page link only for those who read the evaluation
        link = f"/tenders/{award.tender.ocid}/lots/{award.lot.local_id}/award/".encode()
        assert (link in body) is (person in {"officer", "admin", "auditor"}), person


@pytest.mark.parametrize("person", EVERYONE)
def test_confidential_parts_of_a_complaint_reach_only_the_few(
    world: World, frozen_clock: clock.Clock, person: str
) -> None:
    # given a decided complaint with confidential grounds, a confidential document and a confidential decision
    award, complaint = _complained(world, frozen_clock)
    client = world.client(None if person == "anonymous" else person)
    # when
    page = client.get(f"/complaints/{complaint.pk}/")
    api = send(client, "GET", f"/api/v1/complaints/{complaint.pk}")
    notice = client.get(f"/tenders/{award.tender.ocid}/awards/{award.local_id}/")
    # then the public parts are there for everyone
    assert page.status_code == 200
    assert api.status_code == 200
    assert GROUNDS.encode() in page.content
    assert b"Delivery is priced in the winning offer." in page.content
    assert api.json()["grounds"] == GROUNDS
    # and the confidential ones exactly for the few, marked confidential on the page
    allowed = person in CONFIDENTIAL_READERS
    for secret in (SECRET_GROUNDS.encode(), SECRET_DECISION.encode(), b"Lyon quote"):
        assert (secret in page.content) is allowed
        assert (secret in api.content) is allowed
        assert secret not in notice.content
    assert (b"Confidential" in page.content) is allowed
    assert api.json()["confidential_withheld"] is (not allowed)
    assert page["Cache-Control"] == "private, no-cache"


def test_a_confidential_document_is_not_served_to_the_public(world: World, frozen_clock: clock.Clock) -> None:
    _, complaint = _complained(world, frozen_clock)
    document = selectors.complaint_documents(complaint, confidential=True)[0]
    url = document.get_absolute_url()
    assert world.client(None).get(url).status_code == 404
    assert world.client("officer").get(url).status_code == 404
    assert world.client("reviewer").get(url).status_code == 200


# --- The bidder's side ----------------------------------------------------------------------------
def test_a_bidder_reads_its_notice_and_complains_from_the_page(world: World, frozen_clock: clock.Clock) -> None:
    # given
    scenario, award = decided(world, frozen_clock)
    notice = DecisionNotice.objects.get(award=award, supplier=world.other_supplier)
    client = world.client("other_bid_manager")
    # when the bidder opens its notices
    listing = client.get("/decision-notices/")
    page = client.get(f"/decision-notices/{notice.pk}/")
    # then it reads its own result, the winner and how to complain, and the notice is read
    assert f"/decision-notices/{notice.pk}/".encode() in listing.content
    body = page.content.decode()
    assert "Your bid was not selected." in body
    assert "Small Firm Ltd" in body
    assert REASONS in body
    assert "File a complaint" in body
    assert DecisionNotice.objects.get(pk=notice.pk).read_at == clock.now()
    # when it files a complaint with a confidential document
    response = client.post(
        f"/tenders/{scenario.tender.ocid}/awards/{award.local_id}/complain/",
        {
            "grounds": GROUNDS,
            "confidential_grounds": SECRET_GROUNDS,
            "confidential_document": SimpleUploadedFile(SECRET_FILE, b"412.50 per pallet"),
        },
    )
    # then
    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/complaints/{complaint.pk}/"
    assert complaint.confidential_grounds == SECRET_GROUNDS
    public = world.client(None).get(f"/complaints/{complaint.pk}/").content
    assert SECRET_FILE.encode() not in public
    assert SECRET_GROUNDS.encode() not in public
    own = client.get(f"/complaints/{complaint.pk}/").content
    assert SECRET_FILE.encode() in own


def test_the_complaint_form_says_when_the_standstill_is_over(world: World, frozen_clock: clock.Clock) -> None:
    scenario, award = decided(world, frozen_clock)
    assert award.standstill_ends_at is not None
    frozen_clock.set(award.standstill_ends_at)
    client = world.client("other_bid_manager")
    url = f"/tenders/{scenario.tender.ocid}/awards/{award.local_id}/complain/"
    assert b"can no longer be filed" in client.get(url).content
    refused = client.post(url, {"grounds": GROUNDS})
    assert refused.status_code == 200
    assert b"complaints about this award can no longer be filed" in refused.content
    assert not Complaint.objects.exists()


# --- The review body ------------------------------------------------------------------------------
def test_the_review_body_decides_from_its_queue(world: World, frozen_clock: clock.Clock) -> None:
    # given
    _, award = decided(world, frozen_clock)
    complaint = complaints.complaint_file(actor=world.other_bid_manager, award=award, grounds=GROUNDS)
    client = world.client("reviewer")
    # when
    queue = client.get("/complaints/review/")
    missing = client.post(f"/complaints/{complaint.pk}/decide/", {"outcome": "upheld", "decision": ""})
    response = client.post(f"/complaints/{complaint.pk}/decide/", {"outcome": "upheld", "decision": "Well founded."})
    # then
    assert f"/complaints/{complaint.pk}/decide/".encode() in queue.content
    assert b"Give the reasons for the decision" in missing.content
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.UPHELD
    assert Award.objects.get(pk=award.pk).status == AwardStatus.CANCELLED


# --- The API --------------------------------------------------------------------------------------
def test_the_api_decides_lists_and_takes_complaints(world: World, frozen_clock: clock.Clock) -> None:
    # given
    scenario = qualified(world, frozen_clock)
    officer = world.client("officer")
    base = f"/api/v1/tenders/{scenario.tender.ocid}"
    # when the officer awards the runner-up, it is refused by the field
    refused = send(
        officer, "POST", f"{base}/lots/{scenario.lot.local_id}/award", {"bid": str(scenario.loser.pk), "reasons": "x"}
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["fields"] == {
        "bid": ["This bid is ranked 2: only a bid ranked first can be awarded."]
    }
    # when it awards the bid ranked first
    created = send(
        officer,
        "POST",
        f"{base}/lots/{scenario.lot.local_id}/award",
        {"bid": str(scenario.winner.pk), "reasons": REASONS},
    )
    assert created.status_code == 201, created.content
    award = created.json()
    assert award["local_id"] == "award-1"
    assert award["value"] == {"amount": CHEAPEST, "currency": "GBP"}
    assert award["signature_allowed"] is False
    # and a second time: a conflict
    again = send(
        officer,
        "POST",
        f"{base}/lots/{scenario.lot.local_id}/award",
        {"bid": str(scenario.winner.pk), "reasons": REASONS},
    )
    assert again.status_code == 409
    # then the public list has it
    listed = send(world.client(None), "GET", f"{base}/awards").json()
    assert [(a["local_id"], a["supplier"]["name"]) for a in listed] == [("award-1", "Small Firm Ltd")]
    # and the losing bidder reads its notice and complains
    loser = world.client("other_bid_manager")
    notices = send(loser, "GET", "/api/v1/decision-notices").json()
    assert [n["content"]["result"]["rank"] for n in notices] == [2]
    filed = send(
        loser,
        "POST",
        f"/api/v1/awards/{award['id']}/complaints",
        {"grounds": GROUNDS, "confidential_grounds": SECRET_GROUNDS},
    )
    assert filed.status_code == 201, filed.content
    assert filed.json()["confidential_grounds"] == SECRET_GROUNDS
    # and the review body dismisses it after the standstill: the award is in force
    frozen_clock.advance(dt.timedelta(days=11))
    decided_now = send(
        world.client("reviewer"),
        "POST",
        f"/api/v1/complaints/{filed.json()['id']}/decision",
        {"upheld": False, "decision": "Unfounded."},
    )
    assert decided_now.status_code == 200
    assert decided_now.json()["status"] == "dismissed"
    final = send(world.client(None), "GET", f"{base}/awards").json()[0]
    assert final["status"] == "active"
    assert final["signature_allowed"] is True
    assert final["complaints"][0]["status"] == "dismissed"
