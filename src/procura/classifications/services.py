"""Every write to classifications: loading a scheme's codes from a CSV file or from rows.

A load is all or nothing. Every row is checked first; one bad row refuses the whole file,
naming each bad line, and nothing is written. A good file is upserted in one transaction with
one audit entry; loading the same file again changes nothing and records nothing.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from procura.accounts.models import User
from procura.audit.codes import AuditAction
from procura.audit.services import audit_record
from procura.classifications import domain
from procura.classifications.access import check_can_load_classifications
from procura.classifications.models import Classification, ClassificationWord
from procura.core.errors import InvalidInput

FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"
DEMO_FILES = {domain.CPV: FIXTURES_DIR / "cpv_demo.csv", domain.UNSPSC: FIXTURES_DIR / "unspsc_demo.csv"}

# Header names are compared in lower case with spaces, hyphens and underscores removed, so
# "CODE", "Cpv code" and "unspsc_code" are all understood. The official CPV 2008 spreadsheet
# has CODE and one column per language (EN for English); UNSPSC exports have Code and Title.
CODE_HEADERS = ("code", "cpv", "cpvcode", "unspsc", "unspsccode", "commoditycode", "classificationcode", "id")
DESCRIPTION_HEADERS = (
    "description",
    "en",
    "english",
    "descriptionen",
    "title",
    "englishtitle",
    "commoditytitle",
    "name",
    "label",
    "text",
)
MAX_REPORTED_PROBLEMS = 20
BATCH_SIZE = 1000


@dataclass(frozen=True, kw_only=True)
class LoadResult:
    scheme: str
    created: int
    updated: int
    unchanged: int

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


@dataclass(frozen=True)
class _Row:
    line: int
    code: str
    description: str


class _Problems:
    """Problems found while reading, by line, so that one error can name all of them."""

    def __init__(self) -> None:
        self.by_line: dict[str, list[str]] = {}
        self.count = 0

    def add(self, line: int, message: str) -> None:
        self.count += 1
        if len(self.by_line) < MAX_REPORTED_PROBLEMS or f"line {line}" in self.by_line:
            self.by_line.setdefault(f"line {line}", []).append(message)

    def raise_if_any(self) -> None:
        if self.count:
            raise InvalidInput(
                ngettext(
                    "Nothing was loaded: %(count)d row has a problem. Correct it and load the file again.",
                    "Nothing was loaded: %(count)d rows have problems. Correct them and load the file again.",
                    self.count,
                )
                % {"count": self.count},
                fields=self.by_line,
            )


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(_("Nothing was loaded."), fields={field: [message]})


def _header_key(name: str) -> str:
    return "".join(ch for ch in (name or "").strip().lower() if ch not in " -_")


def _columns(header: Iterable[str]) -> tuple[str, str]:
    """The code column and the description column of a header row."""
    by_key: dict[str, str] = {}
    for name in header:
        by_key.setdefault(_header_key(name), name)
    code = next((by_key[key] for key in CODE_HEADERS if key in by_key), None)
    description = next((by_key[key] for key in DESCRIPTION_HEADERS if key in by_key), None)
    if code is None or description is None:
        raise _invalid(
            "header",
            _(
                "The first line must name a code column and a description column "
                "(for example “code,description”, or “CODE” and “EN” as in the official CPV file); "
                "it has: %(columns)s."
            )
            % {"columns": ", ".join(f"“{name}”" for name in header) or _("nothing")},
        )
    return code, description


def _file_rows(path: Path) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """The rows of a CSV file with their line numbers. Commas, semicolons and tabs are all
    understood as separators, and a byte-order mark is ignored."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise _invalid("file", _("There is no file %(path)s.") % {"path": path}) from None
    except IsADirectoryError:
        raise _invalid("file", _("%(path)s is a folder, not a CSV file.") % {"path": path}) from None
    except UnicodeDecodeError:
        raise _invalid(
            "file", _("%(path)s is not UTF-8 text. Save it as CSV UTF-8 and try again.") % {"path": path}
        ) from None
    except OSError as exc:
        raise _invalid(
            "file", _("%(path)s cannot be read: %(reason)s.") % {"path": path, "reason": exc.strerror or exc}
        ) from None
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = reader.fieldnames or []
        code_column, description_column = _columns(header)
        for record in reader:
            yield reader.line_num, {"code": record.get(code_column), "description": record.get(description_column)}
    except csv.Error as exc:
        raise _invalid(
            f"line {reader.line_num}", _("The file is not valid CSV here: %(reason)s.") % {"reason": exc}
        ) from None


def _mapping_rows(rows: Iterable[Mapping[str, Any]]) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """Rows given as mappings, numbered as lines of a CSV file whose header is line 1."""
    columns: tuple[str, str] | None = None
    for number, row in enumerate(rows, start=2):
        if columns is None:
            columns = _columns(list(row.keys()))
        yield number, {"code": row.get(columns[0]), "description": row.get(columns[1])}


def _read(scheme: str, rows: Iterable[Mapping[str, Any]] | str | os.PathLike[str]) -> list[_Row]:
    """Every row checked; raises InvalidInput naming each bad line."""
    source = _file_rows(Path(rows)) if isinstance(rows, str | os.PathLike) else _mapping_rows(rows)
    example = domain.CPV_EXAMPLE if scheme == domain.CPV else domain.UNSPSC_EXAMPLE
    problems = _Problems()
    good: list[_Row] = []
    first_line_of: dict[str, int] = {}
    for line, record in source:
        code = str(record.get("code") or "").strip()
        description = " ".join(str(record.get("description") or "").split())
        if not code and not description:
            continue  # a blank row, as spreadsheets leave at the end
        if not code:
            problems.add(line, _("The code is missing."))
            continue
        if not domain.code_is_valid(scheme, code):
            problems.add(
                line,
                _("“%(code)s” is not a %(scheme)s code (for example %(example)s).")
                % {"code": code, "scheme": scheme, "example": example},
            )
            continue
        if not description:
            problems.add(line, _("The description of %(code)s is missing.") % {"code": code})
            continue
        stem = domain.stem(code)
        if stem in first_line_of:
            problems.add(
                line,
                _("%(code)s repeats the code on line %(line)d.") % {"code": code, "line": first_line_of[stem]},
            )
            continue
        first_line_of[stem] = line
        good.append(_Row(line=line, code=code, description=description))
    problems.raise_if_any()
    if not good:
        raise _invalid("file", _("There are no codes to load: the file has a header but no rows."))
    return good


def classifications_load(
    *,
    scheme: str,
    rows: Iterable[Mapping[str, Any]] | str | os.PathLike[str],
    actor: User | None = None,
) -> LoadResult:
    """Load a scheme's codes from a CSV file (a path) or from mappings with a code and a
    description. Header names are understood liberally: code/CODE/CPV/Code, description/EN/Title...

    Codes are matched on their 8 digits, so a CPV code whose check digit was wrong is corrected.
    Each code's level and parent follow from its digits; when a level is missing from the list
    the parent is the nearest code above that is there. `actor` None is the platform itself.
    """
    check_can_load_classifications(actor)
    name = domain.scheme_of(scheme)
    if name is None:
        raise _invalid(
            "scheme",
            _("Choose a classification scheme: %(schemes)s.") % {"schemes": ", ".join(domain.SCHEMES)},
        )
    loaded = _read(name, rows)
    with transaction.atomic():
        stored = {domain.stem(c.code): c for c in Classification.objects.select_for_update().filter(scheme=name)}
        created: list[Classification] = []
        changed: dict[str, Classification] = {}
        reworded: list[Classification] = []
        unchanged = 0
        for row in loaded:
            existing = stored.get(domain.stem(row.code))
            if existing is None:
                item = Classification(scheme=name, code=row.code, description=row.description, parent_code="")
                item.level = domain.level(name, row.code)
                created.append(item)
                stored[domain.stem(row.code)] = item
                continue
            if (existing.code, existing.description) == (row.code, row.description):
                unchanged += 1
                continue
            if existing.description != row.description:
                reworded.append(existing)
            existing.code, existing.description = row.code, row.description
            changed[existing.code] = existing
        # Parents are worked out over the whole scheme: a newly loaded level becomes the parent
        # of codes loaded before it.
        new_codes = {item.code for item in created}
        for item in stored.values():
            parent = next((stored[stem].code for stem in domain.ancestor_stems(name, item.code) if stem in stored), "")
            level = domain.level(name, item.code)
            if (item.parent_code, item.level) != (parent, level):
                item.parent_code, item.level = parent, level
                if item.code not in new_codes:
                    changed[item.code] = item
        Classification.objects.bulk_create(created, batch_size=BATCH_SIZE)
        Classification.objects.bulk_update(
            list(changed.values()), ["code", "description", "parent_code", "level"], batch_size=BATCH_SIZE
        )
        _index_words([*created, *reworded])
        result = LoadResult(scheme=name, created=len(created), updated=len(changed), unchanged=unchanged)
        if result.changed:
            audit_record(
                action=AuditAction.CLASSIFICATIONS_LOADED,
                actor=actor,
                object_type="classification_scheme",
                object_id=name,
                after={
                    "source": _source_name(rows),
                    "rows": len(loaded),
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                },
            )
    return result


def _index_words(items: list[Classification]) -> None:
    """Replace the search words of these classifications with those of their descriptions."""
    if not items:
        return
    ids = [item.pk for item in items]
    for start in range(0, len(ids), BATCH_SIZE):
        ClassificationWord.objects.filter(classification__in=ids[start : start + BATCH_SIZE]).delete()
    ClassificationWord.objects.bulk_create(
        (
            ClassificationWord(classification=item, word=word)
            for item in items
            for word in domain.words(item.description)
        ),
        batch_size=BATCH_SIZE,
    )


def _source_name(rows: object) -> str:
    return Path(rows).name if isinstance(rows, str | os.PathLike) else "rows"


def load_demo_classifications() -> dict[str, LoadResult]:
    """Load the demo CPV and UNSPSC codes shipped with Procura, as the platform. Idempotent:
    a second run finds them loaded, changes nothing and records nothing."""
    with transaction.atomic():
        return {scheme: classifications_load(scheme=scheme, rows=path) for scheme, path in DEMO_FILES.items()}
