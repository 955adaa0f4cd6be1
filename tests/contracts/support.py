"""Contract test helpers: an award made through the ORM (the award services are another issue's
part), contracts prepared and signed through the services, and authenticator codes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django_otp.oath import TOTP

from procura.accounts.models import User
from procura.bids.services import bids_open
from procura.contracts import services
from procura.contracts.models import Contract, SigningParty
from procura.core import clock
from procura.evaluation.models import Award, AwardStatus, Complaint
from procura.tenders.models import Lot, Tender
from procura.tenders.services import LotDetails
from tests import factories
from tests.bids.support import after_opening, open_tender, submitted_bid
from tests.conftest import World
from tests.tenders.support import DAY, item

__all__ = [
    "DAY",
    "STANDSTILL",
    "Scene",
    "award_for",
    "awarded",
    "complaint_on",
    "current_code",
    "prepared",
    "sign_both",
    "signed",
    "two_lot_tender",
]

STANDSTILL = 10 * DAY
PRICE = "1000.00"


def current_code(person: User) -> str:
    """A code the person's authenticator shows now, and that the platform will accept now.

    django-otp accepts each 30-second code once; tests that sign several times within one window
    start the window afresh (as if the next code had come up)."""
    device = factories.totp_device(person)
    device.last_t = -1
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    return str(TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()).zfill(device.digits)


def award_for(
    tender: Tender,
    lot: Lot,
    bid: Any,
    officer: User,
    *,
    value: str = PRICE,
    status: str = AwardStatus.PENDING,
    standstill: dt.timedelta = STANDSTILL,
) -> Award:
    now = clock.now()
    return Award.objects.create(
        tender=tender,
        lot=lot,
        local_id=f"award-{Award.objects.filter(tender=tender).count() + 1}",
        status=status,
        bid=bid,
        supplier=None if bid is None else bid.supplier,
        value_amount=None if bid is None else Decimal(value),
        currency=tender.currency if bid is not None else "",
        reasons="Lowest price among the qualified bids.",
        decided_by=officer,
        decided_at=now,
        standstill_ends_at=None if bid is None else now + standstill,
    )


def awarded(w: World, time: clock.Clock, *, value: str = PRICE, **tender: Any) -> Award:
    """An opened tender of `w.buyer` with a bid of `w.supplier`, awarded to it now: the
    standstill runs for ten days from now."""
    opened = open_tender(w.officer, w.buyer, **tender)
    bid, _receipt = submitted_bid(opened, w.bid_manager, w.supplier, price=value)
    time.set(after_opening(opened))
    bids_open(tender=opened)
    return award_for(opened, bid.lot, bid, w.officer, value=value)


def two_lot_tender(w: World, time: clock.Clock) -> tuple[Tender, list[Any]]:
    """A tender with two lots, each with a bid of `w.supplier`, opened."""
    lots = (LotDetails(title="North", items=(item(),)), LotDetails(title="South", items=(item(),)))
    opened = open_tender(w.officer, w.buyer, lots=lots)
    bids = [
        submitted_bid(opened, w.bid_manager, w.supplier, price=PRICE, lot=lot)[0]
        for lot in opened.lots.order_by("position")
    ]
    time.set(after_opening(opened))
    bids_open(tender=opened)
    return opened, bids


def complaint_on(award: Award, w: World) -> Complaint:
    return Complaint.objects.create(
        award=award,
        complainant=w.other_supplier,
        local_id=f"complaint-{award.complaints.count() + 1}",
        grounds="The winner's price is abnormally low.",
        filed_by=w.other_bid_manager,
        filed_at=clock.now(),
    )


def prepared(w: World, award: Award, **overrides: Any) -> Contract:
    now = clock.now()
    values: dict[str, Any] = {"period_start": now + 15 * DAY, "period_end": now + 380 * DAY}
    values.update(overrides)
    return services.contract_create(actor=w.officer, award=award, **values)


def sign_both(w: World, contract: Contract) -> Contract:
    services.contract_sign(
        actor=w.officer,
        contract=contract,
        party=SigningParty.BUYER,
        otp_code=current_code(w.officer),
        signed_name=w.officer.full_name,
    )
    services.contract_sign(
        actor=w.bid_manager,
        contract=contract,
        party=SigningParty.SUPPLIER,
        otp_code=current_code(w.bid_manager),
        signed_name=w.bid_manager.full_name,
    )
    contract.refresh_from_db()
    return contract


def signed(w: World, time: clock.Clock, *, value: str = PRICE) -> Contract:
    """A contract in force: awarded, prepared, the standstill over, signed by both parties."""
    award = awarded(w, time, value=value)
    contract = prepared(w, award)
    time.advance(STANDSTILL + dt.timedelta(minutes=1))
    return sign_both(w, contract)


class Scene:
    """What an authorization-matrix row needs, made the first time it is asked for: an award
    waiting for its contract, a contract awaiting signature (the standstill over), and one in
    force with a milestone, a submitted invoice and a payment whose number and reference only
    the parties and overseers may read."""

    SECRET_INVOICE = "INV-SECRET-7"
    SECRET_REFERENCE = "REF-SECRET-9"

    def __init__(self, world: World, time: clock.Clock) -> None:
        self.world = world
        self.time = time
        self._award: Award | None = None
        self._pending: Contract | None = None
        self._active: Contract | None = None

    @property
    def award(self) -> Award:
        if self._award is None:
            self._award = awarded(self.world, self.time)
        return self._award

    @property
    def pending(self) -> Contract:
        if self._pending is None:
            self._pending = prepared(self.world, awarded(self.world, self.time))
            self.time.advance(STANDSTILL)
        return self._pending

    @property
    def active(self) -> Contract:
        if self._active is None:
            w = self.world
            contract = signed(w, self.time, value="1000.00")
            milestone = services.milestone_add(
                actor=w.officer, contract=contract, title="Delivery", kind="delivery", due_at=contract.period_end
            )
            services.invoice_submit(
                actor=w.bid_manager,
                contract=contract,
                milestone=milestone,
                number=self.SECRET_INVOICE,
                amount="100.00",
                issued_on=clock.now().date(),
            )
            services.payment_record(
                actor=w.officer, contract=contract, amount="50.00", paid_at=clock.now(), reference=self.SECRET_REFERENCE
            )
            self._active = contract
        return self._active

    @property
    def milestone(self) -> Any:
        return self.active.milestones.get()

    @property
    def invoice(self) -> Any:
        return self.active.invoices.get()
