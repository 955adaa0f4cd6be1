"""The supplier's bid journey through the pages: from the tender page to a draft, errors by
their inputs, files, submission, replacement, withdrawal and discarding, read-only after the
deadline, receipts that verify, the public key and the workspace."""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from procura.accounts.roles import OrganisationKind, Role
from procura.accounts.services import membership_grant
from procura.bids import receipts, services
from procura.bids.domain import BidStatus
from procura.bids.models import Bid, BidVersion, Receipt
from procura.cli import main
from procura.core import clock
from procura.suppliers.services.qualifications import qualification_document_add
from procura.tenders.models import Tender
from procura.tenders.services import CriterionDetails, tender_create, tender_publish
from tests import factories
from tests.bids.support import after_opening, declared_panel, draft_bid, open_tender, submitted_bid
from tests.conftest import World
from tests.tenders.support import details
from tests.web.support import text

pytestmark = pytest.mark.django_db


def _questioned_tender(world: World) -> Tender:
    """An open tender that asks for an eligibility declaration and a delivery plan."""
    tender_details = replace(
        details(),
        eligibility_criteria="Registered to sell medical devices.",
        award_criteria="ratedCriteria",
        criteria=(
            CriterionDetails(name="Price", kind="price", weight="60"),
            CriterionDetails(name="Delivery plan", kind="quality", weight="40"),
        ),
    )
    return tender_publish(
        actor=world.officer, tender=tender_create(actor=world.officer, buyer=world.buyer, details=tender_details)
    )


def _post(client: Client, url: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(url, data or {})


def _field_names(tender: Tender) -> dict[str, str]:
    """Question key -> the name of its textarea."""
    return {q.key: f"answer_{q.key}" for q in services.questions_for(tender)}


def _start(client: Client, tender: Tender) -> Bid:
    lot = tender.lots.get()
    response = _post(client, f"/bids/start/{lot.pk}/")
    assert response.status_code == 302
    bid = Bid.objects.get(tender=tender)
    assert response["Location"] == f"/bids/{bid.pk}/"
    return bid


def _answers(tender: Tender, **texts: str) -> dict[str, str]:
    names = _field_names(tender)
    return {names[key]: value for key, value in texts.items()}


def test_the_tender_page_offers_a_bid_on_each_lot_to_a_bid_manager(world: World, frozen_clock: clock.Clock) -> None:
    # given an open tender
    tender = open_tender(world.officer, world.buyer)
    lot = tender.lots.get()
    # when a bid manager, a supplier's viewer, an officer and a visitor open its page
    manager = text(world.client("bid_manager").get(f"/tenders/{tender.ocid}/"))
    viewer = text(world.client("viewer").get(f"/tenders/{tender.ocid}/"))
    officer = text(world.client("officer").get(f"/tenders/{tender.ocid}/"))
    visitor = text(Client().get(f"/tenders/{tender.ocid}/"))
    # then the bid manager gets the start form for the lot, nobody else does
    assert f'action="/bids/start/{lot.pk}/"' in manager
    assert "Bid for this lot" in manager
    for page in (viewer, officer, visitor):
        assert "/bids/start/" not in page
        assert "Bid for this lot" not in page
    # and the deadline with the time left, and the count (the open procedure shows it), for all
    for page in (manager, viewer, officer, visitor):
        assert "Deadline for bids" in page
        assert "2 weeks, 6 days left" in page
        assert "Bids received" in page
        assert "None yet" in page
    assert "Your bid for" not in officer
    assert "Your bid for" not in visitor


def test_the_count_is_sealed_where_the_procedure_keeps_it(world: World, frozen_clock: clock.Clock) -> None:
    # given a request for quotation (its rules do not show the count before the opening), bid on
    tender = open_tender(world.officer, world.buyer, procedure="request_for_quotation")
    submitted_bid(tender, world.bid_manager, world.supplier)
    # when anyone opens its page
    page = text(Client().get(f"/tenders/{tender.ocid}/"))
    # then the number of bids is not told
    assert "Bids are sealed until the opening" in page
    assert "1 bid" not in page
    # while the open procedure tells it
    other = open_tender(world.officer, world.buyer)
    submitted_bid(other, world.bid_manager, world.supplier)
    assert "1 bid" in text(Client().get(f"/tenders/{other.ocid}/"))


def test_after_starting_the_panel_links_to_the_bid(world: World, frozen_clock: clock.Clock) -> None:
    # given a bid manager who started a bid
    tender = open_tender(world.officer, world.buyer)
    client = world.client("bid_manager")
    bid = _start(client, tender)
    # when they open the tender page again
    page = text(client.get(f"/tenders/{tender.ocid}/"))
    # then it links to their bid, with its status, instead of the start button
    assert f'href="/bids/{bid.pk}/"' in page
    assert "Continue your bid" in page
    assert "Draft, not submitted" in page
    assert "Bid for this lot" not in page
    # and after the deadline, the link reads "View your bid"
    assert tender.tender_end is not None
    frozen_clock.set(tender.tender_end + dt.timedelta(seconds=1))
    page = text(client.get(f"/tenders/{tender.ocid}/"))
    assert "View your bid" in page
    assert "Bids closed" in page


def test_a_manager_of_several_suppliers_chooses_which_bids(world: World, frozen_clock: clock.Clock) -> None:
    # given a bid manager of two suppliers
    second = factories.organisation(OrganisationKind.SUPPLIER, name="Second Firm Ltd")
    membership_grant(actor=None, user=world.bid_manager, organisation=second, role=Role.BID_MANAGER)
    tender = open_tender(world.officer, world.buyer)
    lot = tender.lots.get()
    client = world.client("bid_manager")
    # when they open the tender page
    page = text(client.get(f"/tenders/{tender.ocid}/"))
    # then the start form asks which supplier bids
    assert f'<label class="label" for="supplier-{lot.pk}">Bid as</label>' in page
    assert "Second Firm Ltd" in page
    assert "Small Firm Ltd" in page
    # when they start a bid as the second supplier
    response = client.post(f"/bids/start/{lot.pk}/", {"supplier": str(second.pk)})
    # then that supplier's bid is started, and the first can still bid
    assert response.status_code == 302
    assert Bid.objects.get(tender=tender).supplier == second
    page = text(client.get(f"/tenders/{tender.ocid}/"))
    assert "Continue your bid" in page
    assert "Bid for this lot" in page
    # and a supplier they do not manage is refused by the form
    refused = client.post(f"/bids/start/{lot.pk}/", {"supplier": str(world.other_supplier.pk)})
    assert refused.status_code == 200
    assert "Choose one of your suppliers." in text(refused)
    assert Bid.objects.filter(tender=tender).count() == 1


def test_starting_twice_leads_to_the_existing_bid(world: World, frozen_clock: clock.Clock) -> None:
    tender = open_tender(world.officer, world.buyer)
    client = world.client("bid_manager")
    bid = _start(client, tender)
    # when the start form is posted again (an old tab)
    response = client.post(f"/bids/start/{tender.lots.get().pk}/")
    # then it leads to the bid that exists, saying so
    assert response.status_code == 302
    assert response["Location"] == f"/bids/{bid.pk}/"
    assert "already has a bid for this lot" in text(client.get(response["Location"]))
    assert Bid.objects.filter(tender=tender).count() == 1


def test_the_whole_journey(world: World, frozen_clock: clock.Clock, media: Path) -> None:
    # given an open tender with questions, and a supplier with a current tax clearance
    tender = _questioned_tender(world)
    tax = qualification_document_add(
        actor=world.bid_manager,
        organisation=world.supplier,
        kind="tax_clearance",
        title="Tax clearance 2026",
        file=SimpleUploadedFile("tax.pdf", b"%PDF-1.4 tax clearance", content_type="application/pdf"),
        expires_on=clock.now().date() + dt.timedelta(days=200),
    )
    client = world.client("bid_manager")
    bid = _start(client, tender)
    url = f"/bids/{bid.pk}/"

    # when the bid page is opened
    page = text(client.get(url))
    # then it shows the status, the deadline, one input per question and the qualification
    assert "<h1>Your bid for Gloves</h1>" in page
    assert "Draft, not submitted" in page
    assert "2 weeks, 6 days left" in page
    assert 'name="price"' in page
    assert "In GBP" in page
    assert "How you meet the eligibility criteria" in page
    assert "Delivery plan" in page
    assert "Tax clearance 2026" in page
    assert "Save draft" in page
    assert "Submit the bid" in page

    # when an impossible price is saved
    response = client.post(url, {"action": "save", "price": "12.345"})
    # then the page comes back with the error in the summary, linked to the price
    assert response.status_code == 200
    page = text(response)
    assert '<a href="#id_price">GBP prices have at most 2 decimal places.</a>' in page
    assert '<p class="error-message" id="id_price_error">' in page
    assert "<title>Error:" in page

    # when the draft is submitted without answers
    response = client.post(url, {"action": "submit", "price": "1250.00"})
    # then each missing answer is named by its textarea, and the draft is still saved
    page = text(response)
    names = _field_names(tender)
    assert response.status_code == 200
    for name in names.values():
        assert f'<a href="#id_{name}">Answer this question.</a>' in page
    assert "Your draft is saved, but it is not submitted." in page
    assert services.working_content(Bid.objects.get(pk=bid.pk)).price_amount == "1250.00"
    assert not BidVersion.objects.filter(bid=bid).exists()

    # when the draft is saved complete, with the qualification
    data = {
        "action": "save",
        "price": "1250.00",
        "qualifications": [str(tax.pk)],
        **_answers(tender, eligibility="Registered since 2010.", **{"criterion-2": "Weekly deliveries."}),
    }
    response = client.post(url, data)
    assert response.status_code == 302
    content = services.working_content(Bid.objects.get(pk=bid.pk))
    assert content.answers == {"eligibility": "Registered since 2010.", "criterion-2": "Weekly deliveries."}
    assert [q["title"] for q in content.qualifications] == ["Tax clearance 2026"]
    page = text(client.get(url))
    assert "Registered since 2010." in page
    assert "checked" in page

    # when a file is uploaded, and a fake PDF
    response = client.post(
        f"{url}files/", {"title": "Technical offer", "file": SimpleUploadedFile("offer.txt", b"Our offer.")}
    )
    assert response.status_code == 302
    refused = client.post(f"{url}files/", {"file": SimpleUploadedFile("fake.pdf", b"not a pdf")})
    # then the first is attached, sealed, and can be read back; the second is refused by its input
    assert refused.status_code == 200
    assert '<a href="#id_file">' in text(refused)
    files = services.working_content(Bid.objects.get(pk=bid.pk)).files
    assert [f["title"] for f in files] == ["Technical offer"]
    file_id = files[0]["id"]
    download = client.get(f"{url}files/{file_id}/")
    assert download.status_code == 200
    assert download.content == b"Our offer."
    assert download["Content-Disposition"] == 'attachment; filename="offer.txt"'
    assert b"Our offer." not in b"".join(p.read_bytes() for p in media.rglob("*") if p.is_file())

    # when a second file is uploaded and removed
    client.post(f"{url}files/", {"file": SimpleUploadedFile("extra.txt", b"Extra.")})
    extra = next(f for f in services.working_content(Bid.objects.get(pk=bid.pk)).files if f["title"] == "extra.txt")
    assert client.post(f"{url}files/{extra['id']}/remove/").status_code == 302
    assert [f["title"] for f in services.working_content(Bid.objects.get(pk=bid.pk)).files] == ["Technical offer"]

    # when the bid is submitted
    response = client.post(url, {**data, "action": "submit"})
    # then the receipt page shows what the receipt certifies and how to check it
    first = Receipt.objects.get(bid=bid)
    assert response.status_code == 302
    assert response["Location"] == f"/bids/{bid.pk}/receipts/{first.pk}/"
    page = text(client.get(response["Location"]))
    version = BidVersion.objects.get(bid=bid, number=1)
    assert "2026-03-02T09:00:00.000000Z" in page
    assert version.sealed_sha256 in page
    assert "Submission" in page
    assert f'href="/receipts/{first.pk}.json"' in page
    assert "procura receipts verify" in page
    assert "/receipts/public-key.pem" in page

    # and the downloaded receipt verifies with the published key
    download = client.get(f"/receipts/{first.pk}.json")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    key = receipts.load_public_key(Client().get("/receipts/public-key.pem").content)
    payload = receipts.verify(download.content, key)
    assert payload["kind"] == "submission"
    assert payload["sealed_content_sha256"] == version.sealed_sha256
    assert payload["time"] == "2026-03-02T09:00:00.000000Z"

    # when the bid page is opened again: the version and the receipt are listed
    page = text(client.get(url))
    assert "Submitted" in page
    assert "Submit replacement" in page
    assert "Withdraw the bid" in page
    assert version.sealed_sha256 in page
    assert f"/bids/{bid.pk}/receipts/{first.pk}/" in page

    # when the same bid is submitted again unchanged
    response = client.post(url, {**data, "action": "submit"})
    # then nothing is replaced
    assert response.status_code == 200
    assert "There are no changes to submit" in text(response)
    assert BidVersion.objects.filter(bid=bid).count() == 1

    # when a new price is submitted as a replacement, an hour later
    frozen_clock.set(clock.now() + dt.timedelta(hours=1, microseconds=7))
    response = client.post(url, {**data, "price": "1199.99", "action": "submit"})
    second = Receipt.objects.filter(bid=bid).order_by("issued_at").last()
    assert second is not None
    assert response["Location"] == f"/bids/{bid.pk}/receipts/{second.pk}/"
    page = text(client.get(response["Location"]))
    assert "Receipt of your replacement bid" in page
    assert "2026-03-02T10:00:00.000007Z" in page
    assert services.working_content(Bid.objects.get(pk=bid.pk)).price_amount == "1199.99"
    assert BidVersion.objects.filter(bid=bid).count() == 2

    # when they withdraw, through the confirmation page
    confirm = client.get(f"{url}withdraw/")
    assert confirm.status_code == 200
    assert "Withdraw your bid?" in text(confirm)
    response = client.post(f"{url}withdraw/")
    # then the bid is withdrawn with a receipt, and the page is read-only
    withdrawal = Receipt.objects.get(bid=bid, kind="withdrawal")
    assert response["Location"] == f"/bids/{bid.pk}/receipts/{withdrawal.pk}/"
    assert receipts.verify(client.get(f"/receipts/{withdrawal.pk}.json").content, key)["kind"] == "withdrawal"
    page = text(client.get(url))
    assert "This bid was withdrawn" in page
    assert 'name="price"' not in page
    assert "Save draft" not in page
    assert Bid.objects.get(pk=bid.pk).status == BidStatus.WITHDRAWN


def test_discarding_a_draft_and_discarding_changes(world: World, frozen_clock: clock.Clock) -> None:
    tender = open_tender(world.officer, world.buyer)
    client = world.client("bid_manager")
    # given a draft never submitted
    bid = _start(client, tender)
    # when it is discarded after confirming
    assert "Discard your draft bid?" in text(client.get(f"/bids/{bid.pk}/discard/"))
    response = client.post(f"/bids/{bid.pk}/discard/")
    # then it is gone, and the tender page offers to bid again
    assert response["Location"] == f"/tenders/{tender.ocid}/"
    assert not Bid.objects.filter(pk=bid.pk).exists()
    assert "Bid for this lot" in text(client.get(response["Location"]))

    # given a submitted bid with saved changes
    bid, _receipt = submitted_bid(tender, world.bid_manager, world.supplier, price="900")
    client.post(f"/bids/{bid.pk}/", {"action": "save", "price": "800"})
    assert "Discard changes" in text(client.get(f"/bids/{bid.pk}/"))
    # when the changes are discarded
    response = client.post(f"/bids/{bid.pk}/discard/")
    # then the bid as submitted counts again
    assert response["Location"] == f"/bids/{bid.pk}/"
    bid.refresh_from_db()
    assert bid.status == BidStatus.SUBMITTED
    assert not bid.draft_sealed
    assert services.working_content(bid).price_amount == "900"
    # and discarding again says there is nothing to discard
    again = client.post(f"/bids/{bid.pk}/discard/")
    assert again.status_code == 200
    assert "There are no unsubmitted changes to discard." in text(again)


def test_withdrawing_a_draft_is_refused_with_the_reason(world: World, frozen_clock: clock.Clock) -> None:
    tender = open_tender(world.officer, world.buyer)
    bid = draft_bid(tender, world.bid_manager, world.supplier)
    response = world.client("bid_manager").post(f"/bids/{bid.pk}/withdraw/")
    assert response.status_code == 200
    assert "never submitted: discard the draft instead" in text(response)
    assert not Receipt.objects.filter(bid=bid).exists()


def test_after_the_deadline_the_bid_is_read_only(world: World, frozen_clock: clock.Clock) -> None:
    # given a submitted bid, and the deadline passed
    tender = open_tender(world.officer, world.buyer)
    bid, _receipt = submitted_bid(tender, world.bid_manager, world.supplier, price="1000")
    assert tender.tender_end is not None
    frozen_clock.set(tender.tender_end + dt.timedelta(microseconds=1))
    client = world.client("bid_manager")
    # when the bid manager opens it
    page = text(client.get(f"/bids/{bid.pk}/"))
    # then it shows what the bid says, without any form or button
    assert "Bids are closed: this bid can no longer be changed." in page
    assert "£1,000.00" in page
    for absent in ('name="price"', "Save draft", "Submit replacement", "Withdraw the bid", "Upload"):
        assert absent not in page
    # and a late post is refused with the reason, changing nothing
    response = client.post(f"/bids/{bid.pk}/", {"action": "submit", "price": "1"})
    assert response.status_code == 200
    assert "Bids closed at" in text(response)
    assert BidVersion.objects.filter(bid=bid).count() == 1
    withdrawal = client.post(f"/bids/{bid.pk}/withdraw/")
    assert "Bids closed at" in text(withdrawal)
    assert Bid.objects.get(pk=bid.pk).status == BidStatus.SUBMITTED


def test_a_viewer_reads_the_bid_but_has_no_buttons(world: World, frozen_clock: clock.Clock) -> None:
    tender = open_tender(world.officer, world.buyer)
    bid, receipt = submitted_bid(tender, world.bid_manager, world.supplier, price="1000")
    client = world.client("viewer")
    page = text(client.get(f"/bids/{bid.pk}/"))
    assert "£1,000.00" in page
    assert f"/receipts/{receipt.pk}.json" in page
    for absent in ('name="price"', "Save draft", "Submit replacement", "Withdraw the bid", "Upload", "Remove"):
        assert absent not in page
    assert client.post(f"/bids/{bid.pk}/", {"action": "save", "price": "1"}).status_code == 403
    assert client.get(f"/receipts/{receipt.pk}.json").status_code == 200


def test_the_buyer_reads_the_opened_version_never_a_draft(world: World, frozen_clock: clock.Clock) -> None:
    # given a submitted bid with a later draft that was never submitted
    tender = open_tender(world.officer, world.buyer)
    bid, _receipt = submitted_bid(tender, world.bid_manager, world.supplier, price="1000")
    services.bid_draft_save(actor=world.bid_manager, bid=bid, price="864213.79")
    officer = world.client("officer")
    # before the opening, the buyer does not find the bid at all
    assert officer.get(f"/bids/{bid.pk}/").status_code == 404
    # after it, from the evaluation panel (declared), the buyer reads the version that was opened
    frozen_clock.set(after_opening(tender))
    services.bids_open(tender=tender)
    assert officer.get(f"/bids/{bid.pk}/").status_code == 404  # not before declaring
    declared_panel(tender, world.officer, world.officer)
    page = text(officer.get(f"/bids/{bid.pk}/"))
    assert "The bid as opened" in page
    assert "£1,000.00" in page
    # (a distinctive amount, in every way it could be written: "777" also turns up in uuids)
    assert "864213" not in page
    assert "864,213" not in page
    assert 'name="price"' not in page


def test_the_workspace_groups_bids_by_status(world: World, frozen_clock: clock.Clock) -> None:
    # given a draft on one tender and a submitted bid on another
    first = open_tender(world.officer, world.buyer, title="Gloves for the north")
    second = open_tender(world.officer, world.buyer, title="Masks for the south")
    draft = draft_bid(first, world.bid_manager, world.supplier)
    submitted, receipt = submitted_bid(second, world.bid_manager, world.supplier)
    # when a member opens their bids
    response = world.client("viewer").get("/bids/")
    # then each is listed under its status, linking to the bid and the receipt
    assert response.status_code == 200
    page = text(response)
    drafts = page.index("Drafts")
    submitted_at = page.index("Submitted bids")
    assert page.index("Gloves for the north") > drafts
    assert drafts < submitted_at < page.index("Masks for the south")
    assert f'href="/bids/{draft.pk}/"' in page
    assert f'href="/bids/{submitted.pk}/receipts/{receipt.pk}/"' in page
    assert f'href="/receipts/{receipt.pk}.json"' in page
    assert f'href="/suppliers/{world.supplier.pk}/"' in page
    assert 'href="/alerts/"' in page
    # and another supplier's bids are not there
    rival, _ = submitted_bid(first, world.other_bid_manager, world.other_supplier)
    assert f"/bids/{rival.pk}/" not in text(world.client("viewer").get("/bids/"))


def test_the_workspace_refuses_people_of_no_supplier(world: World) -> None:
    response = world.client("officer").get("/bids/")
    assert response.status_code == 403
    assert "Your account is not a member of any supplier organisation" in text(response)
    anonymous = Client().get("/bids/")
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/account/sign-in/")


def test_the_public_key_and_the_receipts_page(world: World) -> None:
    # when anyone fetches the public key
    response = Client().get("/receipts/public-key.pem")
    # then it is the PEM of the signing key, cacheable
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert "public" in response["Cache-Control"]
    assert "max-age" in response["Cache-Control"]
    key = receipts.load_public_key(response.content)
    assert receipts.key_id(key) == receipts.key_id(receipts.public_key())
    # and the receipts page names the key id and its fingerprint, and how to check offline
    page = text(Client().get("/receipts/"))
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert receipts.key_id(key) in page
    assert hashlib.sha256(der).hexdigest() in page
    assert "openssl pkeyutl -verify" in page
    assert "procura receipts verify" in page


def test_an_altered_download_fails_verification(world: World, frozen_clock: clock.Clock) -> None:
    tender = open_tender(world.officer, world.buyer)
    _bid, receipt = submitted_bid(tender, world.bid_manager, world.supplier)
    document = world.client("bid_manager").get(f"/receipts/{receipt.pk}.json").content.decode()
    altered = re.sub(r'"time": "[^"]+"', '"time": "2026-03-01T09:00:00.000000Z"', document)
    assert altered != document
    with pytest.raises(receipts.ReceiptInvalid):
        receipts.verify(altered, receipts.public_key())


@pytest.mark.skipif(not (shutil.which("jq") and shutil.which("openssl")), reason="needs jq and openssl")
def test_the_documented_openssl_check_verifies_a_receipt(
    world: World, frozen_clock: clock.Clock, tmp_path: Path
) -> None:
    # given a downloaded receipt and the published key, saved as the receipts page says
    tender = open_tender(world.officer, world.buyer, title="Gants d’examen — hôpitaux")
    _bid, receipt = submitted_bid(tender, world.bid_manager, world.supplier)
    client = world.client("bid_manager")
    (tmp_path / "receipt.json").write_bytes(client.get(f"/receipts/{receipt.pk}.json").content)
    (tmp_path / "public-key.pem").write_bytes(Client().get("/receipts/public-key.pem").content)
    page = client.get(f"/bids/{receipt.bid_id}/receipts/{receipt.pk}/").content.decode()
    commands = html.unescape(re.search(r"<pre><code>(jq -cjS .*?)</code></pre>", page, re.S).group(1))  # type: ignore[union-attr]
    commands = commands.replace(f"procura-receipt-submission-{receipt.pk}.json", "receipt.json")

    # when the commands shown on the receipt page are run
    ran = subprocess.run(["sh", "-c", commands], cwd=tmp_path, capture_output=True, text=True, check=False)

    # then OpenSSL verifies the signature
    assert ran.returncode == 0, ran.stderr
    assert "Signature Verified Successfully" in ran.stdout

    # and fails for an altered receipt
    altered = (tmp_path / "receipt.json").read_text().replace('"kind": "submission"', '"kind": "withdrawal"')
    (tmp_path / "receipt.json").write_text(altered)
    again = subprocess.run(["sh", "-c", commands], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert again.returncode != 0


def test_the_documented_procura_command_verifies_a_receipt(
    world: World, frozen_clock: clock.Clock, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a downloaded receipt and the published key, saved as the receipt page says
    tender = open_tender(world.officer, world.buyer)
    _bid, receipt = submitted_bid(tender, world.bid_manager, world.supplier)
    client = world.client("bid_manager")
    name = f"procura-receipt-submission-{receipt.pk}.json"
    (tmp_path / name).write_bytes(client.get(f"/receipts/{receipt.pk}.json").content)
    (tmp_path / "public-key.pem").write_bytes(Client().get("/receipts/public-key.pem").content)
    page = html.unescape(client.get(f"/bids/{receipt.bid_id}/receipts/{receipt.pk}/").content.decode())
    shown = re.search(r"<pre><code>procura (receipts verify .*?)</code></pre>", page, re.S)
    assert shown is not None
    arguments = shown.group(1).replace("\\\n", " ").split()
    assert arguments == ["receipts", "verify", name, "--public-key", "public-key.pem"]
    # when the command is run as shown, then it says the receipt is valid
    status = main([*arguments[:2], str(tmp_path / name), "--public-key", str(tmp_path / "public-key.pem")])
    assert status == 0, capsys.readouterr()
