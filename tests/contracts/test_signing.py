"""Signature: both parties, each with a current authenticator code and their name, never during
the standstill nor while a complaint about the award is pending (the clock moves in each test)."""

from __future__ import annotations

import datetime as dt

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from procura.accounts.services import totp_current_code
from procura.audit.models import AuditEntry
from procura.contracts import services
from procura.contracts.domain import terms_sha256
from procura.contracts.models import Contract, ContractStatus, Signature, SigningParty
from procura.core import clock
from procura.core.errors import Conflict, InvalidInput, PermissionDenied, RuleViolation
from procura.evaluation.models import AwardStatus, ComplaintStatus
from procura.tenders.domain import TenderStatus, tender_status
from tests import factories
from tests.conftest import World
from tests.contracts.support import (
    STANDSTILL,
    award_for,
    awarded,
    complaint_on,
    current_code,
    prepared,
    sign_both,
    two_lot_tender,
)
from tests.web.support import wrong_code

pytestmark = pytest.mark.django_db
MINUTE = dt.timedelta(minutes=1)


def _sign(
    w: World, contract: Contract, who: str = "officer", party: str = SigningParty.BUYER, **kwargs: object
) -> Signature:
    person = getattr(w, who)
    values: dict[str, object] = {"signed_name": person.full_name, **kwargs}
    if "otp_code" not in values:
        values["otp_code"] = current_code(person)
    return services.contract_sign(actor=person, contract=contract, party=party, **values)  # type: ignore[arg-type]


def test_no_signature_during_the_standstill_then_allowed_after_it(world: World, frozen_clock: clock.Clock) -> None:
    # given a contract prepared the moment the award was decided
    award = awarded(world, frozen_clock)
    contract = prepared(world, award)
    assert award.standstill_ends_at is not None
    # when the buyer signs one minute before the standstill ends
    frozen_clock.set(award.standstill_ends_at - MINUTE)
    with pytest.raises(RuleViolation, match="standstill"):
        _sign(world, contract)
    # then nothing is signed; and at the end of the standstill it is allowed
    assert not Signature.objects.exists()
    frozen_clock.set(award.standstill_ends_at)
    signature = _sign(world, contract)
    assert signature.party == SigningParty.BUYER
    assert signature.signed_at == award.standstill_ends_at


def test_no_signature_while_a_complaint_is_pending_then_allowed_once_decided(
    world: World, frozen_clock: clock.Clock
) -> None:
    # given a complaint filed during the standstill, still pending after it
    award = awarded(world, frozen_clock)
    contract = prepared(world, award)
    complaint = complaint_on(award, world)
    frozen_clock.advance(STANDSTILL + MINUTE)
    # when
    with pytest.raises(RuleViolation, match="complaint"):
        _sign(world, contract)
    with pytest.raises(RuleViolation, match="complaint"):
        _sign(world, contract, who="bid_manager", party=SigningParty.SUPPLIER)
    # then, the complaint dismissed, both sign
    assert not Signature.objects.exists()
    complaint.status = ComplaintStatus.DISMISSED
    complaint.decision = "The price was explained."
    complaint.save()
    frozen_clock.advance(MINUTE)
    sign_both(world, contract)
    contract.refresh_from_db()
    assert contract.status == ContractStatus.ACTIVE


def test_no_signature_for_a_cancelled_award(world: World, frozen_clock: clock.Clock) -> None:
    award = awarded(world, frozen_clock)
    contract = prepared(world, award)
    Award = type(award)
    Award.objects.filter(pk=award.pk).update(status=AwardStatus.CANCELLED)
    frozen_clock.advance(STANDSTILL + MINUTE)
    with pytest.raises(RuleViolation, match="cancelled"):
        _sign(world, contract)


def test_both_signatures_put_the_contract_in_force_and_are_audited(world: World, frozen_clock: clock.Clock) -> None:
    # given
    award = awarded(world, frozen_clock)
    contract = prepared(world, award)
    frozen_clock.advance(STANDSTILL)
    # when the buyer signs
    first = _sign(world, contract)
    contract.refresh_from_db()
    # then it awaits the supplier
    assert contract.status == ContractStatus.PENDING
    assert contract.signed_at is None
    frozen_clock.advance(MINUTE)
    second = _sign(world, contract, who="bid_manager", party=SigningParty.SUPPLIER)
    contract.refresh_from_db()
    assert contract.status == ContractStatus.ACTIVE
    assert contract.signed_at == second.signed_at
    assert first.terms_sha256 == second.terms_sha256 == contract.terms_sha256
    assert first.terms_sha256 == terms_sha256(services.contract_terms(contract))
    assert first.organisation == world.buyer
    assert second.organisation == world.supplier
    assert (first.second_factor, second.signed_by) == ("totp", world.bid_manager)
    entries = list(AuditEntry.objects.filter(action="contract.signed").order_by("sequence"))
    afters = [e.after or {} for e in entries]
    assert [a["party"] for a in afters] == ["buyer", "supplier"]
    assert [a["fully_signed"] for a in afters] == [False, True]
    # what was signed and how it was confirmed; never the code itself
    assert set(afters[0]) == {
        "ocid",
        "contract",
        "party",
        "signed_name",
        "terms_sha256",
        "second_factor",
        "fully_signed",
    }


def test_the_approver_may_sign_for_the_buyer(world: World, frozen_clock: clock.Clock) -> None:
    contract = prepared(world, awarded(world, frozen_clock))
    frozen_clock.advance(STANDSTILL)
    assert _sign(world, contract, who="approver").signed_by == world.approver


@pytest.mark.parametrize(
    ("who", "party"),
    [
        ("evaluator", SigningParty.BUYER),
        ("other_officer", SigningParty.BUYER),
        ("bid_manager", SigningParty.BUYER),
        ("viewer", SigningParty.SUPPLIER),
        ("officer", SigningParty.SUPPLIER),
        ("other_bid_manager", SigningParty.SUPPLIER),
        ("admin", SigningParty.BUYER),
    ],
)
def test_only_the_parties_signers_sign(world: World, frozen_clock: clock.Clock, who: str, party: str) -> None:
    contract = prepared(world, awarded(world, frozen_clock))
    frozen_clock.advance(STANDSTILL)
    with pytest.raises(PermissionDenied):
        _sign(world, contract, who=who, party=party)
    assert not Signature.objects.exists()


def test_a_wrong_code_is_refused_and_counted(world: World, frozen_clock: clock.Clock) -> None:
    contract = prepared(world, awarded(world, frozen_clock))
    frozen_clock.advance(STANDSTILL)
    current_code(world.officer)
    device = TOTPDevice.objects.get(user=world.officer, confirmed=True)
    with pytest.raises(InvalidInput) as refused:
        _sign(world, contract, otp_code=wrong_code(device))
    assert "otp_code" in refused.value.fields
    assert not Signature.objects.exists()
    device.refresh_from_db()
    assert device.throttling_failure_count == 1


@pytest.mark.parametrize("code", ["", "12345", "abcdef", "1234567"])
def test_an_absent_or_malformed_code_is_refused(world: World, frozen_clock: clock.Clock, code: str) -> None:
    contract = prepared(world, awarded(world, frozen_clock))
    frozen_clock.advance(STANDSTILL)
    factories.totp_device(world.officer)
    with pytest.raises(InvalidInput) as refused:
        _sign(world, contract, otp_code=code)
    assert set(refused.value.fields) == {"otp_code"}
    assert not Signature.objects.exists()


def test_a_code_is_used_once(world: World, frozen_clock: clock.Clock) -> None:
    # given two contracts and one code
    contract = prepared(world, awarded(world, frozen_clock))
    other = prepared(world, awarded(world, frozen_clock))
    frozen_clock.advance(STANDSTILL)
    code = current_code(world.officer)
    _sign(world, contract, otp_code=code)
    # when the same code signs again
    with pytest.raises(InvalidInput, match="not right"):
        _sign(world, other, otp_code=code)
    assert not other.signatures.exists()


def test_a_signer_without_an_authenticator_is_sent_to_set_one_up(world: World, frozen_clock: clock.Clock) -> None:
    # given an approver who never set up two-factor authentication
    newcomer = factories.member(world.buyer, "approver", full_name="Nadia Newcomer")
    contract = prepared(world, awarded(world, frozen_clock))
    frozen_clock.advance(STANDSTILL)
    # when
    with pytest.raises(RuleViolation) as refused:
        services.contract_sign(
            actor=newcomer, contract=contract, party=SigningParty.BUYER, otp_code="123456", signed_name="Nadia Newcomer"
        )
    # then
    assert "/account/two-factor/" in refused.value.message
    assert "otp_code" in refused.value.fields
    assert not Signature.objects.exists()


@pytest.mark.parametrize("typed", ["", "Someone Else", "Test"])
def test_the_signer_types_their_own_name(world: World, frozen_clock: clock.Clock, typed: str) -> None:
    contract = prepared(world, awarded(world, frozen_clock))
    frozen_clock.advance(STANDSTILL)
    with pytest.raises(InvalidInput) as refused:
        _sign(world, contract, signed_name=typed)
    assert set(refused.value.fields) == {"signed_name"}


def test_the_name_is_matched_regardless_of_case_and_spacing(world: World, frozen_clock: clock.Clock) -> None:
    contract = prepared(world, awarded(world, frozen_clock))
    frozen_clock.advance(STANDSTILL)
    typed = "  " + world.officer.full_name.upper().replace(" ", "   ") + " "
    assert _sign(world, contract, signed_name=typed).signed_name == world.officer.full_name.upper()


def test_a_party_signs_once(world: World, frozen_clock: clock.Clock) -> None:
    contract = prepared(world, awarded(world, frozen_clock))
    frozen_clock.advance(STANDSTILL)
    _sign(world, contract)
    with pytest.raises(Conflict):
        _sign(world, contract, who="approver")
    assert contract.signatures.count() == 1


def test_a_contract_in_force_is_not_signed_again(world: World, frozen_clock: clock.Clock) -> None:
    contract = prepared(world, awarded(world, frozen_clock))
    frozen_clock.advance(STANDSTILL)
    sign_both(world, contract)
    with pytest.raises(RuleViolation, match="nothing left to sign"):
        _sign(world, contract, who="approver")


def test_an_unknown_party_is_refused(world: World, frozen_clock: clock.Clock) -> None:
    contract = prepared(world, awarded(world, frozen_clock))
    frozen_clock.advance(STANDSTILL)
    with pytest.raises(InvalidInput) as refused:
        _sign(world, contract, party="witness")
    assert set(refused.value.fields) == {"party"}


def test_the_terms_are_frozen_once_anyone_signed(world: World, frozen_clock: clock.Clock) -> None:
    contract = prepared(world, awarded(world, frozen_clock))
    services.contract_update_terms(actor=world.officer, contract=contract, title="Gloves, two years")
    frozen_clock.advance(STANDSTILL)
    _sign(world, contract)
    with pytest.raises(RuleViolation, match="Amend"):
        services.contract_update_terms(actor=world.officer, contract=contract, title="Something else")
    contract.refresh_from_db()
    assert contract.title == "Gloves, two years"


def test_the_tender_completes_when_every_lot_is_signed_or_closed(world: World, frozen_clock: clock.Clock) -> None:
    # given a two-lot tender: one lot awarded, the other awarded too
    tender, bids = two_lot_tender(world, frozen_clock)
    north = award_for(tender, bids[0].lot, bids[0], world.officer)
    south = award_for(tender, bids[1].lot, bids[1], world.officer)
    first, second = prepared(world, north), prepared(world, south)
    frozen_clock.advance(STANDSTILL)
    # when the first contract is signed
    sign_both(world, first)
    tender.refresh_from_db()
    # then the tender is still being evaluated; and complete once the second is
    assert tender_status(tender.lifecycle, clock.now()) == TenderStatus.EVALUATION
    sign_both(world, second)
    tender.refresh_from_db()
    assert tender.completed_at == clock.now()
    assert tender_status(tender.lifecycle, clock.now()) == TenderStatus.COMPLETE


def test_a_lot_closed_without_award_counts_as_concluded(world: World, frozen_clock: clock.Clock) -> None:
    tender, bids = two_lot_tender(world, frozen_clock)
    north = award_for(tender, bids[0].lot, bids[0], world.officer)
    award_for(tender, bids[1].lot, None, world.officer, status=AwardStatus.UNSUCCESSFUL)
    contract = prepared(world, north)
    frozen_clock.advance(STANDSTILL)
    sign_both(world, contract)
    tender.refresh_from_db()
    assert tender.completed_at is not None


def test_a_code_generated_by_the_accounts_helper_verifies(world: World, frozen_clock: clock.Clock) -> None:
    # the helper tests use is the same TOTP the accounts app shows
    device = factories.totp_device(world.officer)
    assert current_code(world.officer) == totp_current_code(device)
