"""The public Open data page and the bulk file downloads.

Everything here is public and read-only (GET and HEAD, for anyone). Files are served from
`PROCURA_BULK_DIR` as attachments with their media type; single byte ranges are honoured so that
analytics engines (DuckDB, Spark) can read the Parquet files over HTTP without downloading them
whole. A production deployment may serve the folder from the web server or object storage
instead: the names and the page stay the same.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import http_date
from django.views.decorators.http import require_http_methods

from procura.core import clock
from procura.publication import bulk, packages, schema
from procura.publication.models import BulkFile

MEDIA_TYPES = {
    ".gz": "application/gzip",
    ".zip": "application/zip",
    ".parquet": "application/vnd.apache.parquet",
}
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


@dataclass
class YearFiles:
    """The files built from one year's processes, shown as one row of the page."""

    year: str
    compiled: BulkFile | None = None
    csv: BulkFile | None = None
    parquet: list[BulkFile] = field(default_factory=list)


def _files_by_period() -> tuple[list[BulkFile], list[YearFiles]]:
    months: list[BulkFile] = []
    years: dict[str, YearFiles] = defaultdict(lambda: YearFiles(year=""))
    order = {name: index for index, name in enumerate(bulk.TABLE_NAMES)}
    for bulk_file in BulkFile.objects.order_by("-period", "name"):
        if bulk_file.kind == BulkFile.Kind.RELEASES:
            months.append(bulk_file)
            continue
        entry = years[bulk_file.period]
        entry.year = bulk_file.period
        if bulk_file.kind == BulkFile.Kind.COMPILED:
            entry.compiled = bulk_file
        elif bulk_file.kind == BulkFile.Kind.CSV:
            entry.csv = bulk_file
        else:
            entry.parquet.append(bulk_file)
    for entry in years.values():
        entry.parquet.sort(key=lambda f: order.get(f.table, len(order)))
    return months, sorted(years.values(), key=lambda entry: entry.year, reverse=True)


@require_http_methods(["GET", "HEAD"])
def open_data(request: HttpRequest) -> HttpResponse:
    months, years = _files_by_period()
    # The same licence, policy and publisher as every package says (one source: packages).
    head = packages.metadata(uri=request.build_absolute_uri(), published=clock.now())
    context = {
        "months": months,
        "years": years,
        "tables": bulk.TABLES,
        "licence_url": head["license"],
        "policy_url": head.get("publicationPolicy", ""),
        "publisher": head["publisher"],
        "extensions": [(name, schema.EXTENSION_URLS[name]) for name in schema.DECLARED_EXTENSIONS],
    }
    return render(request, "publication/opendata/index.html", context)


def _media_type(name: str) -> str:
    return MEDIA_TYPES.get(Path(name).suffix, "application/octet-stream")


def _byte_range(header: str, size: int) -> tuple[int, int] | None:
    """The (first, last) bytes of a single `Range: bytes=…` request, or None to serve it all.
    Raises ValueError when the range lies outside the file (416)."""
    match = _RANGE.match(header.strip())
    if not match or (not match.group(1) and not match.group(2)):
        return None
    first_text, last_text = match.groups()
    if not first_text:  # the last N bytes
        length = int(last_text)
        if length == 0:
            raise ValueError
        return max(size - length, 0), size - 1
    first = int(first_text)
    last = min(int(last_text), size - 1) if last_text else size - 1
    if first >= size or last < first:
        raise ValueError
    return first, last


class _Slice:
    """A file object limited to `length` bytes from its current position."""

    def __init__(self, handle: IO[bytes], length: int) -> None:
        self._handle = handle
        self._left = length

    def read(self, size: int = -1) -> bytes:
        if self._left <= 0:
            return b""
        size = self._left if size < 0 else min(size, self._left)
        data = self._handle.read(size)
        self._left -= len(data)
        return data

    def close(self) -> None:
        self._handle.close()


@require_http_methods(["GET", "HEAD"])
def download(request: HttpRequest, name: str) -> HttpResponse | FileResponse:
    listed = BulkFile.objects.filter(name=name).first()  # only listed names: no path tricks
    path = bulk.bulk_file_path(listed.name) if listed is not None else None
    if listed is None or path is None:
        raise Http404("No such bulk file.")
    size = path.stat().st_size
    try:
        wanted = _byte_range(request.headers.get("Range", ""), size)
    except ValueError:
        refused = HttpResponse(status=416)
        refused["Content-Range"] = f"bytes */{size}"
        return refused
    handle = path.open("rb")
    if wanted is None:
        response = FileResponse(handle, as_attachment=True, filename=name, content_type=_media_type(name))
    else:
        first, last = wanted
        handle.seek(first)
        response = FileResponse(
            _Slice(handle, last - first + 1),
            as_attachment=True,
            filename=name,
            content_type=_media_type(name),
            status=206,
        )
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
        response["Content-Length"] = str(last - first + 1)
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = f'"{listed.sha256}"'
    response["Last-Modified"] = http_date(listed.generated_at.timestamp())
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    response["X-Content-Type-Options"] = "nosniff"
    return response
