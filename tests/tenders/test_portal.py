"""The public tender portal: the opportunities list and its search, the CSV and Atom downloads,
a tender's page and asking a question. Database-independent: the same tests pass on SQLite
(FTS5) and PostgreSQL (full-text search)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.formats import date_format
from django.utils.timezone import localtime

from procura.accounts.roles import Role
from procura.accounts.services import membership_grant
from procura.core import clock
from procura.documents.models import DocumentType
from procura.documents.services import document_upload
from procura.tenders import fulltext, search, services
from procura.tenders.models import Clarification, Tender
from procura.tenders.services import LotDetails, details_of
from tests.conftest import World
from tests.documents.samples import PDF, named
from tests.tenders.support import DAY, draft, item, published, rated
from tests.web.support import text

ATOM = "{http://www.w3.org/2005/Atom}"
OCID_LINK = re.compile(r'href="/tenders/(ocds-[a-z0-9]{6}-[A-Za-z0-9._-]+)/"')


def _found(response: object) -> set[str]:
    """The ocids of the tenders a list page shows."""
    return set(OCID_LINK.findall(response.content.decode()))  # type: ignore[attr-defined]


@dataclass
class Portal:
    gloves: Tender  # open, buyer, 90,000, CPV 33141000-0, bids close in 20 days
    roads: Tender  # request for quotation, other buyer, 30,000, works 45233140-2, SME, 15 days
    consultancy: Tender  # negotiated (value hidden), 500,000, services 72000000-5, 6 days
    cancelled: Tender  # open, gloves, cancelled
    restricted: Tender  # restricted, 130,000, in qualification, bids close in 30 days
    secret: Tender  # a draft


@pytest.fixture
def portal(world: World, frozen_clock: clock.Clock) -> Portal:
    now = clock.now()
    gloves = published(world.officer, world.buyer)
    roads = published(
        world.other_officer,
        world.other_buyer,
        "request_for_quotation",
        title="Road resurfacing in the old town",
        description="Resurfacing of two kilometres of cobbled streets.",
        main_category="works",
        value_amount=Decimal("30000"),
        sme_suitable=True,
        enquiry_end=now + 5 * DAY,
        tender_end=now + 15 * DAY,
        bid_opening_at=now + 15 * DAY + dt.timedelta(hours=1),
        lots=(
            LotDetails(
                title="Streets",
                items=(
                    item(
                        description="Road resurfacing works",
                        classification_code="45233140-2",
                        quantity="2",
                        unit_code="KMT",
                    ),
                ),
            ),
        ),
    )
    consultancy = published(
        world.officer,
        world.buyer,
        "negotiated",
        title="Emergency IT consultancy",
        description="Restoring the flood-damaged data centre.",
        main_category="services",
        value_amount=Decimal("500000"),
        lots=(
            LotDetails(
                title="Consultancy",
                items=(
                    item(
                        description="IT consultancy days",
                        classification_code="72000000-5",
                        quantity="100",
                        unit_code="DAY",
                    ),
                ),
            ),
        ),
    )
    cancelled = published(world.officer, world.buyer, title="Examination gloves for clinics")
    services.tender_cancel(actor=world.officer, tender=cancelled, reason="The budget was withdrawn.")
    restricted = published(
        world.officer,
        world.buyer,
        "restricted",
        title="Hospital beds framework",
        description="Electric hospital beds.",
        value_amount=Decimal("130000"),
        lots=(LotDetails(title="Beds", items=(item(description="Electric hospital beds"),)),),
    )
    secret = draft(world.officer, world.buyer, title="Secret draft for ambulances")
    return Portal(
        gloves=Tender.objects.get(pk=gloves.pk),
        roads=Tender.objects.get(pk=roads.pk),
        consultancy=Tender.objects.get(pk=consultancy.pk),
        cancelled=Tender.objects.get(pk=cancelled.pk),
        restricted=Tender.objects.get(pk=restricted.pk),
        secret=Tender.objects.get(pk=secret.pk),
    )


# --- The list ---------------------------------------------------------------------------------
def test_the_list_shows_published_tenders_and_never_drafts(world: World, portal: Portal) -> None:
    # when
    response = world.client(None).get("/tenders/")
    # then
    assert response.status_code == 200
    assert _found(response) == {
        portal.gloves.ocid,
        portal.roads.ocid,
        portal.consultancy.ocid,
        portal.cancelled.ocid,
        portal.restricted.ocid,
    }
    body = text(response)
    assert "Secret draft for ambulances" not in body
    assert portal.secret.ocid not in body


def test_the_list_shows_each_tenders_facts(world: World, portal: Portal) -> None:
    # when
    body = text(world.client(None).get("/tenders/"))
    # then
    assert (
        f'<h3><a href="/tenders/{portal.roads.ocid}/">Road resurfacing in the old town</a></h3> '
        '<p><span class="tag tag-good">Suitable for small businesses</span></p>'
    ) in body
    assert "<dt>Buyer</dt><dd>Other Council</dd>" in body
    assert "<dt>Status</dt><dd>Open for bids</dd>" in body
    assert "<dt>Status</dt><dd>Cancelled</dd>" in body
    assert "<dt>Procedure</dt><dd>Request for quotation</dd>" in body
    assert "<dt>Estimated value</dt><dd>£30,000.00</dd>" in body
    assert "<dt>Estimated value</dt><dd>Not disclosed</dd>" in body
    assert "£500,000.00" not in body
    assert '<dt>Deadline for bids</dt><dd><time datetime="2026-03-17T09:00:00+00:00">' in body
    assert f"<dt>OCID</dt><dd>{portal.roads.ocid}</dd>" in body


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=tendering", {"gloves", "roads", "consultancy"}),
        ("status=cancelled", {"cancelled"}),
        ("status=qualification", {"restricted"}),
        ("status=complete", set()),
        ("classification=33100000-1", {"gloves", "cancelled", "restricted"}),
        ("classification=33141000-0", {"gloves", "cancelled", "restricted"}),
        ("classification=45000000", {"roads"}),
        ("classification=72000000-5", {"consultancy"}),
        ("procedure=negotiated", {"consultancy"}),
        ("procedure=restricted", {"restricted"}),
        # The negotiated tender's 500,000 is secret: a value range never finds it.
        ("value_min=50000", {"gloves", "cancelled", "restricted"}),
        ("value_min=100000", {"restricted"}),
        ("value_max=50000", {"roads"}),
        ("value_min=30000&value_max=90000", {"gloves", "cancelled", "roads"}),
        ("closing_before=2026-03-10", {"consultancy"}),
        ("closing_after=2026-03-25", {"restricted"}),
        ("closing_after=2026-03-17&closing_before=2026-03-17", {"roads"}),
        ("sme_suitable=on", {"roads"}),
        ("q=glov", {"gloves", "cancelled"}),
        ("q=GLOVES+clinics", {"cancelled"}),
        ("q=road", {"roads"}),
        ("q=glov+road", set()),
        ("q=consult", {"consultancy"}),
        ("q=Other+Council", {"roads"}),
        ("q=45233140", {"roads"}),
        ("q=glov&status=cancelled", {"cancelled"}),
        ("q=%22glov*", {"gloves", "cancelled"}),
        ("q=*%22()%3A%5E", {"gloves", "roads", "consultancy", "cancelled", "restricted"}),
    ],
)
def test_each_filter_narrows_the_list_exactly(world: World, portal: Portal, query: str, expected: set[str]) -> None:
    # when
    response = world.client(None).get(f"/tenders/?{query}")
    # then
    assert response.status_code == 200
    assert _found(response) == {getattr(portal, name).ocid for name in expected}


def test_the_buyer_filter_offers_buyers_with_published_tenders(world: World, portal: Portal) -> None:
    # when
    everyone = world.client(None).get("/tenders/")
    other = world.client(None).get(f"/tenders/?buyer={world.other_buyer.pk}")
    # then
    assert f'<option value="{world.other_buyer.pk}">Other Council</option>' in everyone.content.decode()
    assert f'<option value="{world.buyer.pk}">Ministry of Tests</option>' in everyone.content.decode()
    assert f'value="{world.supplier.pk}"' not in everyone.content.decode()
    assert _found(other) == {portal.roads.ocid}


def test_user_input_never_breaks_the_search(world: World, portal: Portal) -> None:
    # given: quotes, operators and SQL from a search box
    queries = ['"', "'", "glov*", "NEAR(a b)", "a OR b", "'); DROP TABLE tenders_tender; --", "x:*", "\\", "&|!"]
    for query in queries:
        # when
        response = world.client(None).get("/tenders/", {"q": query})
        # then
        assert response.status_code == 200, query
    assert Tender.objects.count() == 6


def test_word_prefix_search_behaves_the_same_on_every_database(world: World, portal: Portal) -> None:
    # given
    everything = search.filtered_tenders(search.TenderFilters())
    # then: each word must begin a word of the tender; all words must match
    assert set(fulltext.matching(everything, "glov")) == {portal.gloves, portal.cancelled}
    assert set(fulltext.matching(everything, "loves")) == set()
    assert set(fulltext.matching(everything, "nitrile examination")) == {portal.gloves, portal.cancelled}
    assert set(fulltext.matching(everything, "electric BEDS")) == {portal.restricted}
    assert set(fulltext.matching(everything, "Hospital")) == {portal.gloves, portal.restricted}
    assert fulltext.query_words('"Glov*" AND (road) — x_y') == ["glov", "and", "road", "x", "y"]


def test_the_search_follows_amendments(world: World, portal: Portal) -> None:
    # given
    changed = replace(details_of(portal.gloves), title="Examination mittens for regional hospitals")
    everything = search.filtered_tenders(search.TenderFilters())
    # when
    services.tender_amend(actor=world.officer, tender=portal.gloves, details=changed, rationale="Mittens, not gloves.")
    # then
    assert set(fulltext.matching(everything, "mitten")) == {portal.gloves}
    assert set(fulltext.matching(everything, "glov")) == {portal.gloves, portal.cancelled}  # still in the items


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 table exists on SQLite only")
def test_the_sqlite_index_follows_inserts_and_deletes(world: World, portal: Portal) -> None:
    # given
    def indexed() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM tenders_tender_fts")
            return int(cursor.fetchone()[0])

    assert indexed() == 6
    # when
    Tender.objects.filter(pk=portal.secret.pk).delete()
    # then
    assert indexed() == 5


def test_pages_follow_each_other_with_the_filters_kept(
    world: World, portal: Portal, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given
    from procura.tenders.views import public

    monkeypatch.setattr(public, "PAGE_SIZE", 2)
    client = world.client(None)
    # when
    first = client.get("/tenders/?value_min=1")
    next_query = re.search(r'<a href="\?([^"]+)" rel="next">', first.content.decode())
    assert next_query is not None
    second = client.get("/tenders/?" + next_query.group(1).replace("&amp;", "&"))
    # then
    assert "value_min=1" in next_query.group(1)
    assert len(_found(first)) == 2
    assert len(_found(second)) == 2
    assert _found(first) | _found(second) == {
        portal.gloves.ocid,
        portal.roads.ocid,
        portal.cancelled.ocid,
        portal.restricted.ocid,
    }
    assert '<a href="?value_min=1">First page</a>' in second.content.decode()
    assert 'rel="next"' not in second.content.decode()


def test_a_broken_page_link_is_a_clear_400(world: World, portal: Portal) -> None:
    # when
    response = world.client(None).get("/tenders/?cursor=not-a-cursor")
    # then
    assert response.status_code == 400
    assert "This page link is not valid. Start again from the first page." in text(response)


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("value_min=abc", "value_min", "Enter the lowest estimated value as an amount such as 50000."),
        ("value_max=-5", "value_max", "Enter the highest estimated value as an amount such as 250000."),
        ("value_min=100&value_max=50", "value_max", "The highest estimated value must not be below the lowest."),
        ("closing_after=2026-13-45", "closing_after", "Enter the earliest closing date as a date, such as 2026-04-30."),
        ("closing_before=tomorrow", "closing_before", "Enter the latest closing date as a date, such as 2026-05-31."),
        (
            "closing_after=2026-05-01&closing_before=2026-04-01",
            "closing_before",
            "The latest closing date must not be before the earliest.",
        ),
        ("status=draft", "status", "Choose a status from the list."),
        ("status=bogus", "status", "Choose a status from the list."),
        ("procedure=secret", "procedure", "Choose a procedure from the list."),
        ("buyer=not-a-buyer", "buyer", "Choose a buyer from the list."),
        ("classification=medical", "classification", "Enter the classification as a CPV code such as 33100000-1."),
    ],
)
def test_invalid_filters_name_the_field_and_search_nothing(
    world: World, portal: Portal, query: str, field: str, message: str
) -> None:
    # when
    with CaptureQueriesContext(connection) as queries:
        response = world.client(None).get(f"/tenders/?{query}")
    # then
    assert response.status_code == 200
    body = text(response)
    assert f'<li><a href="#id_{field}">{message}</a></li>' in body
    assert f'id="id_{field}_error"' in body
    assert _found(response) == set()
    assert "Download these tenders" not in body
    assert not [q["sql"] for q in queries.captured_queries if '"tenders_tender"."title"' in q["sql"]]


def test_invalid_filters_refuse_the_csv_and_the_feed(world: World, portal: Portal) -> None:
    for url in ("/tenders/export.csv?value_min=abc", "/tenders/feed.atom?closing_after=soon"):
        # when
        response = world.client(None).get(url)
        # then
        assert response.status_code == 400
        assert "Enter the" in text(response)


# --- CSV --------------------------------------------------------------------------------------
CSV_HEADER = [
    "OCID",
    "Title",
    "Buyer",
    "Buyer identifier",
    "Status",
    "Procedure",
    "Main category",
    "Estimated value",
    "Currency",
    "Published",
    "Deadline for questions",
    "Deadline for bids",
    "Suitable for small businesses",
    "URL",
]


def _csv(response: object) -> list[list[str]]:
    content = b"".join(response.streaming_content).decode("utf-8")  # type: ignore[attr-defined]
    return list(csv.reader(io.StringIO(content)))


def test_the_csv_has_one_row_per_matching_tender(world: World, portal: Portal) -> None:
    # when
    response = world.client(None).get("/tenders/export.csv?q=road")
    # then
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="tenders-2026-03-02.csv"'
    rows = _csv(response)
    assert rows == [
        CSV_HEADER,
        [
            portal.roads.ocid,
            "Road resurfacing in the old town",
            "Other Council",
            world.other_buyer.identifier,
            "Open for bids",
            "Request for quotation",
            "Works",
            "30000.00",
            "GBP",
            "2026-03-02T09:00:00+00:00",
            "2026-03-07T09:00:00+00:00",
            "2026-03-17T09:00:00+00:00",
            "Yes",
            f"http://127.0.0.1:8000/tenders/{portal.roads.ocid}/",
        ],
    ]


def test_the_csv_has_every_published_tender_newest_first_and_no_draft(world: World, portal: Portal) -> None:
    # when
    rows = _csv(world.client(None).get("/tenders/export.csv"))
    # then
    assert not rows[0][0].startswith("\ufeff")
    ocids = [row[0] for row in rows[1:]]
    assert set(ocids) == {
        portal.gloves.ocid,
        portal.roads.ocid,
        portal.consultancy.ocid,
        portal.cancelled.ocid,
        portal.restricted.ocid,
    }
    assert portal.secret.ocid not in ocids


def test_the_csv_leaves_a_hidden_value_empty(world: World, portal: Portal) -> None:
    # when
    rows = _csv(world.client(None).get("/tenders/export.csv?procedure=negotiated"))
    # then
    assert len(rows) == 2
    assert rows[1][0] == portal.consultancy.ocid
    assert rows[1][7] == ""
    assert "500000" not in ",".join(rows[1])


def test_the_csv_defuses_formulas(world: World, frozen_clock: clock.Clock) -> None:
    # given
    titles = ['=HYPERLINK("http://evil.example")', "+SUM(A1:A2)", "-2+3", "@cmd", "Plain gloves"]
    for title in titles:
        published(world.officer, world.buyer, title=title)
    # when
    rows = _csv(world.client(None).get("/tenders/export.csv"))
    # then
    assert sorted(row[1] for row in rows[1:]) == sorted(
        ['\'=HYPERLINK("http://evil.example")', "'+SUM(A1:A2)", "'-2+3", "'@cmd", "Plain gloves"]
    )


# --- Atom -------------------------------------------------------------------------------------
def _atom(response: object) -> ET.Element:
    return ET.fromstring(response.content)  # type: ignore[attr-defined]  # noqa: S314 - this server's own feed


def test_the_feed_is_atom_with_an_entry_per_tender(world: World, portal: Portal) -> None:
    # when
    response = world.client(None).get("/tenders/feed.atom?q=glov")
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    root = _atom(response)
    assert root.tag == f"{ATOM}feed"
    assert root.findtext(f"{ATOM}title") == "Opportunities on Procura"
    entries = root.findall(f"{ATOM}entry")
    titles = [e.findtext(f"{ATOM}title") for e in entries]
    assert sorted(titles) == ["Examination gloves for clinics", "Examination gloves for regional hospitals"]
    first = entries[titles.index("Examination gloves for regional hospitals")]
    url = f"http://127.0.0.1:8000/tenders/{portal.gloves.ocid}/"
    assert first.findtext(f"{ATOM}id") == url
    assert first.find(f"{ATOM}link").get("href") == url  # type: ignore[union-attr]
    assert first.findtext(f"{ATOM}updated") == "2026-03-02T09:00:00+00:00"
    summary = first.findtext(f"{ATOM}summary") or ""
    assert "Buyer: Ministry of Tests." in summary
    assert "Estimated value: £90,000.00." in summary
    assert "Deadline for bids: March 22, 2026, 9 a.m." in summary


def test_the_feed_never_shows_a_hidden_value_or_a_draft(world: World, portal: Portal) -> None:
    # when
    root = _atom(world.client(None).get("/tenders/feed.atom"))
    # then
    entries = {e.findtext(f"{ATOM}title"): e.findtext(f"{ATOM}summary") or "" for e in root.findall(f"{ATOM}entry")}
    assert len(entries) == 5
    assert "Secret draft for ambulances" not in entries
    assert "Estimated value: not disclosed." in entries["Emergency IT consultancy"]
    assert "500,000" not in entries["Emergency IT consultancy"]


def test_the_feed_has_the_newest_tenders_only(
    world: World, portal: Portal, frozen_clock: clock.Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given
    monkeypatch.setattr(search, "FEED_SIZE", 2)
    frozen_clock.advance(dt.timedelta(hours=1))
    published(world.officer, world.buyer, title="The newest gloves")
    # when
    root = _atom(world.client(None).get("/tenders/feed.atom"))
    # then
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 2
    assert entries[0].findtext(f"{ATOM}title") == "The newest gloves"
    assert entries[0].findtext(f"{ATOM}updated") == "2026-03-02T10:00:00+00:00"


# --- One tender ---------------------------------------------------------------------------------
def test_the_tender_page_shows_everything_public(world: World, frozen_clock: clock.Clock) -> None:
    # given: a price-and-quality tender with two lots, questions and an amendment
    tender = published(
        world.officer,
        world.buyer,
        award_criteria="ratedCriteria",
        criteria=rated().criteria,
        eligibility_criteria="Registered with the medicines regulator.",
        selection_criteria="Three similar contracts in five years.",
        sme_suitable=True,
        lots=(
            LotDetails(title="Gloves", items=(item(),)),
            LotDetails(
                title="Aprons",
                items=(item(description="Disposable aprons", quantity="500", unit_code="KGM"),),
            ),
        ),
    )
    lot = tender.lots.get(title="Aprons")
    answered = services.clarification_ask(
        actor=world.bid_manager, tender=tender, supplier=world.supplier, question="Are powder-free gloves required?"
    )
    services.clarification_answer(actor=world.officer, clarification=answered, answer="Yes, powder-free only.")
    services.clarification_ask(
        actor=world.bid_manager, tender=tender, supplier=world.supplier, question="Which apron sizes?", lot=lot
    )
    frozen_clock.advance(15 * DAY)
    amendment = services.tender_amend(
        actor=world.officer,
        tender=tender,
        details=replace(details_of(tender), description="Two-year supply of nitrile gloves and aprons."),
        rationale="Aprons added to the description.",
    )
    # when
    response = world.client(None).get(f"/tenders/{tender.ocid}/")
    # then
    assert response.status_code == 200
    body = text(response)
    assert "<h1>Examination gloves for regional hospitals</h1>" in body
    assert f"<dt>OCID</dt><dd>{tender.ocid}</dd>" in body
    assert f'<a href="/organisations/{world.buyer.pk}/">Ministry of Tests</a>' in body
    assert "<dt>Status</dt><dd><strong>Open for bids</strong></dd>" in body
    assert "Under the procedure rules default/2026.1" in body
    assert "<dt>Main category</dt><dd>Goods</dd>" in body
    assert "<dt>Estimated value</dt><dd>£90,000.00</dd>" in body
    assert '<span class="tag tag-good">Yes</span>' in body
    assert "Two-year supply of nitrile gloves and aprons." in body
    assert "<dt>Award criteria</dt><dd>Price and quality</dd>" in body
    assert "<caption>Weighted award criteria</caption>" in body
    assert '<th scope="row">Delivery plan</th> <td>Quality</td> <td>40%</td>' in body
    assert "Registered with the medicines regulator." in body
    assert "Three similar contracts in five years." in body
    assert "<caption>Items of the lot Aprons</caption>" in body
    assert '<th scope="row">Disposable aprons</th>' in body
    assert "CPV 33141000-0 — Disposable non-chemical medical consumables" in body
    assert "<td>500</td> <td>kilogram</td>" in body
    assert "<dt>Bid opening</dt>" in body
    assert "Next deadline</dt><dd>Bids close:" in body
    assert "Are powder-free gloves required?" in body
    assert "Yes, powder-free only." in body
    assert "Which apron sizes?" not in body  # not answered yet
    deadline = date_format(localtime(amendment.deadline_after), "DATETIME_FORMAT")
    assert f"Material change — deadline extended to {deadline}" in body
    assert "Aprons added to the description." in body
    assert "Changed: Description" in body
    assert "Draft — not published" not in body


def test_the_tender_page_lists_the_current_documents_with_their_digests(
    world: World, portal: Portal, settings: Any, tmp_path: Path
) -> None:
    # given: files stored in a temporary folder, no malware scanner configured
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    settings.DOCUMENTS = {**settings.DOCUMENTS, "clamd_address": "", "scanner": ""}
    first = document_upload(
        actor=world.officer,
        organisation=world.buyer,
        owner_type="tender",
        owner_id=portal.gloves.pk,
        title="Specification",
        document_type=DocumentType.TECHNICAL_SPECIFICATIONS,
        file=named(PDF, "specification.pdf"),
    )
    second = document_upload(
        actor=world.officer,
        organisation=world.buyer,
        owner_type="tender",
        owner_id=portal.gloves.pk,
        title="Specification",
        document_type=DocumentType.TECHNICAL_SPECIFICATIONS,
        file=named(PDF + b"% revised\n", "specification.pdf"),
        replaces=first,
    )
    # when
    body = text(world.client(None).get(f"/tenders/{portal.gloves.ocid}/"))
    # then
    assert f'<a href="{second.get_absolute_url()}">Specification</a>' in body
    assert f'<code class="hash">{second.sha256}</code>' in body
    assert "<td>Technical specifications</td> <td>2</td>" in body
    assert first.sha256 not in body


def test_a_cancelled_tender_shows_its_reason(world: World, portal: Portal) -> None:
    # when
    body = text(world.client(None).get(f"/tenders/{portal.cancelled.ocid}/"))
    # then
    assert '<h2 id="cancelled-title">This tender was cancelled</h2>' in body
    assert "<strong>Reason:</strong> The budget was withdrawn." in body
    assert "<dt>Status</dt><dd><strong>Cancelled</strong></dd>" in body
    assert "Ask a question" not in body


def test_an_unsuccessful_tender_shows_its_reason(world: World, portal: Portal, frozen_clock: clock.Clock) -> None:
    # given
    frozen_clock.advance(7 * DAY)
    services.tender_mark_unsuccessful(actor=world.officer, tender=portal.consultancy, reason="No valid bids arrived.")
    # when
    body = text(world.client(None).get(f"/tenders/{portal.consultancy.ocid}/"))
    # then
    assert "This tender was unsuccessful" in body
    assert "<strong>Reason:</strong> No valid bids arrived." in body


def test_a_hidden_value_is_not_shown_for_a_negotiated_tender(world: World, portal: Portal) -> None:
    # when
    body = text(world.client(None).get(f"/tenders/{portal.consultancy.ocid}/"))
    # then
    assert "<dt>Estimated value</dt><dd>Not disclosed</dd>" in body
    assert "500,000" not in body
    assert "500000" not in body
    assert "Extreme urgency after the floods." in body


def test_a_draft_is_a_404_for_the_public_and_marked_for_the_buyer(world: World, portal: Portal) -> None:
    # when
    public = world.client(None).get(f"/tenders/{portal.secret.ocid}/")
    buyer = world.client("officer").get(f"/tenders/{portal.secret.ocid}/")
    # then
    assert public.status_code == 404
    assert "<h1>Page not found</h1>" in public.content.decode()
    assert "Secret draft" not in public.content.decode()
    assert buyer.status_code == 200
    assert '<h2 id="draft-title">Draft — not published</h2>' in buyer.content.decode()


def test_an_unknown_ocid_is_a_404(world: World, portal: Portal) -> None:
    # when
    response = world.client(None).get("/tenders/ocds-prcdev-nothing/")
    # then
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in response.content.decode()


# --- Questions ---------------------------------------------------------------------------------
def test_a_bid_manager_asks_a_question_end_to_end(world: World, portal: Portal) -> None:
    # given
    client = world.client("bid_manager")
    url = f"/tenders/{portal.gloves.ocid}/questions/"
    # when
    form = client.get(url)
    sent = client.post(url, {"question": "  Is delivery to each hospital included?  "})
    followed = client.get(sent["Location"])
    own = client.get(url)
    # then
    assert form.status_code == 200
    assert '<textarea name="question"' in form.content.decode()
    assert 'name="supplier"' not in form.content.decode()  # one supplier: no choice to make
    assert sent.status_code == 302
    assert sent["Location"] == f"/tenders/{portal.gloves.ocid}/"
    asked = Clarification.objects.get(tender=portal.gloves)
    assert asked.question == "Is delivery to each hospital included?"
    assert asked.asker_organisation == world.supplier
    assert asked.asked_by == world.bid_manager
    assert asked.lot is None
    assert "Your question was sent. The answer will be published on this page." in text(followed)
    assert "Is delivery to each hospital included?" not in text(followed)  # not answered yet
    assert "Questions from Small Firm Ltd" in text(own)
    assert "Waiting for an answer" in text(own)
    # when the buyer answers
    services.clarification_answer(actor=world.officer, clarification=asked, answer="Yes, to all six.")
    answered = text(world.client(None).get(f"/tenders/{portal.gloves.ocid}/"))
    # then
    assert "Is delivery to each hospital included?" in answered
    assert "Yes, to all six." in answered


def test_a_question_may_concern_one_lot(world: World, frozen_clock: clock.Clock) -> None:
    # given
    tender = published(
        world.officer,
        world.buyer,
        lots=(LotDetails(title="Gloves", items=(item(),)), LotDetails(title="Aprons", items=(item(),))),
    )
    aprons = tender.lots.get(title="Aprons")
    client = world.client("bid_manager")
    # when
    response = client.post(f"/tenders/{tender.ocid}/questions/", {"question": "Sizes?", "lot": str(aprons.pk)})
    # then
    assert response.status_code == 302
    assert Clarification.objects.get(tender=tender).lot == aprons


def test_a_bid_manager_of_several_suppliers_chooses_one(world: World, portal: Portal) -> None:
    # given
    membership_grant(actor=None, user=world.bid_manager, organisation=world.other_supplier, role=Role.BID_MANAGER)
    client = world.client("bid_manager")
    url = f"/tenders/{portal.gloves.ocid}/questions/"
    # when
    form = client.get(url)
    unchosen = client.post(url, {"question": "Which sizes?"})
    chosen = client.post(url, {"question": "Which sizes?", "supplier": str(world.other_supplier.pk)})
    # then
    assert f'<option value="{world.other_supplier.pk}">Rival Firm Ltd</option>' in form.content.decode()
    assert unchosen.status_code == 200
    assert '<a href="#id_supplier">Choose the supplier you are asking for.</a>' in unchosen.content.decode()
    assert chosen.status_code == 302
    assert Clarification.objects.get(tender=portal.gloves).asker_organisation == world.other_supplier


def test_an_empty_question_names_the_field(world: World, portal: Portal) -> None:
    # when
    response = world.client("bid_manager").post(f"/tenders/{portal.gloves.ocid}/questions/", {"question": "  "})
    # then
    assert response.status_code == 200
    assert '<a href="#id_question">Write your question.</a>' in response.content.decode()
    assert not Clarification.objects.exists()


def test_questions_close_at_the_enquiry_deadline(world: World, portal: Portal, frozen_clock: clock.Clock) -> None:
    # given
    frozen_clock.advance(10 * DAY + dt.timedelta(seconds=1))
    client = world.client("bid_manager")
    url = f"/tenders/{portal.gloves.ocid}/questions/"
    # when
    page = client.get(url)
    refused = client.post(url, {"question": "Too late?"})
    # then
    assert page.status_code == 200
    assert "Questions are closed" in text(page)
    assert "<textarea" not in page.content.decode()
    assert "Ask a question" not in text(client.get(f"/tenders/{portal.gloves.ocid}/"))
    assert refused.status_code == 200
    assert '<a href="#id_question">The deadline for questions has passed.</a>' in refused.content.decode()
    assert not Clarification.objects.exists()


def test_people_who_may_not_ask_get_the_reason(world: World, portal: Portal) -> None:
    # when
    response = world.client("viewer").get(f"/tenders/{portal.gloves.ocid}/questions/")
    # then
    assert response.status_code == 403
    assert "Only a bid manager of a registered supplier can ask questions about a tender." in text(response)


def test_anonymous_people_are_sent_to_sign_in_before_asking(world: World, portal: Portal) -> None:
    # when
    response = world.client(None).get(f"/tenders/{portal.gloves.ocid}/questions/")
    # then
    assert response.status_code == 302
    assert response["Location"] == f"/account/sign-in/?next=/tenders/{portal.gloves.ocid}/questions/"


@pytest.mark.parametrize("person", [None, "other_bid_manager", "officer"])
def test_the_asker_is_never_revealed(world: World, portal: Portal, person: str | None) -> None:
    # given: Small Firm Ltd asks two questions; one is answered
    answered = services.clarification_ask(
        actor=world.bid_manager, tender=portal.gloves, supplier=world.supplier, question="Is latex allowed?"
    )
    services.clarification_answer(actor=world.officer, clarification=answered, answer="No latex.")
    services.clarification_ask(
        actor=world.bid_manager, tender=portal.gloves, supplier=world.supplier, question="Pallets or boxes?"
    )
    client = world.client(person)
    # when
    pages = [
        client.get(f"/tenders/{portal.gloves.ocid}/"),
        client.get("/tenders/"),
        client.get("/tenders/?q=latex"),
        client.get("/tenders/feed.atom"),
    ]
    csv_body = b"".join(client.get("/tenders/export.csv").streaming_content).decode()
    if person == "other_bid_manager":
        pages.append(client.get(f"/tenders/{portal.gloves.ocid}/questions/"))
    # then
    assert "Is latex allowed?" in pages[0].content.decode()
    for response in pages:
        assert response.status_code == 200
        body = response.content.decode()
        assert "Small Firm Ltd" not in body
        assert world.bid_manager.email not in body
        assert "Pallets or boxes?" not in body
    assert "Small Firm Ltd" not in csv_body
    assert world.bid_manager.email not in csv_body
