"""Planning API (/api/v1/): procurement plans, plan lines, spend control and business cases."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile

from procura.accounts import selectors as accounts_selectors
from procura.accounts.authentication import api_auth, optional_auth, request_user
from procura.accounts.models import Organisation
from procura.core.errors import NotFound
from procura.core.schemas import MoneyOut
from procura.documents.models import Document
from procura.planning import access, domain, selectors, services
from procura.planning.models import BusinessCase, MainCategory, PlanLine, PlannedProcedure, ProcurementPlan
from procura.planning.selectors import SpendApproval

router = Router(tags=["planning"])


# --- Output schemas ---------------------------------------------------------------------------
class BuyerOut(Schema):
    id: uuid.UUID
    legal_name: str
    identifier: str

    @staticmethod
    def of(org: Organisation) -> BuyerOut:
        return BuyerOut(id=org.pk, legal_name=org.legal_name, identifier=org.identifier)


class ClassificationOut(Schema):
    scheme: str
    id: str
    description: str


class BudgetOut(Schema):
    source: str
    reference: str


class LotOut(Schema):
    title: str
    value: MoneyOut


class SpendApprovalOut(Schema):
    required: bool = Field(description="The buyer's spend control needs an approved business case for this value")
    approved: bool
    state: str = Field(description="not_needed, needed, awaiting_decision, approved or rejected")
    threshold: MoneyOut | None
    business_case_id: uuid.UUID | None = Field(description="The latest decided business case")

    @staticmethod
    def of(approval: SpendApproval) -> SpendApprovalOut:
        threshold = approval.threshold
        return SpendApprovalOut(
            required=approval.required,
            approved=approval.approved,
            state=str(approval.state),
            threshold=None if threshold is None else MoneyOut.of(threshold.amount, threshold.currency),
            business_case_id=None if approval.business_case is None else approval.business_case.pk,
        )


class PlanLineOut(Schema):
    id: uuid.UUID
    plan_id: uuid.UUID
    ocid: str
    position: int
    title: str
    description: str
    main_category: str
    classification: ClassificationOut
    estimated_value: MoneyOut
    budget: BudgetOut
    planned_tender_date: dt.date
    procedure: str
    lots: list[LotOut]
    spend_approval: SpendApprovalOut

    @staticmethod
    def of(line: PlanLine, approval: SpendApproval) -> PlanLineOut:
        return PlanLineOut(
            id=line.pk,
            plan_id=line.plan_id,
            ocid=line.ocid,
            position=line.position,
            title=line.title,
            description=line.description,
            main_category=line.main_category,
            classification=ClassificationOut(
                scheme=line.classification_scheme,
                id=line.classification_code,
                description=line.classification_description,
            ),
            estimated_value=MoneyOut.of(line.estimated_amount, line.currency),
            budget=BudgetOut(source=line.budget_source, reference=line.budget_reference),
            planned_tender_date=line.planned_tender_date,
            procedure=line.procedure,
            lots=[
                LotOut(title=lot["title"], value=MoneyOut.of(Decimal(lot["value"]), line.currency)) for lot in line.lots
            ],
            spend_approval=SpendApprovalOut.of(approval),
        )


class PlanSummaryOut(Schema):
    id: uuid.UUID
    buyer: BuyerOut
    year: int
    title: str
    status: str
    published_at: dt.datetime | None
    line_count: int

    @staticmethod
    def of(plan: ProcurementPlan) -> PlanSummaryOut:
        return PlanSummaryOut(
            id=plan.pk,
            buyer=BuyerOut.of(plan.buyer),
            year=plan.year,
            title=plan.title,
            status=plan.status,
            published_at=plan.published_at,
            line_count=_line_count(plan),
        )


def _line_count(plan: ProcurementPlan) -> int:
    counted = getattr(plan, "line_count", None)  # annotated by the list selectors
    return plan.lines.count() if counted is None else int(counted)


class PlanPage(Schema):
    results: list[PlanSummaryOut]
    next_cursor: str | None


class PlanOut(Schema):
    id: uuid.UUID
    buyer: BuyerOut
    year: int
    title: str
    description: str
    status: str
    published_at: dt.datetime | None
    lines: list[PlanLineOut]

    @staticmethod
    def of(plan: ProcurementPlan) -> PlanOut:
        lines = selectors.lines_of(plan)
        approvals = selectors.spend_approvals(buyer=plan.buyer, lines=lines)
        return PlanOut(
            id=plan.pk,
            buyer=BuyerOut.of(plan.buyer),
            year=plan.year,
            title=plan.title,
            description=plan.description,
            status=plan.status,
            published_at=plan.published_at,
            lines=[PlanLineOut.of(line, approvals[line.pk]) for line in lines],
        )


class PersonOut(Schema):
    id: uuid.UUID
    full_name: str


class DocumentOut(Schema):
    id: uuid.UUID
    title: str
    document_type: str
    file_name: str
    url: str

    @staticmethod
    def of(document: Document) -> DocumentOut:
        return DocumentOut(
            id=document.pk,
            title=document.title,
            document_type=document.document_type,
            file_name=document.file_name,
            url=document.get_absolute_url(),
        )


class BusinessCaseOut(Schema):
    id: uuid.UUID
    plan_line_id: uuid.UUID
    ocid: str
    need: str
    estimated_value: MoneyOut
    options_considered: str
    submitted_by: PersonOut
    submitted_at: dt.datetime
    decision: str = Field(description="pending, approved or rejected")
    decided_by: PersonOut | None
    decided_at: dt.datetime | None
    reasons: str
    documents: list[DocumentOut]

    @staticmethod
    def of(case: BusinessCase, documents: list[Document]) -> BusinessCaseOut:
        decided_by = case.decided_by
        return BusinessCaseOut(
            id=case.pk,
            plan_line_id=case.plan_line_id,
            ocid=case.plan_line.ocid,
            need=case.need,
            estimated_value=MoneyOut.of(case.estimated_amount, case.currency),
            options_considered=case.options_considered,
            submitted_by=PersonOut(id=case.submitted_by.pk, full_name=case.submitted_by.full_name),
            submitted_at=case.submitted_at,
            decision=case.decision,
            decided_by=None if decided_by is None else PersonOut(id=decided_by.pk, full_name=decided_by.full_name),
            decided_at=case.decided_at,
            reasons=case.decision_reasons,
            documents=[DocumentOut.of(d) for d in documents],
        )

    @staticmethod
    def many(cases: list[BusinessCase]) -> list[BusinessCaseOut]:
        documents = selectors.business_case_documents(cases)
        return [BusinessCaseOut.of(case, documents[case.pk]) for case in cases]


class ThresholdOut(Schema):
    buyer_id: uuid.UUID
    threshold: MoneyOut | None = Field(description="Above this value plan lines need an approved business case")


# --- Input schemas ----------------------------------------------------------------------------
class PlanCreateIn(Schema):
    buyer: uuid.UUID
    year: int = Field(description="The financial year, 2000 to 2100")
    title: str
    description: str = ""


class PlanUpdateIn(Schema):
    title: str | None = None
    description: str | None = None


class LotIn(Schema):
    title: str
    value: Decimal = Field(description="In the line's currency")


class PlanLineIn(Schema):
    title: str
    description: str = ""
    main_category: MainCategory
    classification_scheme: str = Field(description="CPV or UNSPSC")
    classification_code: str = Field(description="A code of that scheme, such as 33140000-3")
    estimated_amount: Decimal
    currency: str = Field(description="ISO 4217 code")
    budget_source: str
    budget_reference: str = ""
    planned_tender_date: dt.date
    procedure: PlannedProcedure
    lots: list[LotIn] = Field(default_factory=list)

    def details(self) -> services.PlanLineDetails:
        return services.PlanLineDetails(
            title=self.title,
            description=self.description,
            main_category=self.main_category,
            classification_scheme=self.classification_scheme,
            classification_code=self.classification_code,
            estimated_amount=self.estimated_amount,
            currency=self.currency,
            budget_source=self.budget_source,
            budget_reference=self.budget_reference,
            planned_tender_date=self.planned_tender_date,
            procedure=self.procedure,
            lots=[{"title": lot.title, "value": lot.value} for lot in self.lots],
        )


class ThresholdIn(Schema):
    amount: Decimal
    currency: str = Field(description="ISO 4217 code")


class BusinessCaseIn(Schema):
    need: str
    estimated_amount: Decimal
    currency: str = Field(description="The plan line's currency")
    options_considered: str


class DecisionIn(Schema):
    approve: bool
    reasons: str = Field(default="", description="Required to reject")


class PlanFilters(Schema):
    buyer: uuid.UUID | None = None
    year: int | None = Field(default=None, ge=domain.FIRST_PLAN_YEAR, le=domain.LAST_PLAN_YEAR)
    cursor: str | None = None
    limit: int = Field(default=50, ge=1, le=200)


# --- Helpers ----------------------------------------------------------------------------------
def _plan(request: HttpRequest, plan_id: uuid.UUID) -> ProcurementPlan:
    plan = selectors.plan_get(plan_id)
    if plan is None:
        raise NotFound(_("There is no such procurement plan."))
    access.check_can_view_plan(request.user, plan)
    return plan


def _line(request: HttpRequest, line_id: uuid.UUID) -> PlanLine:
    line = selectors.plan_line_get(line_id)
    if line is None:
        raise NotFound(_("There is no such plan line."))
    access.check_can_view_plan(request.user, line.plan)
    return line


def _case(request: HttpRequest, case_id: uuid.UUID) -> BusinessCase:
    case = selectors.business_case_get(case_id)
    if case is None or not access.can_see_inside(request.user, case.plan_line.plan.buyer):
        raise NotFound(_("There is no such business case."))
    return case


def _line_out(line: PlanLine) -> PlanLineOut:
    approval = selectors.spend_approvals(buyer=line.plan.buyer, lines=[line])[line.pk]
    return PlanLineOut.of(line, approval)


# --- Plans ------------------------------------------------------------------------------------
@router.get("/plans", response=PlanPage, auth=optional_auth, summary="Published procurement plans")
def plan_list(request: HttpRequest, filters: Query[PlanFilters]) -> PlanPage:
    page = selectors.published_plans(
        buyer_id=filters.buyer, year=filters.year, cursor=filters.cursor, limit=filters.limit
    )
    return PlanPage(results=[PlanSummaryOut.of(p) for p in page.items], next_cursor=page.next_cursor)


@router.post("/plans", response={201: PlanOut}, auth=api_auth, summary="Start a procurement plan (a draft)")
def plan_create(request: HttpRequest, payload: PlanCreateIn) -> Status[PlanOut]:
    plan = services.plan_create(
        actor=request_user(request),
        buyer=accounts_selectors.organisation_found(payload.buyer),
        year=payload.year,
        title=payload.title,
        description=payload.description,
    )
    return Status(201, PlanOut.of(plan))


@router.get("/plans/{plan_id}", response=PlanOut, auth=optional_auth, summary="A plan with its lines")
def plan_detail(request: HttpRequest, plan_id: uuid.UUID) -> PlanOut:
    return PlanOut.of(_plan(request, plan_id))


@router.patch("/plans/{plan_id}", response=PlanOut, auth=api_auth, summary="Change a plan's title or description")
def plan_update(request: HttpRequest, plan_id: uuid.UUID, payload: PlanUpdateIn) -> PlanOut:
    plan = _plan(request, plan_id)
    plan = services.plan_update(
        actor=request_user(request),
        plan=plan,
        title=plan.title if payload.title is None else payload.title,
        description=plan.description if payload.description is None else payload.description,
    )
    return PlanOut.of(plan)


@router.post("/plans/{plan_id}/publish", response=PlanOut, auth=api_auth, summary="Publish a plan (idempotent)")
def plan_publish(request: HttpRequest, plan_id: uuid.UUID) -> PlanOut:
    return PlanOut.of(services.plan_publish(actor=request_user(request), plan=_plan(request, plan_id)))


@router.post("/plans/{plan_id}/lines", response={201: PlanLineOut}, auth=api_auth, summary="Add a line to a plan")
def plan_line_add(request: HttpRequest, plan_id: uuid.UUID, payload: PlanLineIn) -> Status[PlanLineOut]:
    line = services.plan_line_add(actor=request_user(request), plan=_plan(request, plan_id), details=payload.details())
    found = selectors.plan_line_get(line.pk)
    assert found is not None
    return Status(201, _line_out(found))


# --- Plan lines -------------------------------------------------------------------------------
@router.get("/plan-lines/{line_id}", response=PlanLineOut, auth=optional_auth, summary="A plan line")
def plan_line_detail(request: HttpRequest, line_id: uuid.UUID) -> PlanLineOut:
    return _line_out(_line(request, line_id))


@router.put("/plan-lines/{line_id}", response=PlanLineOut, auth=api_auth, summary="Change a plan line")
def plan_line_update(request: HttpRequest, line_id: uuid.UUID, payload: PlanLineIn) -> PlanLineOut:
    line = services.plan_line_update(
        actor=request_user(request), line=_line(request, line_id), details=payload.details()
    )
    found = selectors.plan_line_get(line.pk)
    assert found is not None
    return _line_out(found)


@router.delete("/plan-lines/{line_id}", response={204: None}, auth=api_auth, summary="Remove a line from a draft plan")
def plan_line_remove(request: HttpRequest, line_id: uuid.UUID) -> Status[None]:
    services.plan_line_remove(actor=request_user(request), line=_line(request, line_id))
    return Status(204, None)


@router.get(
    "/plan-lines/{line_id}/business-cases",
    response=list[BusinessCaseOut],
    auth=api_auth,
    summary="A plan line's business cases, the latest first",
)
def business_case_list(request: HttpRequest, line_id: uuid.UUID) -> list[BusinessCaseOut]:
    line = _line(request, line_id)
    access.check_can_see_inside(request_user(request), line.plan.buyer)
    return BusinessCaseOut.many(selectors.business_cases_of(line))


@router.post(
    "/plan-lines/{line_id}/business-cases",
    response={201: BusinessCaseOut},
    auth=api_auth,
    summary="Submit a business case for approval",
)
def business_case_submit(request: HttpRequest, line_id: uuid.UUID, payload: BusinessCaseIn) -> Status[BusinessCaseOut]:
    case = services.business_case_submit(
        actor=request_user(request),
        plan_line=_line(request, line_id),
        need=payload.need,
        estimated_amount=payload.estimated_amount,
        currency=payload.currency,
        options_considered=payload.options_considered,
    )
    found = selectors.business_case_get(case.pk)
    assert found is not None
    return Status(201, BusinessCaseOut.many([found])[0])


# --- Business cases ---------------------------------------------------------------------------
@router.get("/business-cases/{case_id}", response=BusinessCaseOut, auth=api_auth, summary="A business case")
def business_case_detail(request: HttpRequest, case_id: uuid.UUID) -> BusinessCaseOut:
    return BusinessCaseOut.many([_case(request, case_id)])[0]


@router.post(
    "/business-cases/{case_id}/decision",
    response=BusinessCaseOut,
    auth=api_auth,
    summary="Approve or reject a business case (reasons required to reject)",
)
def business_case_decide(request: HttpRequest, case_id: uuid.UUID, payload: DecisionIn) -> BusinessCaseOut:
    case = services.business_case_decide(
        actor=request_user(request),
        business_case=_case(request, case_id),
        approve=payload.approve,
        reasons=payload.reasons,
    )
    found = selectors.business_case_get(case.pk)
    assert found is not None
    return BusinessCaseOut.many([found])[0]


@router.post(
    "/business-cases/{case_id}/documents",
    response={201: DocumentOut},
    auth=api_auth,
    summary="Attach a supporting document to a business case awaiting a decision (multipart form)",
)
def business_case_document_add(
    request: HttpRequest,
    case_id: uuid.UUID,
    title: Form[str],
    document_type: Form[str],
    file: File[UploadedFile],
) -> Status[DocumentOut]:
    document = services.business_case_document_add(
        actor=request_user(request),
        business_case=_case(request, case_id),
        title=title,
        document_type=document_type,
        file=file,
    )
    return Status(201, DocumentOut.of(document))


# --- A buyer's planning -----------------------------------------------------------------------
@router.get(
    "/organisations/{organisation_id}/plans",
    response=list[PlanSummaryOut],
    auth=api_auth,
    summary="A buyer's plans, drafts included",
)
def buyer_plans(request: HttpRequest, organisation_id: uuid.UUID) -> list[PlanSummaryOut]:
    buyer = accounts_selectors.organisation_found(organisation_id)
    access.check_can_see_inside(request_user(request), buyer)
    return [PlanSummaryOut.of(p) for p in selectors.plans_for(buyer)]


@router.get(
    "/organisations/{organisation_id}/spend-control-threshold",
    response=ThresholdOut,
    auth=api_auth,
    summary="A buyer's spend-control threshold",
)
def threshold_detail(request: HttpRequest, organisation_id: uuid.UUID) -> ThresholdOut:
    buyer = accounts_selectors.organisation_found(organisation_id)
    access.check_can_see_inside(request_user(request), buyer)
    threshold = selectors.spend_control_threshold(buyer)
    return ThresholdOut(
        buyer_id=buyer.pk, threshold=None if threshold is None else MoneyOut.of(threshold.amount, threshold.currency)
    )


@router.put(
    "/organisations/{organisation_id}/spend-control-threshold",
    response=ThresholdOut,
    auth=api_auth,
    summary="Set a buyer's spend-control threshold",
)
def threshold_set(request: HttpRequest, organisation_id: uuid.UUID, payload: ThresholdIn) -> ThresholdOut:
    buyer = accounts_selectors.organisation_found(organisation_id)
    policy = services.spend_control_threshold_set(
        actor=request_user(request), buyer=buyer, amount=payload.amount, currency=payload.currency
    )
    return ThresholdOut(buyer_id=buyer.pk, threshold=MoneyOut.of(policy.threshold_amount, policy.currency))


@router.get(
    "/organisations/{organisation_id}/business-cases-awaiting-decision",
    response=list[BusinessCaseOut],
    auth=api_auth,
    summary="The approvers' inbox: business cases awaiting a decision, the oldest first",
)
def business_cases_awaiting_decision(request: HttpRequest, organisation_id: uuid.UUID) -> list[BusinessCaseOut]:
    buyer = accounts_selectors.organisation_found(organisation_id)
    access.check_can_decide_business_cases(request_user(request), buyer)
    return BusinessCaseOut.many(list(selectors.business_cases_awaiting_decision(buyer)))
