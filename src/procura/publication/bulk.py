"""Bulk open data: the flattening of compiled releases into tables, and the files built from them.

Three families of files, all from the outbox and written atomically (a temporary file renamed into
place, so a download never sees half a file):

- release packages per month (`releases-2026-03.json.gz`), by release date;
- compiled releases as JSON lines per year (`compiled-2026.jsonl.gz`), by the year of the
  process's latest release, with the same year's tables as CSV (`tables-2026.csv.zip`) and as
  Parquet (`awards-2026.parquet`, one file per table, readable over HTTP by DuckDB or Spark).

`bulk_refresh` rebuilds only the periods whose data changed since their files were built, by
comparing a signature of the period's rows (see `BulkFile`). `export_dataset` writes the whole
dataset to a folder at once for `procura ocds export`.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import gzip
import hashlib
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Max, OrderBy, Sum
from django.db.models.functions import Collate, TruncMonth, TruncYear
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from procura.core import clock
from procura.publication import packages
from procura.publication.models import BulkFile, Record, Release

Json = Mapping[str, Any]
Cell = str | int | float | dt.datetime | None
Row = tuple[Cell, ...]
ColumnType = Literal["string", "number", "integer", "datetime"]

# --- tables -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    description: str | Promise


@dataclass(frozen=True)
class Table:
    name: str
    description: str | Promise
    columns: tuple[Column, ...]

    @property
    def header(self) -> list[str]:
        return [column.name for column in self.columns]


def _c(name: str, type_: ColumnType, description: str | Promise) -> Column:
    return Column(name, type_, description)


OCID = _c("ocid", "string", _("Open contracting id of the process: links every table to processes."))

TABLES: tuple[Table, ...] = (
    Table(
        "processes",
        _("One row per contracting process: the tender and its buyer, as of the latest release."),
        (
            OCID,
            _c("release_id", "string", _("Id of the compiled release this row comes from.")),
            _c("last_changed", "datetime", _("Date of the latest release about the process.")),
            _c("initiation_type", "string", _("How the process started (tender).")),
            _c("buyer_id", "string", _("Party id of the buyer (see parties).")),
            _c("buyer_name", "string", _("Name of the buyer.")),
            _c("procuring_entity_id", "string", _("Party id of the procuring entity, when not the buyer.")),
            _c("procuring_entity_name", "string", _("Name of the procuring entity.")),
            _c("budget_amount", "number", _("Planned budget.")),
            _c("budget_currency", "string", _("Currency of the budget (ISO 4217).")),
            _c("planning_rationale", "string", _("Why the purchase is needed.")),
            _c("tender_id", "string", _("Id of the tender.")),
            _c("title", "string", _("Title of the tender.")),
            _c("description", "string", _("Description of the tender.")),
            _c("status", "string", _("Tender status (planning, active, complete, cancelled, unsuccessful…).")),
            _c("procurement_method", "string", _("open, selective, limited or direct.")),
            _c("procurement_method_details", "string", _("The procedure by its local name.")),
            _c("main_procurement_category", "string", _("goods, works or services.")),
            _c("award_criteria", "string", _("How bids are compared.")),
            _c("value_amount", "number", _("Estimated value of the tender, when published.")),
            _c("value_currency", "string", _("Currency of the estimated value (ISO 4217).")),
            _c("tender_start", "datetime", _("Start of the period for bids.")),
            _c("tender_end", "datetime", _("Deadline for bids.")),
            _c("enquiry_end", "datetime", _("Deadline for questions.")),
            _c("bid_opening", "datetime", _("When bids are opened.")),
            _c("number_of_tenderers", "integer", _("How many suppliers bid.")),
        ),
    ),
    Table(
        "lots",
        _("One row per lot of a tender."),
        (
            OCID,
            _c("lot_id", "string", _("Id of the lot within the process.")),
            _c("title", "string", _("Title of the lot.")),
            _c("description", "string", _("Description of the lot.")),
            _c("status", "string", _("Status of the lot.")),
            _c("value_amount", "number", _("Estimated value of the lot.")),
            _c("value_currency", "string", _("Currency of the estimated value (ISO 4217).")),
            _c("contract_start", "datetime", _("Expected start of the contract.")),
            _c("contract_end", "datetime", _("Expected end of the contract.")),
        ),
    ),
    Table(
        "items",
        _("One row per item to buy, in the tender, an award or a contract."),
        (
            OCID,
            _c("section", "string", _("Where the item is listed: tender, award or contract.")),
            _c("award_id", "string", _("Id of the award listing the item (see awards).")),
            _c("contract_id", "string", _("Id of the contract listing the item (see contracts).")),
            _c("item_id", "string", _("Id of the item.")),
            _c("description", "string", _("What is bought.")),
            _c("classification_scheme", "string", _("Classification scheme, for example CPV.")),
            _c("classification_id", "string", _("Code in the classification scheme.")),
            _c("classification_description", "string", _("Meaning of the code.")),
            _c("quantity", "number", _("How many units.")),
            _c("unit_name", "string", _("Unit of measure.")),
            _c("unit_price_amount", "number", _("Price of one unit.")),
            _c("unit_price_currency", "string", _("Currency of the unit price (ISO 4217).")),
            _c("lot_id", "string", _("Lot the item belongs to (see lots).")),
        ),
    ),
    Table(
        "parties",
        _("One row per organisation taking part in a process, with its roles."),
        (
            OCID,
            _c("party_id", "string", _("Id of the party within the process.")),
            _c("name", "string", _("Name of the organisation.")),
            _c(
                "roles",
                "string",
                _("Roles in the process (buyer, supplier, tenderer…), separated by semicolons."),
            ),
            _c("identifier_scheme", "string", _("Register the organisation is identified in (org-id.guide scheme).")),
            _c("identifier_id", "string", _("Id of the organisation in that register.")),
            _c("legal_name", "string", _("Legal name in the register.")),
            _c("scale", "string", _("Size of the organisation: micro, sme or large.")),
            _c("street_address", "string", _("Street address.")),
            _c("locality", "string", _("Town or city.")),
            _c("region", "string", _("Region.")),
            _c("postal_code", "string", _("Postal code.")),
            _c("country_name", "string", _("Country.")),
            _c("contact_name", "string", _("Contact point: a role or office.")),
            _c("contact_email", "string", _("Contact e-mail address.")),
            _c("contact_telephone", "string", _("Contact telephone.")),
        ),
    ),
    Table(
        "bids",
        _("One row per bid, published once bids are opened."),
        (
            OCID,
            _c("bid_id", "string", _("Id of the bid.")),
            _c("date", "datetime", _("When the bid was submitted.")),
            _c("status", "string", _("Status of the bid (valid, disqualified, pending, withdrawn).")),
            _c("tenderer_ids", "string", _("Party ids of the bidders, separated by semicolons.")),
            _c("tenderer_names", "string", _("Names of the bidders, separated by semicolons.")),
            _c("value_amount", "number", _("Price offered.")),
            _c("value_currency", "string", _("Currency of the price (ISO 4217).")),
            _c("lot_ids", "string", _("Lots the bid is for, separated by semicolons.")),
        ),
    ),
    Table(
        "awards",
        _("One row per award decision."),
        (
            OCID,
            _c("award_id", "string", _("Id of the award.")),
            _c("title", "string", _("Title of the award.")),
            _c("description", "string", _("Description of the award.")),
            _c("status", "string", _("Status of the award (pending, active, cancelled, unsuccessful).")),
            _c("date", "datetime", _("Date of the award decision.")),
            _c("value_amount", "number", _("Value awarded.")),
            _c("value_currency", "string", _("Currency of the value (ISO 4217).")),
            _c("supplier_ids", "string", _("Party ids of the suppliers, separated by semicolons.")),
            _c("supplier_names", "string", _("Names of the suppliers, separated by semicolons.")),
            _c("lot_ids", "string", _("Lots awarded, separated by semicolons.")),
            _c("bid_id", "string", _("The winning bid (see bids).")),
            _c("contract_start", "datetime", _("Expected start of the contract.")),
            _c("contract_end", "datetime", _("Expected end of the contract.")),
        ),
    ),
    Table(
        "contracts",
        _("One row per signed or planned contract."),
        (
            OCID,
            _c("contract_id", "string", _("Id of the contract.")),
            _c("award_id", "string", _("The award the contract follows (see awards).")),
            _c("title", "string", _("Title of the contract.")),
            _c("description", "string", _("Description of the contract.")),
            _c("status", "string", _("Status of the contract (pending, active, cancelled, terminated).")),
            _c("supplier_ids", "string", _("Party ids of the award's suppliers, separated by semicolons.")),
            _c("supplier_names", "string", _("Names of the award's suppliers, separated by semicolons.")),
            _c("value_amount", "number", _("Value of the contract.")),
            _c("value_currency", "string", _("Currency of the value (ISO 4217).")),
            _c("date_signed", "datetime", _("When the contract was signed.")),
            _c("start", "datetime", _("Start of the contract.")),
            _c("end", "datetime", _("End of the contract.")),
        ),
    ),
    Table(
        "milestones",
        _("One row per milestone: planning, tender, contract or contract implementation (deliveries, payments due)."),
        (
            OCID,
            _c("section", "string", _("Where the milestone is listed: planning, tender, contract or implementation.")),
            _c("contract_id", "string", _("Id of the contract, for contract and implementation milestones.")),
            _c("milestone_id", "string", _("Id of the milestone.")),
            _c("title", "string", _("Title of the milestone.")),
            _c("type", "string", _("Kind of milestone (delivery, payment, reporting…).")),
            _c("description", "string", _("Description of the milestone.")),
            _c("status", "string", _("scheduled, met, notMet or partiallyMet.")),
            _c("due_date", "datetime", _("When the milestone is due.")),
            _c("date_met", "datetime", _("When the milestone was met.")),
            _c("date_modified", "datetime", _("When the milestone's status last changed.")),
        ),
    ),
    Table(
        "transactions",
        _("One row per payment made under a contract."),
        (
            OCID,
            _c("contract_id", "string", _("Id of the contract paid (see contracts).")),
            _c("transaction_id", "string", _("Id of the payment.")),
            _c("source", "string", _("Where the payment data comes from, as a link.")),
            _c("date", "datetime", _("Date of the payment.")),
            _c("value_amount", "number", _("Amount paid.")),
            _c("value_currency", "string", _("Currency of the payment (ISO 4217).")),
            _c("payer_id", "string", _("Party id of the payer.")),
            _c("payer_name", "string", _("Name of the payer.")),
            _c("payee_id", "string", _("Party id of the payee.")),
            _c("payee_name", "string", _("Name of the payee.")),
            _c("uri", "string", _("Link to the payment in the spending system.")),
        ),
    ),
)
TABLE_NAMES: tuple[str, ...] = tuple(table.name for table in TABLES)
TABLES_BY_NAME: dict[str, Table] = {table.name: table for table in TABLES}

# --- flattening -------------------------------------------------------------------------------


def _obj(value: Any) -> Json:
    return value if isinstance(value, dict) else {}


def _objs(value: Any) -> list[Json]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _text(value: Any) -> str | None:
    if type(value) is str:  # the common case first: this runs for every cell
        return value
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _joined(values: Iterable[Any]) -> str | None:
    texts = [text for text in (_text(value) for value in values) if text]
    return "; ".join(texts) if texts else None


def _number(value: Any) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return float(value)
    return None


def _integer(value: Any) -> int | None:
    number = _number(value)
    if number is None or (isinstance(number, float) and not number.is_integer()):
        return None
    return int(number)


def _date(value: Any) -> dt.datetime | None:
    """An OCDS date-time as an aware UTC datetime; a bare date counts as midnight UTC."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def _money(value: Any) -> tuple[int | float | None, str | None]:
    money = _obj(value)
    return _number(money.get("amount")), _text(money.get("currency"))


def _names(references: Any) -> tuple[str | None, str | None]:
    refs = _objs(references)
    return _joined(ref.get("id") for ref in refs), _joined(ref.get("name") for ref in refs)


def _process_row(release: Json) -> Row:
    buyer = _obj(release.get("buyer"))
    planning = _obj(release.get("planning"))
    tender = _obj(release.get("tender"))
    entity = _obj(tender.get("procuringEntity"))
    budget_amount, budget_currency = _money(_obj(planning.get("budget")).get("amount"))
    value_amount, value_currency = _money(tender.get("value"))
    return (
        _text(release.get("ocid")),
        _text(release.get("id")),
        _date(release.get("date")),
        _text(release.get("initiationType")),
        _text(buyer.get("id")),
        _text(buyer.get("name")),
        _text(entity.get("id")),
        _text(entity.get("name")),
        budget_amount,
        budget_currency,
        _text(planning.get("rationale")),
        _text(tender.get("id")),
        _text(tender.get("title")),
        _text(tender.get("description")),
        _text(tender.get("status")),
        _text(tender.get("procurementMethod")),
        _text(tender.get("procurementMethodDetails")),
        _text(tender.get("mainProcurementCategory")),
        _text(tender.get("awardCriteria")),
        value_amount,
        value_currency,
        _date(_obj(tender.get("tenderPeriod")).get("startDate")),
        _date(_obj(tender.get("tenderPeriod")).get("endDate")),
        _date(_obj(tender.get("enquiryPeriod")).get("endDate")),
        _date(_obj(tender.get("bidOpening")).get("date")),
        _integer(tender.get("numberOfTenderers")),
    )


def _lot_rows(ocid: str | None, release: Json) -> list[Row]:
    rows: list[Row] = []
    for lot in _objs(_obj(release.get("tender")).get("lots")):
        amount, currency = _money(lot.get("value"))
        period = _obj(lot.get("contractPeriod"))
        rows.append(
            (
                ocid,
                _text(lot.get("id")),
                _text(lot.get("title")),
                _text(lot.get("description")),
                _text(lot.get("status")),
                amount,
                currency,
                _date(period.get("startDate")),
                _date(period.get("endDate")),
            )
        )
    return rows


def _item_rows(ocid: str | None, items: Any, section: str, award_id: str | None, contract_id: str | None) -> list[Row]:
    rows: list[Row] = []
    for item in _objs(items):
        classification = _obj(item.get("classification"))
        unit = _obj(item.get("unit"))
        amount, currency = _money(unit.get("value"))
        rows.append(
            (
                ocid,
                section,
                award_id,
                contract_id,
                _text(item.get("id")),
                _text(item.get("description")),
                _text(classification.get("scheme")),
                _text(classification.get("id")),
                _text(classification.get("description")),
                _number(item.get("quantity")),
                _text(unit.get("name")),
                amount,
                currency,
                _text(item.get("relatedLot")),
            )
        )
    return rows


def _party_rows(ocid: str | None, release: Json) -> list[Row]:
    rows: list[Row] = []
    for party in _objs(release.get("parties")):
        identifier = _obj(party.get("identifier"))
        address = _obj(party.get("address"))
        contact = _obj(party.get("contactPoint"))
        roles = party.get("roles")
        rows.append(
            (
                ocid,
                _text(party.get("id")),
                _text(party.get("name")),
                _joined(roles) if isinstance(roles, list) else None,
                _text(identifier.get("scheme")),
                _text(identifier.get("id")),
                _text(identifier.get("legalName")),
                _text(_obj(party.get("details")).get("scale")),
                _text(address.get("streetAddress")),
                _text(address.get("locality")),
                _text(address.get("region")),
                _text(address.get("postalCode")),
                _text(address.get("countryName")),
                _text(contact.get("name")),
                _text(contact.get("email")),
                _text(contact.get("telephone")),
            )
        )
    return rows


def _bid_rows(ocid: str | None, release: Json) -> list[Row]:
    rows: list[Row] = []
    for bid in _objs(_obj(release.get("bids")).get("details")):
        ids, names = _names(bid.get("tenderers"))
        amount, currency = _money(bid.get("value"))
        lots = bid.get("relatedLots")
        rows.append(
            (
                ocid,
                _text(bid.get("id")),
                _date(bid.get("date")),
                _text(bid.get("status")),
                ids,
                names,
                amount,
                currency,
                _joined(lots) if isinstance(lots, list) else None,
            )
        )
    return rows


def _award_rows(ocid: str | None, awards: list[Json]) -> list[Row]:
    rows: list[Row] = []
    for award in awards:
        ids, names = _names(award.get("suppliers"))
        amount, currency = _money(award.get("value"))
        period = _obj(award.get("contractPeriod"))
        lots = award.get("relatedLots")
        rows.append(
            (
                ocid,
                _text(award.get("id")),
                _text(award.get("title")),
                _text(award.get("description")),
                _text(award.get("status")),
                _date(award.get("date")),
                amount,
                currency,
                ids,
                names,
                _joined(lots) if isinstance(lots, list) else None,
                _text(award.get("relatedBid")),
                _date(period.get("startDate")),
                _date(period.get("endDate")),
            )
        )
    return rows


def _contract_row(ocid: str | None, contract: Json, awards_by_id: Mapping[str, Json]) -> Row:
    award_id = _text(contract.get("awardID"))
    ids, names = _names(awards_by_id.get(award_id or "", {}).get("suppliers"))
    amount, currency = _money(contract.get("value"))
    period = _obj(contract.get("period"))
    return (
        ocid,
        _text(contract.get("id")),
        award_id,
        _text(contract.get("title")),
        _text(contract.get("description")),
        _text(contract.get("status")),
        ids,
        names,
        amount,
        currency,
        _date(contract.get("dateSigned")),
        _date(period.get("startDate")),
        _date(period.get("endDate")),
    )


def _milestone_rows(ocid: str | None, milestones: Any, section: str, contract_id: str | None) -> list[Row]:
    return [
        (
            ocid,
            section,
            contract_id,
            _text(milestone.get("id")),
            _text(milestone.get("title")),
            _text(milestone.get("type")),
            _text(milestone.get("description")),
            _text(milestone.get("status")),
            _date(milestone.get("dueDate")),
            _date(milestone.get("dateMet")),
            _date(milestone.get("dateModified")),
        )
        for milestone in _objs(milestones)
    ]


def _transaction_rows(ocid: str | None, contract_id: str | None, transactions: Any) -> list[Row]:
    rows: list[Row] = []
    for payment in _objs(transactions):
        # `amount` is the deprecated (1.0) name of `value`, still found in imported data.
        amount, currency = _money(payment.get("value") or payment.get("amount"))
        payer = _obj(payment.get("payer"))
        payee = _obj(payment.get("payee"))
        rows.append(
            (
                ocid,
                contract_id,
                _text(payment.get("id")),
                _text(payment.get("source")),
                _date(payment.get("date")),
                amount,
                currency,
                _text(payer.get("id")),
                _text(payer.get("name")),
                _text(payee.get("id")),
                _text(payee.get("name")),
                _text(payment.get("uri")),
            )
        )
    return rows


def flatten(release: Json) -> dict[str, list[Row]]:
    """The rows a compiled release contributes to each table, in `TABLES` column order."""
    ocid = _text(release.get("ocid"))
    tender = _obj(release.get("tender"))
    awards = _objs(release.get("awards"))
    contracts = _objs(release.get("contracts"))
    awards_by_id = {str(award["id"]): award for award in awards if award.get("id") is not None}

    items = _item_rows(ocid, tender.get("items"), "tender", None, None)
    milestones = _milestone_rows(ocid, _obj(release.get("planning")).get("milestones"), "planning", None)
    milestones += _milestone_rows(ocid, tender.get("milestones"), "tender", None)
    for award in awards:
        items += _item_rows(ocid, award.get("items"), "award", _text(award.get("id")), None)
    contract_rows: list[Row] = []
    transactions: list[Row] = []
    for contract in contracts:
        contract_id = _text(contract.get("id"))
        implementation = _obj(contract.get("implementation"))
        contract_rows.append(_contract_row(ocid, contract, awards_by_id))
        items += _item_rows(ocid, contract.get("items"), "contract", None, contract_id)
        milestones += _milestone_rows(ocid, contract.get("milestones"), "contract", contract_id)
        milestones += _milestone_rows(ocid, implementation.get("milestones"), "implementation", contract_id)
        transactions += _transaction_rows(ocid, contract_id, implementation.get("transactions"))
    return {
        "processes": [_process_row(release)],
        "lots": _lot_rows(ocid, release),
        "items": items,
        "parties": _party_rows(ocid, release),
        "bids": _bid_rows(ocid, release),
        "awards": _award_rows(ocid, awards),
        "contracts": contract_rows,
        "milestones": milestones,
        "transactions": transactions,
    }


# --- table writers ----------------------------------------------------------------------------


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def csv_cell(value: Cell) -> str:
    """Spreadsheet-friendly text: ISO dates in UTC, whole amounts without a trailing `.0`."""
    if type(value) is str:  # the common case first: this runs for every cell
        return value
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return iso(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


_ARROW_TYPES: dict[ColumnType, pa.DataType] = {
    "string": pa.string(),
    "number": pa.float64(),
    "integer": pa.int64(),
    "datetime": pa.timestamp("us", tz="UTC"),
}


def arrow_schema(table: Table) -> pa.Schema:
    return pa.schema([pa.field(column.name, _ARROW_TYPES[column.type]) for column in table.columns])


class CsvTables:
    """One CSV file per table in `folder`, with a header row, filled row by row."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.paths = {table.name: folder / f"{table.name}.csv" for table in TABLES}
        self._files: dict[str, IO[str]] = {}
        self._writers: dict[str, Any] = {}
        for table in TABLES:
            handle = self.paths[table.name].open("w", newline="", encoding="utf-8")
            self._files[table.name] = handle
            self._writers[table.name] = csv.writer(handle)
            self._writers[table.name].writerow(table.header)

    def write(self, name: str, rows: Sequence[Row]) -> None:
        self._writers[name].writerows([csv_cell(cell) for cell in row] for row in rows)

    def close(self) -> None:
        for handle in self._files.values():
            handle.close()


class ParquetTables:
    """One Parquet file per table, typed by `arrow_schema`, written in row groups of `batch` rows
    so memory stays bounded whatever the number of processes."""

    def __init__(self, paths: Mapping[str, Path], batch: int = 10_000) -> None:
        self.paths = dict(paths)
        self._batch = batch
        self._pending: dict[str, list[Row]] = {name: [] for name in TABLE_NAMES}
        self._writers = {
            table.name: pq.ParquetWriter(str(self.paths[table.name]), arrow_schema(table), compression="zstd")
            for table in TABLES
        }

    def write(self, name: str, rows: Sequence[Row]) -> None:
        pending = self._pending[name]
        pending.extend(rows)
        if len(pending) >= self._batch:
            self._flush(name)

    def _flush(self, name: str) -> None:
        pending = self._pending[name]
        if not pending:
            return
        table = TABLES_BY_NAME[name]
        columns = list(zip(*pending, strict=True))
        batch = pa.table(
            {
                column.name: pa.array(values, type=_ARROW_TYPES[column.type])
                for column, values in zip(table.columns, columns, strict=True)
            },
            schema=arrow_schema(table),
        )
        self._writers[name].write_table(batch)
        pending.clear()

    def close(self) -> None:
        for name, writer in self._writers.items():
            self._flush(name)
            writer.close()


class TableSink:
    """Flattens compiled releases into CSV and Parquet at once, counting rows per table."""

    def __init__(self, csv_folder: Path, parquet_paths: Mapping[str, Path]) -> None:
        self.csv = CsvTables(csv_folder)
        self.parquet = ParquetTables(parquet_paths)
        self.counts = dict.fromkeys(TABLE_NAMES, 0)

    def add(self, compiled: Json) -> None:
        for name, rows in flatten(compiled).items():
            if rows:
                self.csv.write(name, rows)
                self.parquet.write(name, rows)
                self.counts[name] += len(rows)

    def close(self) -> None:
        self.csv.close()
        self.parquet.close()


# --- atomic files -----------------------------------------------------------------------------


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path beside `target`, renamed onto it when the block succeeds (removed when
    it fails): readers see the old file or the new one, never a part."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        with temporary.open("rb") as written:
            os.fsync(written.fileno())
        temporary.chmod(0o644)
        temporary.replace(target)
    finally:
        temporary.unlink(missing_ok=True)


@contextlib.contextmanager
def gzip_writer(path: Path) -> Iterator[gzip.GzipFile]:
    # mtime=0: the same content gives the same bytes (and sha256) whenever it is rebuilt.
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) as zipped:
        yield zipped


def digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def zip_folder(files: Iterable[Path], target: Path) -> None:
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            archive.write(path, arcname=path.name)


# --- reading the outbox -----------------------------------------------------------------------

CHUNK = 2000


def _bytes(value: bytes | memoryview) -> bytes:
    return bytes(value)


def release_bodies(**filters: Any) -> Iterator[bytes]:
    """Stored release bytes in date order, streamed from the database."""
    query = Release.objects.filter(**filters).order_by("date", "seq").values_list("body", flat=True)
    return (_bytes(body) for body in query.iterator(chunk_size=CHUNK))


def _by_ocid() -> OrderBy:
    """Ocid order as Python compares strings (code points): the "C" collation on PostgreSQL,
    whose default collation follows the locale; SQLite compares bytes already."""
    if connection.vendor == "postgresql":
        return Collate(F("ocid"), "C").asc()
    return F("ocid").asc()


def compiled_bodies(**filters: Any) -> Iterator[bytes]:
    """Stored compiled releases in ocid order, streamed from the database."""
    query = Record.objects.filter(**filters).order_by(_by_ocid()).values_list("compiled", flat=True)
    return (_bytes(body) for body in query.iterator(chunk_size=CHUNK) if body)


def record_bodies() -> Iterator[bytes]:
    """Every record (linked releases and compiled release) in ocid order, joining the ordered
    releases and records as two streams so that neither is held in memory."""
    releases = Release.objects.order_by(_by_ocid(), "seq").values_list("ocid", "release_id", "date", "tags")
    release_rows = iter(releases.iterator(chunk_size=CHUNK))
    pending = next(release_rows, None)
    records = Record.objects.order_by(_by_ocid()).values_list("ocid", "compiled")
    for ocid, compiled in records.iterator(chunk_size=CHUNK):
        if not compiled:
            continue
        linked: list[dict[str, Any]] = []
        while pending is not None and pending[0] < ocid:
            pending = next(release_rows, None)
        while pending is not None and pending[0] == ocid:
            linked.append(packages.linked_release(release_id=pending[1], date=pending[2], tags=pending[3].split()))
            pending = next(release_rows, None)
        yield packages.record_json(ocid=ocid, releases=linked, compiled=_bytes(compiled))


# --- periods and their signatures -------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """The rows one period's files are built from, summarised to detect any change."""

    key: str
    start: dt.datetime
    end: dt.datetime
    count: int
    last_seq: int
    seq_sum: int

    @property
    def signature(self) -> str:
        return f"{self.count}:{self.last_seq}:{self.seq_sum}"


def _month_end(start: dt.datetime) -> dt.datetime:
    return start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)


def _aware(value: dt.datetime | dt.date) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def release_months() -> list[Period]:
    """Per month of release date: how many releases, the highest seq and the sum of seqs. Releases
    are never changed or deleted, so a new one (even one committed late, with a lower seq) always
    changes the count."""
    rows = (
        Release.objects.annotate(month=TruncMonth("date", tzinfo=dt.UTC))
        .values("month")
        .annotate(count=Count("seq"), last=Max("seq"), total=Sum("seq"))
        .order_by("month")
    )
    periods = []
    for row in rows:
        start = _aware(row["month"])
        periods.append(
            Period(start.strftime("%Y-%m"), start, _month_end(start), row["count"], row["last"], row["total"])
        )
    return periods


def record_years() -> list[Period]:
    """Per year of the latest release date: how many records, the highest and the sum of their
    `last_seq`. A record's `last_seq` only grows, so an update, an arrival or a departure (to a
    later year) changes the sum or the count, even if a higher seq was seen before."""
    rows = (
        Record.objects.annotate(year=TruncYear("last_date", tzinfo=dt.UTC))
        .values("year")
        .annotate(count=Count("ocid"), last=Max("last_seq"), total=Sum("last_seq"))
        .order_by("year")
    )
    periods = []
    for row in rows:
        start = _aware(row["year"])
        end = start.replace(year=start.year + 1)
        periods.append(Period(start.strftime("%Y"), start, end, row["count"], row["last"], row["total"]))
    return periods


# --- bulk files -------------------------------------------------------------------------------


def bulk_dir() -> Path:
    configured = getattr(settings, "PROCURA_BULK_DIR", "")
    return Path(configured) if configured else Path(settings.MEDIA_ROOT) / "opendata"


def download_url(name: str) -> str:
    return f"{settings.BASE_URL}{packages.OPEN_DATA_PATH}files/{name}"


def release_file_name(month: str) -> str:
    return f"releases-{month}.json.gz"


def compiled_file_name(year: str) -> str:
    return f"compiled-{year}.jsonl.gz"


def csv_file_name(year: str) -> str:
    return f"tables-{year}.csv.zip"


def parquet_file_name(table: str, year: str) -> str:
    return f"{table}-{year}.parquet"


def _save(
    path: Path, *, kind: str, period: Period, generated_at: dt.datetime, rows: int, releases: int, table: str = ""
) -> BulkFile:
    values = {
        "kind": kind,
        "period": period.key,
        "table": table,
        "size": path.stat().st_size,
        "sha256": digest(path),
        "release_count": releases,
        "row_count": rows,
        "generated_at": generated_at,
        "last_seq": period.last_seq,
        "signature": period.signature,
    }
    bulk_file, _created = BulkFile.objects.update_or_create(name=path.name, defaults=values)
    return bulk_file


def build_release_month(period: Period, folder: Path) -> BulkFile:
    """The release package of one month: every release dated in it, oldest first."""
    target = folder / release_file_name(period.key)
    published = clock.now()
    count = 0

    def counted(bodies: Iterable[bytes]) -> Iterator[bytes]:
        nonlocal count
        for body in bodies:
            count += 1
            yield body

    bodies = counted(release_bodies(date__gte=period.start, date__lt=period.end))
    with atomic_path(target) as temporary, gzip_writer(temporary) as out:
        for chunk in packages.release_package_chunks(bodies, uri=download_url(target.name), published=published):
            out.write(chunk)
    return _save(target, kind=BulkFile.Kind.RELEASES, period=period, generated_at=published, rows=count, releases=count)


def build_record_year(period: Period, folder: Path) -> list[BulkFile]:
    """A year's compiled releases as JSON lines and its tables as CSV (zip) and Parquet, in one
    pass over the records whose latest release falls in the year."""
    generated_at = clock.now()
    compiled_target = folder / compiled_file_name(period.key)
    csv_target = folder / csv_file_name(period.key)
    parquet_targets = {name: folder / parquet_file_name(name, period.key) for name in TABLE_NAMES}
    filters = {"last_date__gte": period.start, "last_date__lt": period.end}
    releases = Record.objects.filter(**filters).aggregate(total=Sum("release_count"))["total"] or 0
    with contextlib.ExitStack() as stack:
        compiled_path = stack.enter_context(atomic_path(compiled_target))
        csv_path = stack.enter_context(atomic_path(csv_target))
        parquet_paths = {name: stack.enter_context(atomic_path(path)) for name, path in parquet_targets.items()}
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(dir=folder, prefix=".tables-")))
        sink = TableSink(work, parquet_paths)
        processes = 0
        with gzip_writer(compiled_path) as out:
            for body in compiled_bodies(**filters):
                out.write(body + b"\n")
                sink.add(orjson.loads(body))
                processes += 1
        sink.close()
        zip_folder(sink.csv.paths.values(), csv_path)
    saved = [
        _save(
            compiled_target,
            kind=BulkFile.Kind.COMPILED,
            period=period,
            generated_at=generated_at,
            rows=processes,
            releases=releases,
        ),
        _save(
            csv_target,
            kind=BulkFile.Kind.CSV,
            period=period,
            generated_at=generated_at,
            rows=sum(sink.counts.values()),
            releases=releases,
        ),
    ]
    for name, path in parquet_targets.items():
        saved.append(
            _save(
                path,
                kind=BulkFile.Kind.PARQUET,
                period=period,
                generated_at=generated_at,
                rows=sink.counts[name],
                releases=releases,
                table=name,
            )
        )
    return saved


@dataclass
class RefreshResult:
    built: list[str]
    removed: list[str]
    unchanged: int


def _current(period: Period, names: list[str], folder: Path) -> bool:
    """Whether every file of the period exists and was built from the same rows."""
    files = BulkFile.objects.filter(name__in=names, signature=period.signature).values_list("name", flat=True)
    return set(files) == set(names) and all((folder / name).is_file() for name in names)


def year_file_names(year: str) -> list[str]:
    return [compiled_file_name(year), csv_file_name(year)] + [parquet_file_name(t, year) for t in TABLE_NAMES]


def bulk_refresh(*, force: bool = False) -> RefreshResult:
    """Rebuild the files of every period whose rows changed since its files were built (all of
    them with `force`), and remove the files of periods that no longer hold data."""
    folder = bulk_dir()
    folder.mkdir(parents=True, exist_ok=True)
    result = RefreshResult(built=[], removed=[], unchanged=0)
    live: set[str] = set()
    for month in release_months():
        names = [release_file_name(month.key)]
        live.update(names)
        if not force and _current(month, names, folder):
            result.unchanged += 1
        else:
            result.built.append(build_release_month(month, folder).name)
    for year in record_years():
        names = year_file_names(year.key)
        live.update(names)
        if not force and _current(year, names, folder):
            result.unchanged += 1
        else:
            result.built.extend(bulk_file.name for bulk_file in build_record_year(year, folder))
    for stale in BulkFile.objects.exclude(name__in=live):
        (folder / stale.name).unlink(missing_ok=True)
        result.removed.append(stale.name)
        stale.delete()
    return result


def bulk_file_path(name: str) -> Path | None:
    """The file a listed bulk file is stored in, or None when it is missing from the folder."""
    path = bulk_dir() / name
    return path if path.is_file() else None


# --- whole export -----------------------------------------------------------------------------


@dataclass
class ExportResult:
    releases: int
    records: int
    rows: dict[str, int]


def _counting(items: Iterable[bytes], counter: list[int]) -> Iterator[bytes]:
    for item in items:
        counter[0] += 1
        yield item


def _write_chunks(path: Path, chunks: Iterable[bytes | memoryview]) -> None:
    with atomic_path(path) as temporary, temporary.open("wb", buffering=1 << 20) as out:
        for chunk in chunks:
            out.write(chunk)


@contextlib.contextmanager
def _snapshot() -> Iterator[None]:
    """On PostgreSQL, one read-only repeatable-read transaction, so that every file of an export
    shows the same moment while writers go on. SQLite serialises writers and an open transaction
    would hold its write lock (IMMEDIATE mode) for the whole export: it reads without one."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def export_dataset(directory: Path, *, progress: Callable[[str], None] | None = None) -> ExportResult:
    """Write the whole dataset into `directory` (which must exist): `releases.json`,
    `records.json`, `compiled.jsonl.gz`, `csv/<table>.csv` and `parquet/<table>.parquet`.
    Every file streams stored bytes; no release is held in memory beyond one database chunk."""
    with _snapshot():
        return _export(directory, progress)


def _export(directory: Path, progress: Callable[[str], None] | None) -> ExportResult:
    say = progress or (lambda message: None)
    published = clock.now()
    release_count = [0]
    say("releases.json")
    _write_chunks(
        directory / "releases.json",
        packages.release_package_chunks(
            _counting(release_bodies(), release_count),
            uri=f"{settings.BASE_URL}/api/ocds/releases",
            published=published,
        ),
    )
    say("records.json")
    record_count = [0]
    _write_chunks(
        directory / "records.json",
        packages.record_package_chunks(
            _counting(record_bodies(), record_count), uri=f"{settings.BASE_URL}/api/ocds/records", published=published
        ),
    )
    say("compiled.jsonl.gz, csv/, parquet/")
    csv_folder = directory / "csv"
    parquet_folder = directory / "parquet"
    parquet_folder.mkdir(exist_ok=True)
    with contextlib.ExitStack() as stack:
        compiled_path = stack.enter_context(atomic_path(directory / "compiled.jsonl.gz"))
        parquet_paths = {
            name: stack.enter_context(atomic_path(parquet_folder / f"{name}.parquet")) for name in TABLE_NAMES
        }
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(dir=directory, prefix=".csv-")))
        sink = TableSink(work, parquet_paths)
        with gzip_writer(compiled_path) as out:
            for body in compiled_bodies():
                out.write(body + b"\n")
                sink.add(orjson.loads(body))
        sink.close()
        csv_folder.mkdir(exist_ok=True)
        for path in sink.csv.paths.values():
            shutil.move(str(path), csv_folder / path.name)
    return ExportResult(releases=release_count[0], records=record_count[0], rows=sink.counts)
