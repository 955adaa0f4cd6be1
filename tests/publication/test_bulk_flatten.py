"""The table flattening: a compiled release with every kind of row gives the rows written by hand."""

from __future__ import annotations

import datetime as dt
from typing import Any

from procura.publication import bulk

UTC = dt.UTC
OCID = "ocds-prcdev-T0001"


def full_compiled_release() -> dict[str, Any]:
    """A process with planning, a tender in two lots, bids, two awards, a contract with
    milestones and payments: every table gets rows."""
    return {
        "ocid": OCID,
        "id": f"{OCID}-2026-06-01T10:00:00Z",
        "date": "2026-06-01T10:00:00Z",
        "tag": ["compiled"],
        "initiationType": "tender",
        "buyer": {"id": "GB-COH-B1", "name": "Ministry of Tests"},
        "planning": {
            "rationale": "Old laptops fail",
            "budget": {"amount": {"amount": 120000, "currency": "GBP"}},
            "milestones": [{"id": "p1", "title": "Approval", "type": "approval", "dueDate": "2026-01-15T00:00:00Z"}],
        },
        "parties": [
            {
                "id": "GB-COH-B1",
                "name": "Ministry of Tests",
                "roles": ["buyer", "procuringEntity"],
                "identifier": {"scheme": "GB-COH", "id": "B1", "legalName": "Ministry of Tests Ltd"},
                "address": {
                    "streetAddress": "1 High Street",
                    "locality": "London",
                    "postalCode": "SW1A 1AA",
                    "countryName": "United Kingdom",
                },
                "contactPoint": {"name": "Procurement office", "email": "buy@tests.example"},
            },
            {
                "id": "GB-COH-S1",
                "name": "Laptops & Co",
                "roles": ["tenderer", "supplier", "payee"],
                "identifier": {"scheme": "GB-COH", "id": "S1"},
                "details": {"scale": "sme"},
            },
        ],
        "tender": {
            "id": "T0001",
            "title": "Laptops",
            "description": "Laptops for staff",
            "status": "complete",
            "procuringEntity": {"id": "GB-COH-B1", "name": "Ministry of Tests"},
            "procurementMethod": "open",
            "procurementMethodDetails": "Open procedure",
            "mainProcurementCategory": "goods",
            "awardCriteria": "ratedCriteria",
            "value": {"amount": 100000.5, "currency": "GBP"},
            "tenderPeriod": {"startDate": "2026-03-02T09:00:00Z", "endDate": "2026-04-01T12:00:00+01:00"},
            "enquiryPeriod": {"endDate": "2026-03-20T12:00:00Z"},
            "bidOpening": {"date": "2026-04-01T11:30:00Z"},
            "numberOfTenderers": 2,
            "lots": [
                {
                    "id": "lot-1",
                    "title": "Office laptops",
                    "status": "complete",
                    "value": {"amount": 60000, "currency": "GBP"},
                    "contractPeriod": {"startDate": "2026-07-01T00:00:00Z", "endDate": "2027-06-30T00:00:00Z"},
                },
                {"id": "lot-2", "title": "Rugged laptops", "status": "unsuccessful"},
            ],
            "items": [
                {
                    "id": "i1",
                    "description": "14-inch laptop",
                    "classification": {"scheme": "CPV", "id": "30213100", "description": "Portable computers"},
                    "quantity": 50,
                    "unit": {"name": "unit", "value": {"amount": 1200, "currency": "GBP"}},
                    "relatedLot": "lot-1",
                }
            ],
            "milestones": [{"id": "t1", "title": "Site visit", "status": "met", "dateMet": "2026-03-10T10:00:00Z"}],
        },
        "bids": {
            "details": [
                {
                    "id": "bid-1",
                    "date": "2026-03-30T08:00:00Z",
                    "status": "valid",
                    "tenderers": [{"id": "GB-COH-S1", "name": "Laptops & Co"}],
                    "value": {"amount": 58000, "currency": "GBP"},
                    "relatedLots": ["lot-1"],
                },
                {
                    "id": "bid-2",
                    "status": "disqualified",
                    "tenderers": [{"id": "GB-COH-S2", "name": "A"}, {"id": "GB-COH-S3", "name": "B"}],
                    "relatedLots": ["lot-1", "lot-2"],
                },
            ]
        },
        "awards": [
            {
                "id": "award-1",
                "title": "Office laptops to Laptops & Co",
                "status": "active",
                "date": "2026-05-01T09:00:00Z",
                "value": {"amount": 58000, "currency": "GBP"},
                "suppliers": [{"id": "GB-COH-S1", "name": "Laptops & Co"}],
                "relatedLots": ["lot-1"],
                "relatedBid": "bid-1",
                "items": [{"id": "ai1", "description": "14-inch laptop", "quantity": 48}],
            },
            {"id": "award-2", "status": "unsuccessful", "relatedLots": ["lot-2"]},
        ],
        "contracts": [
            {
                "id": "contract-1",
                "awardID": "award-1",
                "title": "Laptop supply",
                "status": "active",
                "value": {"amount": 58000, "currency": "GBP"},
                "dateSigned": "2026-05-20T14:00:00Z",
                "period": {"startDate": "2026-07-01T00:00:00Z", "endDate": "2027-06-30T00:00:00Z"},
                "items": [{"id": "ci1", "description": "14-inch laptop", "quantity": 48, "relatedLot": "lot-1"}],
                "milestones": [{"id": "c1", "title": "Kick-off", "status": "scheduled"}],
                "implementation": {
                    "milestones": [
                        {
                            "id": "m1",
                            "title": "First delivery",
                            "type": "delivery",
                            "status": "met",
                            "dueDate": "2026-08-01T00:00:00Z",
                            "dateMet": "2026-07-28T15:30:00Z",
                            "dateModified": "2026-07-28T16:00:00Z",
                        }
                    ],
                    "transactions": [
                        {
                            "id": "pay-1",
                            "source": "https://spend.example/pay-1",
                            "date": "2026-08-15T00:00:00Z",
                            "value": {"amount": 29000.25, "currency": "GBP"},
                            "payer": {"id": "GB-COH-B1", "name": "Ministry of Tests"},
                            "payee": {"id": "GB-COH-S1", "name": "Laptops & Co"},
                            "uri": "https://spend.example/pay-1.json",
                        },
                        {"id": "pay-0", "amount": {"amount": 10, "currency": "GBP"}},
                    ],
                },
            }
        ],
    }


def at(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=UTC)


def rows_as_dicts(name: str, rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    header = bulk.TABLES_BY_NAME[name].header
    return [dict(zip(header, row, strict=True)) for row in rows]


def test_every_table_gets_the_expected_rows() -> None:
    # given
    release = full_compiled_release()
    # when
    tables = bulk.flatten(release)
    # then
    assert set(tables) == set(bulk.TABLE_NAMES)
    assert rows_as_dicts("processes", tables["processes"]) == [
        {
            "ocid": OCID,
            "release_id": f"{OCID}-2026-06-01T10:00:00Z",
            "last_changed": at(2026, 6, 1, 10),
            "initiation_type": "tender",
            "buyer_id": "GB-COH-B1",
            "buyer_name": "Ministry of Tests",
            "procuring_entity_id": "GB-COH-B1",
            "procuring_entity_name": "Ministry of Tests",
            "budget_amount": 120000,
            "budget_currency": "GBP",
            "planning_rationale": "Old laptops fail",
            "tender_id": "T0001",
            "title": "Laptops",
            "description": "Laptops for staff",
            "status": "complete",
            "procurement_method": "open",
            "procurement_method_details": "Open procedure",
            "main_procurement_category": "goods",
            "award_criteria": "ratedCriteria",
            "value_amount": 100000.5,
            "value_currency": "GBP",
            "tender_start": at(2026, 3, 2, 9),
            "tender_end": at(2026, 4, 1, 11),  # 12:00 at +01:00, in UTC
            "enquiry_end": at(2026, 3, 20, 12),
            "bid_opening": at(2026, 4, 1, 11, 30),
            "number_of_tenderers": 2,
        }
    ]
    assert tables["lots"] == [
        (OCID, "lot-1", "Office laptops", None, "complete", 60000, "GBP", at(2026, 7, 1), at(2027, 6, 30)),
        (OCID, "lot-2", "Rugged laptops", None, "unsuccessful", None, None, None, None),
    ]
    assert tables["items"] == [
        (
            OCID,
            "tender",
            None,
            None,
            "i1",
            "14-inch laptop",
            "CPV",
            "30213100",
            "Portable computers",
            50,
            "unit",
            1200,
            "GBP",
            "lot-1",
        ),
        (OCID, "award", "award-1", None, "ai1", "14-inch laptop", None, None, None, 48, None, None, None, None),
        (
            OCID,
            "contract",
            None,
            "contract-1",
            "ci1",
            "14-inch laptop",
            None,
            None,
            None,
            48,
            None,
            None,
            None,
            "lot-1",
        ),
    ]
    assert tables["parties"] == [
        (
            OCID, "GB-COH-B1", "Ministry of Tests", "buyer; procuringEntity", "GB-COH", "B1",
            "Ministry of Tests Ltd", None, "1 High Street", "London", None, "SW1A 1AA", "United Kingdom",
            "Procurement office", "buy@tests.example", None,
        ),
        (
            OCID, "GB-COH-S1", "Laptops & Co", "tenderer; supplier; payee", "GB-COH", "S1", None, "sme",
            None, None, None, None, None, None, None, None,
        ),
    ]  # fmt: skip
    assert tables["bids"] == [
        (OCID, "bid-1", at(2026, 3, 30, 8), "valid", "GB-COH-S1", "Laptops & Co", 58000, "GBP", "lot-1"),
        (OCID, "bid-2", None, "disqualified", "GB-COH-S2; GB-COH-S3", "A; B", None, None, "lot-1; lot-2"),
    ]
    assert tables["awards"] == [
        (
            OCID, "award-1", "Office laptops to Laptops & Co", None, "active", at(2026, 5, 1, 9), 58000, "GBP",
            "GB-COH-S1", "Laptops & Co", "lot-1", "bid-1", None, None,
        ),
        (OCID, "award-2", None, None, "unsuccessful", None, None, None, None, None, "lot-2", None, None, None),
    ]  # fmt: skip
    assert tables["contracts"] == [
        (
            OCID, "contract-1", "award-1", "Laptop supply", None, "active", "GB-COH-S1", "Laptops & Co", 58000, "GBP",
            at(2026, 5, 20, 14), at(2026, 7, 1), at(2027, 6, 30),
        )
    ]  # fmt: skip
    assert tables["milestones"] == [
        (OCID, "planning", None, "p1", "Approval", "approval", None, None, at(2026, 1, 15), None, None),
        (OCID, "tender", None, "t1", "Site visit", None, None, "met", None, at(2026, 3, 10, 10), None),
        (OCID, "contract", "contract-1", "c1", "Kick-off", None, None, "scheduled", None, None, None),
        (
            OCID, "implementation", "contract-1", "m1", "First delivery", "delivery", None, "met",
            at(2026, 8, 1), at(2026, 7, 28, 15, 30), at(2026, 7, 28, 16),
        ),
    ]  # fmt: skip
    assert tables["transactions"] == [
        (
            OCID, "contract-1", "pay-1", "https://spend.example/pay-1", at(2026, 8, 15), 29000.25, "GBP",
            "GB-COH-B1", "Ministry of Tests", "GB-COH-S1", "Laptops & Co", "https://spend.example/pay-1.json",
        ),
        (OCID, "contract-1", "pay-0", None, None, 10, "GBP", None, None, None, None, None),
    ]  # fmt: skip


def test_a_tender_only_release_gives_one_process_row_and_no_empty_rows() -> None:
    release = {"ocid": OCID, "id": "x", "date": "2026-01-01T00:00:00Z", "tag": ["compiled"], "tender": {"id": "T"}}
    tables = bulk.flatten(release)
    assert len(tables["processes"]) == 1
    assert all(tables[name] == [] for name in bulk.TABLE_NAMES if name != "processes")


def test_malformed_values_become_empty_cells_instead_of_errors() -> None:
    # given: shapes real data has (strings for numbers, bad dates, objects where text belongs)
    release = {
        "ocid": OCID,
        "date": "yesterday",
        "tender": {
            "value": {"amount": "1500.5", "currency": "EUR"},
            "numberOfTenderers": "three",
            "title": {"en": "x"},
        },
        "awards": "not a list",
        "contracts": [None, {"id": 7, "value": {"amount": True}}],
    }
    tables = bulk.flatten(release)
    process = rows_as_dicts("processes", tables["processes"])[0]
    assert process["last_changed"] is None
    assert process["value_amount"] == 1500.5
    assert process["number_of_tenderers"] is None
    assert process["title"] is None
    assert tables["awards"] == []
    assert [row[1] for row in tables["contracts"]] == ["7"]
    assert rows_as_dicts("contracts", tables["contracts"])[0]["value_amount"] is None


def test_csv_cells_are_iso_dates_in_utc_and_plain_numbers() -> None:
    assert (
        bulk.csv_cell(dt.datetime(2026, 4, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=1)))) == "2026-04-01T11:00:00Z"
    )
    assert bulk.csv_cell(58000.0) == "58000"
    assert bulk.csv_cell(29000.25) == "29000.25"
    assert bulk.csv_cell(None) == ""
    assert bulk.csv_cell(7) == "7"


def test_every_column_is_documented_and_every_table_links_to_the_process() -> None:
    for table in bulk.TABLES:
        assert table.columns[0].name == "ocid"
        assert len(set(table.header)) == len(table.header)
        assert all(str(column.description) for column in table.columns)
