"""`procura demo` after the opening: a process in every stage (awarded and in standstill, under
complaint, complaint decided, contracts awaiting signature, being delivered with payments,
amended above the threshold, terminated and completed) and a supplier on the debarment list.

The demo is loaded once for the module (twice, to check that the second load adds nothing) and
what the tests read is kept as plain data; the database is rolled back. Every compiled record
must be valid OCDS and coherent: the tender period ends before the award, the award comes before
the signature and the signature before the payments, which never exceed the contract's value,
and every organisation a record names is among its parties with the role it plays."""

from __future__ import annotations

import datetime as dt
import importlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import orjson
import pytest
from django.apps import apps
from django_otp.plugins.otp_totp.models import TOTPDevice

from procura import demo, demo_awards
from procura.accounts.models import Membership
from procura.audit.models import AuditEntry
from procura.bids.models import Bid
from procura.contracts.models import (
    Contract,
    ContractAmendment,
    Invoice,
    Milestone,
    Payment,
    PerformanceRating,
    Signature,
)
from procura.core import clock
from procura.evaluation.models import (
    Assessment,
    Award,
    ClarificationRequest,
    Complaint,
    DecisionNotice,
    Declaration,
    PanelMember,
    Score,
)
from procura.publication.models import Record, Release
from procura.publication.validate import validate_release
from procura.suppliers.models import Debarment

# The database must be set up for the module's fixture (pytest-django sets it up only for a
# session with database tests); each test then reads what the fixture kept.
pytestmark = pytest.mark.django_db

COUNTED = (
    AuditEntry,
    Release,
    PanelMember,
    Declaration,
    Score,
    Assessment,
    ClarificationRequest,
    Award,
    DecisionNotice,
    Complaint,
    Contract,
    Signature,
    Milestone,
    Invoice,
    Payment,
    ContractAmendment,
    PerformanceRating,
    Debarment,
)

LAPTOPS = "Laptops for community health teams"
DEFIBRILLATORS = "Automated external defibrillators for community clinics"
SCHOOL_MEALS = "School meals for Northbridge schools"
TRAFFIC_SIGNALS = "Maintenance of traffic signals on the trunk road network"
HOSPITAL_BEDS = "Electric profiling beds for Riverside Community Hospital"
LIBRARY = "Library management system for Northbridge libraries"


@dataclass
class Loaded:
    """What the tests read from the demo, loaded (twice) in a database since rolled back."""

    loaded_at: dt.datetime
    report: str
    compiled: dict[str, dict[str, Any]]  # compiled release by tender title
    problems: dict[str, list[Any]]  # validation problems by ocid
    counts_after_first: tuple[int, ...]
    counts_after_second: tuple[int, ...]
    releases: bytes  # every release and compiled record, for what must not be in them
    facts: dict[str, Any] = field(default_factory=dict)


def _counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in COUNTED)


def _facts() -> dict[str, Any]:
    """What the database says about the processes, beyond their OCDS data."""
    awards = {
        award.tender.title + (f" / {award.lot.title}" if award.tender.lots.count() > 1 else ""): award
        for award in Award.objects.select_related("tender", "lot", "supplier")
    }
    return {
        "awards": {
            key: {
                "status": award.status,
                "supplier": award.supplier.legal_name if award.supplier else None,
                "standstill_ends_at": award.standstill_ends_at,
                "complaints": sorted(award.complaints.values_list("status", flat=True)),
            }
            for key, award in awards.items()
        },
        "panels": {
            member.evaluation.tender.title + " / " + member.user.email: (
                member.role,
                member.affiliation,
                member.declaration.has_conflict if hasattr(member, "declaration") else None,
            )
            for member in PanelMember.objects.select_related("evaluation__tender", "user")
        },
        "marked_by": {
            title: sorted(
                set(
                    Score.objects.filter(bid__tender__title=title, member__isnull=False).values_list(
                        "member__user__email", flat=True
                    )
                )
            )
            for title in (DEFIBRILLATORS,)
        },
        "unjustified_marks": Score.objects.filter(justification="").count(),
        "signatures": sorted(
            (s.contract.title, s.party, s.signed_by.email, s.second_factor)
            for s in Signature.objects.select_related("contract", "signed_by")
        ),
        "contracts": {
            contract.title: {
                "status": contract.status,
                "original": contract.original_value,
                "value": contract.value_amount,
                "flagged": list(contract.amendments.values_list("exceeds_threshold", flat=True)),
                "rating": getattr(contract, "rating", None) and contract.rating.score,
                "milestones": sorted(contract.milestones.values_list("status", flat=True)),
            }
            for contract in Contract.objects.select_related("rating")
        },
        "complaints": [
            {
                "tender": complaint.award.tender.title,
                "status": complaint.status,
                "complainant": complaint.complainant.legal_name,
                "confidential_grounds": complaint.confidential_grounds,
                "documents": complaint_documents(complaint),
            }
            for complaint in Complaint.objects.select_related("award__tender", "complainant").order_by("filed_at")
        ],
        "debarments": [
            (d.supplier.legal_name, d.authority, d.recorded_by.email, d.starts_on, d.ends_on, d.lifted_at)
            for d in Debarment.objects.select_related("supplier", "recorded_by")
        ],
        "bidders": set(Bid.objects.values_list("supplier__legal_name", flat=True)),
        "users": {
            spec.email: (
                sorted(
                    Membership.objects.filter(user__email=spec.email).values_list("organisation__legal_name", "role")
                ),
                TOTPDevice.objects.filter(user__email=spec.email, confirmed=True).exists(),
            )
            for spec in demo.USERS
        },
    }


def complaint_documents(complaint: Complaint) -> list[tuple[str, str]]:
    from procura.documents.models import Document

    return sorted(Document.objects.filter(owner_id=complaint.pk).values_list("owner_type", "title"))


@pytest.fixture(scope="module")
def loaded(django_db_setup: None, django_db_blocker: Any) -> Loaded:
    with django_db_blocker.unblock():
        from django.db import transaction

        with transaction.atomic():
            # A transactional test that ran before in this process flushed the units of measure,
            # and module fixtures run before the autouse one that puts them back.
            importlib.import_module("procura.classifications.migrations.0002_units").add_units(apps, None)
            report = demo.load()
            loaded_at = clock.now()
            first = _counts()
            demo.load()
            second = _counts()
            compiled: dict[str, dict[str, Any]] = {}
            problems: dict[str, list[Any]] = {}
            for ocid, body in Record.objects.values_list("ocid", "compiled"):
                release = orjson.loads(bytes(body))
                problems[ocid] = validate_release(release)
                if "tender" in release:
                    compiled[release["tender"]["title"]] = release
            published = b"".join(bytes(body) for body in Release.objects.values_list("body", flat=True))
            published += b"".join(bytes(body) for body in Record.objects.values_list("compiled", flat=True))
            result = Loaded(
                loaded_at=loaded_at,
                report=report,
                compiled=compiled,
                problems=problems,
                counts_after_first=first,
                counts_after_second=second,
                releases=published,
                facts=_facts(),
            )
            transaction.set_rollback(True)
    return result


def _moment(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


def _awarded(loaded: Loaded) -> dict[str, dict[str, Any]]:
    return {title: record for title, record in loaded.compiled.items() if record.get("awards")}


# --- Valid and coherent OCDS ----------------------------------------------------------------------
def test_every_compiled_record_of_the_demo_is_valid_ocds(loaded: Loaded) -> None:
    assert len(loaded.problems) >= len(loaded.compiled) >= 18
    assert {ocid: problems for ocid, problems in loaded.problems.items() if problems} == {}
    assert set(_awarded(loaded)) == {LAPTOPS, DEFIBRILLATORS, SCHOOL_MEALS, TRAFFIC_SIGNALS, HOSPITAL_BEDS, LIBRARY}


def test_dates_are_in_order_from_the_tender_period_to_the_payments(loaded: Loaded) -> None:
    checked = 0
    for title, record in _awarded(loaded).items():
        deadline = _moment(record["tender"]["tenderPeriod"]["endDate"])
        opening = _moment(record["tender"]["bidOpening"]["date"])
        assert deadline <= opening, title
        awards = {award["id"]: award for award in record["awards"]}
        for award in awards.values():
            assert deadline < _moment(award["date"]) < loaded.loaded_at, (title, award["id"])
        for contract in record.get("contracts", []):
            award_date = _moment(awards[contract["awardID"]]["date"])
            transactions = contract.get("implementation", {}).get("transactions", [])
            if "dateSigned" not in contract:
                assert transactions == [], (title, contract["id"])
                continue
            signed = _moment(contract["dateSigned"])
            assert award_date < signed < loaded.loaded_at, (title, contract["id"])
            for transaction in transactions:
                assert signed <= _moment(transaction["date"]) <= loaded.loaded_at, (title, transaction["id"])
                checked += 1
            for amendment in contract.get("amendments", []):
                assert signed < _moment(amendment["date"]) < loaded.loaded_at, (title, amendment["id"])
    assert checked == 6  # two school meals payments, two for the signals, two for the beds


def test_payments_never_exceed_the_contract_value(loaded: Loaded) -> None:
    paid_in_full = []
    for title, record in _awarded(loaded).items():
        for contract in record.get("contracts", []):
            value = contract["value"]
            transactions = contract.get("implementation", {}).get("transactions", [])
            assert {t["value"]["currency"] for t in transactions} <= {value["currency"]}, title
            paid = sum((Decimal(str(t["value"]["amount"])) for t in transactions), Decimal(0))
            assert paid <= Decimal(str(value["amount"])), (title, contract["id"])
            if transactions and paid == Decimal(str(value["amount"])):
                paid_in_full.append(contract["title"])
    assert paid_in_full == [HOSPITAL_BEDS]


def _roles(record: dict[str, Any]) -> dict[str, set[str]]:
    return {party["id"]: set(party["roles"]) for party in record["parties"]}


def test_every_organisation_named_is_a_party_with_the_role_it_plays(loaded: Loaded) -> None:
    named = 0
    for title, record in loaded.compiled.items():
        roles = _roles(record)
        ids = [party["id"] for party in record["parties"]]
        assert len(ids) == len(set(ids)), title  # one entry per organisation
        references: list[tuple[dict[str, Any], str]] = [(record["buyer"], "buyer")] if "buyer" in record else []
        if "procuringEntity" in record["tender"]:
            references += [(record["tender"]["procuringEntity"], "procuringEntity")]
        references += [(tenderer, "tenderer") for tenderer in record["tender"].get("tenderers", [])]
        references += [
            (tenderer, "tenderer") for bid in record.get("bids", {}).get("details", []) for tenderer in bid["tenderers"]
        ]
        references += [
            (supplier, "supplier")
            for award in record.get("awards", [])
            if award["status"] != "cancelled"
            for supplier in award.get("suppliers", [])
        ]
        for contract in record.get("contracts", []):
            for transaction in contract.get("implementation", {}).get("transactions", []):
                references += [(transaction["payer"], "payer"), (transaction["payee"], "payee")]
        for organisation, role in references:
            assert role in roles.get(organisation["id"], set()), (title, organisation["name"], role)
            named += 1
    assert named > 60


def test_payers_are_the_buyers_and_payees_the_suppliers(loaded: Loaded) -> None:
    for title, record in _awarded(loaded).items():
        suppliers = {s["id"] for award in record["awards"] for s in award.get("suppliers", [])}
        for contract in record.get("contracts", []):
            for transaction in contract.get("implementation", {}).get("transactions", []):
                assert transaction["payer"]["id"] == record["buyer"]["id"], title
                assert transaction["payee"]["id"] in suppliers, title
                roles = _roles(record)
                assert {"buyer", "payer"} <= roles[record["buyer"]["id"]], title
                assert {"supplier", "payee", "tenderer"} <= roles[transaction["payee"]["id"]], title


# --- A process in every stage ---------------------------------------------------------------------
def _complaint_states(award: dict[str, Any]) -> list[str]:
    return [
        document["title"].rsplit("(", 1)[-1].rstrip(")")
        for document in award.get("documents", [])
        if document["documentType"] == "complaints"
    ]


def test_the_laptops_are_awarded_and_in_their_standstill(loaded: Loaded) -> None:
    record = loaded.compiled[LAPTOPS]
    [award] = record["awards"]
    assert (award["status"], [s["name"] for s in award["suppliers"]]) == ("pending", ["Keystone IT Services Ltd"])
    assert award["value"] == {"amount": 189750, "currency": "GBP"}
    assert _complaint_states(award) == []
    assert "contracts" not in record
    facts = loaded.facts["awards"][LAPTOPS]
    assert loaded.loaded_at < facts["standstill_ends_at"] < loaded.loaded_at + dt.timedelta(days=9)
    # both bids qualified by the panel (an observer watched); the withdrawn one stays withdrawn
    assert sorted(bid["status"] for bid in record["bids"]["details"]) == ["valid", "valid", "withdrawn"]
    assert loaded.facts["panels"][f"{LAPTOPS} / {demo_awards.OBSERVER}"] == (
        "observer",
        "Open Procurement Watch",
        False,
    )
    assert loaded.facts["panels"][f"{LAPTOPS} / evaluator@health.example"] == ("evaluator", "", False)


def test_the_defibrillators_award_is_under_complaint_and_cannot_be_signed(loaded: Loaded) -> None:
    record = loaded.compiled[DEFIBRILLATORS]
    [award] = record["awards"]
    assert (award["status"], [s["name"] for s in award["suppliers"]]) == ("pending", ["Lifeline Cardiac Systems Ltd"])
    assert _complaint_states(award) == ["pending"]
    assert "contracts" not in record
    facts = loaded.facts["awards"][DEFIBRILLATORS]
    assert facts["standstill_ends_at"] < loaded.loaded_at  # the standstill is over, the complaint holds it
    assert facts["complaints"] == ["pending"]
    # marked by two evaluators, every mark justified; price and quality in two envelopes
    assert loaded.facts["marked_by"][DEFIBRILLATORS] == ["evaluator@health.example", "officer@health.example"]
    assert loaded.facts["unjustified_marks"] == 0
    assert record["tender"]["awardCriteria"] == "ratedCriteria"
    assert {bid["tenderers"][0]["name"]: bid["value"]["amount"] for bid in record["bids"]["details"]} == {
        "Lifeline Cardiac Systems Ltd": 224500,
        "Acme Medical Supplies Ltd": 206900,
    }


def test_the_complaint_has_a_confidential_part_that_is_never_published(loaded: Loaded) -> None:
    [pending] = [c for c in loaded.facts["complaints"] if c["tender"] == DEFIBRILLATORS]
    assert (pending["status"], pending["complainant"]) == ("pending", "Acme Medical Supplies Ltd")
    assert pending["confidential_grounds"].startswith("Our independent laboratory report")
    assert pending["documents"] == [("complaint_confidential", "AED-4 independent laboratory test report")]
    assert b"Our independent laboratory report" not in loaded.releases
    assert b"AED-4 independent laboratory test report" not in loaded.releases
    assert b"The panel marked our AED-4 at 6.5" in loaded.releases  # the public grounds are published


def test_the_library_complaint_was_dismissed_and_the_contract_awaits_signature(loaded: Loaded) -> None:
    record = loaded.compiled[LIBRARY]
    [award] = record["awards"]
    assert (award["status"], _complaint_states(award)) == ("active", ["dismissed"])
    [document] = award["documents"]
    assert (
        "Decision (dismissed): Dismissed. The winning bid prices the 12 self-service kiosks" in document["description"]
    )
    [contract] = record["contracts"]
    assert contract["status"] == "pending"
    assert "dateSigned" not in contract
    assert [c["complainant"] for c in loaded.facts["complaints"] if c["tender"] == LIBRARY] == [
        "Datapoint Systems GmbH"
    ]


def test_the_school_meals_contracts_are_being_delivered_with_payments(loaded: Loaded) -> None:
    record = loaded.compiled[SCHOOL_MEALS]
    assert record["tender"]["status"] == "complete"
    assert [lot["status"] for lot in record["tender"]["lots"]] == ["complete", "complete"]
    assert [(a["status"], a["suppliers"][0]["name"]) for a in record["awards"]] == [
        ("active", "Harvest Table Catering Ltd"),
        ("active", "FreshStart School Foods CIC"),
    ]
    contracts = {contract["title"]: contract for contract in record["contracts"]}
    primary = contracts[f"{SCHOOL_MEALS} – Primary schools (22 schools)"]
    secondary = contracts[f"{SCHOOL_MEALS} – Secondary schools (6 schools)"]
    for contract in (primary, secondary):
        assert contract["status"] == "active"
        milestones = contract["implementation"]["milestones"]
        assert sorted(m["status"] for m in milestones)[-1] == "scheduled"  # terms still to come
        assert {m["type"] for m in milestones} == {"delivery", "reporting"}
        assert len(contract["implementation"]["transactions"]) == 1
    assert [m["status"] for m in primary["implementation"]["milestones"] if m["status"] != "scheduled"] == [
        "met",
        "met",
    ]
    assert primary["value"] == {"amount": 362400, "currency": "GBP"}
    assert primary["implementation"]["transactions"][0]["value"] == {"amount": 120800, "currency": "GBP"}


def test_the_secondary_schools_contract_was_amended_above_the_threshold(loaded: Loaded) -> None:
    record = loaded.compiled[SCHOOL_MEALS]
    [amended] = [contract for contract in record["contracts"] if contract.get("amendments")]
    assert amended["title"].endswith("Secondary schools (6 schools)")
    assert amended["value"] == {"amount": 285545, "currency": "GBP"}
    [amendment] = amended["amendments"]
    assert amendment["rationale"].startswith("Breakfast clubs at four secondary schools")
    assert "Value changed from 248300.00 to 285545.00 GBP" in amendment["description"]
    assert "cumulative change of value 15% of the original value" in amendment["description"]
    assert "exceeds the 10% threshold" in amendment["description"]
    facts = loaded.facts["contracts"][amended["title"]]
    assert (facts["original"], facts["value"], facts["flagged"]) == (Decimal("248300.00"), Decimal("285545.00"), [True])


def test_the_traffic_signals_contract_was_terminated_after_two_payments(loaded: Loaded) -> None:
    record = loaded.compiled[TRAFFIC_SIGNALS]
    [contract] = record["contracts"]
    assert contract["status"] == "terminated"
    assert "Terminated on " in contract["description"]
    assert "Persistent breach" in contract["description"]
    assert [t["value"]["amount"] for t in contract["implementation"]["transactions"]] == [54750, 49275]
    assert loaded.facts["contracts"][TRAFFIC_SIGNALS]["status"] == "terminated"
    # the disqualified bid is published as such
    statuses = {bid["tenderers"][0]["name"]: bid["status"] for bid in record["bids"]["details"]}
    assert statuses == {
        "Junction Signals Ltd": "valid",
        "Northern Construction plc": "valid",
        "GreenGrid Energy SL": "disqualified",
    }


def test_the_hospital_beds_contract_was_completed_paid_and_rated(loaded: Loaded) -> None:
    record = loaded.compiled[HOSPITAL_BEDS]
    [contract] = record["contracts"]
    assert contract["status"] == "terminated"  # OCDS has no "completed": a contract that ended
    assert "Completed on " in contract["description"]
    assert {m["status"] for m in contract["implementation"]["milestones"]} == {"met"}
    assert sum(t["value"]["amount"] for t in contract["implementation"]["transactions"]) == 141600
    facts = loaded.facts["contracts"][HOSPITAL_BEDS]
    assert (facts["status"], facts["rating"], facts["milestones"]) == ("completed", 4, ["met", "met", "met"])


def test_each_stage_is_there_once(loaded: Loaded) -> None:
    """Every stage the issue asks for, read from the compiled records alone."""
    stages: dict[str, list[str]] = {}

    def add(stage: str, title: str) -> None:
        stages.setdefault(stage, []).append(title)

    for title, record in _awarded(loaded).items():
        for award in record["awards"]:
            complaints = _complaint_states(award)
            if award["status"] == "pending" and not complaints:
                add("award in standstill", title)
            if "pending" in complaints:
                add("award under complaint", title)
            if "dismissed" in complaints or "upheld" in complaints:
                add("complaint decided", title)
        for contract in record.get("contracts", []):
            transactions = contract.get("implementation", {}).get("transactions", [])
            if contract["status"] == "pending":
                add("contract awaiting signature", title)
            if contract["status"] == "active" and transactions:
                add("contract being delivered with payments", title)
            if any("exceeds the" in a["description"] for a in contract.get("amendments", [])):
                add("contract amended above the threshold", title)
            if contract["status"] == "terminated" and "Terminated on" in contract.get("description", ""):
                add("contract terminated", title)
            if contract["status"] == "terminated" and "Completed on" in contract.get("description", ""):
                add("contract completed", title)
    assert stages == {
        "award in standstill": [LAPTOPS],
        "award under complaint": [DEFIBRILLATORS],
        "complaint decided": [LIBRARY],
        "contract awaiting signature": [LIBRARY],
        "contract being delivered with payments": [SCHOOL_MEALS, SCHOOL_MEALS],
        "contract amended above the threshold": [SCHOOL_MEALS],
        "contract terminated": [TRAFFIC_SIGNALS],
        "contract completed": [HOSPITAL_BEDS],
    }


def test_contracts_were_signed_by_both_parties_with_a_two_factor_code(loaded: Loaded) -> None:
    signatures = loaded.facts["signatures"]
    assert {second_factor for *_, second_factor in signatures} == {"totp"}
    by_contract: dict[str, list[tuple[str, str]]] = {}
    for title, party, email, _factor in signatures:
        by_contract.setdefault(title, []).append((party, email))
    assert {title: sorted(parties) for title, parties in by_contract.items()} == {
        f"{SCHOOL_MEALS} – Primary schools (22 schools)": [
            ("buyer", "officer@northbridge.example"),
            ("supplier", "contracts@harvest-table.example"),
        ],
        f"{SCHOOL_MEALS} – Secondary schools (6 schools)": [
            ("buyer", "finance@northbridge.example"),
            ("supplier", "hello@freshstart-foods.example"),
        ],
        TRAFFIC_SIGNALS: [("buyer", "officer@roads.example"), ("supplier", "bids@junction-signals.example")],
        HOSPITAL_BEDS: [("buyer", "approver@health.example"), ("supplier", "sales@restwell.example")],
    }


def test_a_supplier_that_bids_for_nothing_is_on_the_debarment_list(loaded: Loaded) -> None:
    [(supplier, authority, recorded_by, starts, ends, lifted)] = loaded.facts["debarments"]
    assert (supplier, authority, recorded_by, lifted) == (
        "Castlegate Building Services Ltd",
        "Public Procurement Review Board",
        "reviewer@review.example",
        None,
    )
    assert starts < loaded.loaded_at < ends
    assert supplier not in loaded.facts["bidders"]
    assert all(supplier not in {p["name"] for p in record["parties"]} for record in loaded.compiled.values())


# --- Users, idempotence, report ------------------------------------------------------------------
def test_the_new_demo_users_have_their_roles_and_authenticators(loaded: Loaded) -> None:
    users = loaded.facts["users"]
    assert users["finance@northbridge.example"] == ([("Northbridge City Council", "approver")], True)
    assert users[demo_awards.OBSERVER] == ([], False)  # independent: no organisation on the platform
    for email, supplier in (
        ("contracts@harvest-table.example", "Harvest Table Catering Ltd"),
        ("hello@freshstart-foods.example", "FreshStart School Foods CIC"),
        ("bids@junction-signals.example", "Junction Signals Ltd"),
        ("sales@restwell.example", "Restwell Healthcare Furniture Ltd"),
    ):
        assert users[email] == ([(supplier, "bid_manager")], True), email  # they sign contracts
    assert users["tenders@lifeline-cardiac.example"] == ([("Lifeline Cardiac Systems Ltd", "bid_manager")], False)
    assert users["bids@acme-medical.example"] == ([("Acme Medical Supplies Ltd", "bid_manager")], False)


def test_loading_the_demo_again_adds_nothing(loaded: Loaded) -> None:
    assert loaded.counts_after_second == loaded.counts_after_first
    counts = dict(zip([model.__name__ for model in COUNTED], loaded.counts_after_first, strict=True))
    assert {name: counts[name] for name in ("Award", "Complaint", "Contract", "Payment", "Debarment")} == {
        "Award": 7,
        "Complaint": 2,
        "Contract": 5,
        "Payment": 6,
        "Debarment": 1,
    }


def test_the_report_describes_each_stage(loaded: Loaded) -> None:
    lines = loaded.report.splitlines()
    found = [line for line in lines if line.split(":")[0] in {"Under complaint", "Awarded, in standstill"}]
    assert [line.split(":")[0] for line in found] == ["Under complaint", "Awarded, in standstill"]
    assert any(line.startswith(f"Awarded, in standstill: {LAPTOPS} to Keystone IT Services Ltd") for line in lines)
    assert f"Complaint dismissed: {LIBRARY}, by Datapoint Systems GmbH" in loaded.report
    contracts = [line for line in lines if line.startswith("Contract: ")]
    assert len(contracts) == 5
    assert any("terminated on" in line and TRAFFIC_SIGNALS in line for line in contracts)
    assert any("completed on" in line and "rated 4/5" in line for line in contracts)
    assert any("flagged above the threshold" in line for line in contracts)
    assert any(line.startswith("Debarred: Castlegate Building Services Ltd") for line in lines)
    assert any(line.split()[:3] == ["*", "finance@northbridge.example", "Approver"] for line in lines)
    assert any(line.split()[:3] == ["observer@openwatch.example", "Independent", "observer"] for line in lines)
