"""Full-text search of tenders: PostgreSQL full-text search, or SQLite FTS5 in embedded mode.

One interface, `matching(queryset, text)`. Each word of `text` must begin a word of the tender's
`search_text` ("glov" finds "gloves"); several words must all match. Only runs of letters and
digits are taken from `text`, so quotes and operators typed into a search box never reach either
engine's query syntax, and both engines give the same answers.

PostgreSQL: a GIN expression index on `to_tsvector('simple', search_text)`, queried with exactly
that expression so the planner uses it. SQLite: an FTS5 table kept in step with `tenders_tender`
by triggers (a key table maps the FTS rowid to the tender's UUID). Both are created by the
migration `0002_tender_fulltext` through `install_statements`. On SQLite, a later migration that
rebuilds `tenders_tender` (Django copies the table to alter it) drops its triggers: such a
migration must run `install_statements("sqlite")` again afterwards (they are idempotent and
refill the index).
"""

from __future__ import annotations

import re
from typing import Any

from django.db import connections
from django.db.models import Func, Q, QuerySet
from django.db.models.expressions import RawSQL

WORD = re.compile(r"[^\W_]+")
MAX_WORDS = 12
MAX_WORD_LENGTH = 64

INDEX_NAME = "tenders_tender_search_text_fts"
FTS_TABLE = "tenders_tender_fts"
FTS_KEYS = "tenders_tender_fts_key"

# --- Schema -----------------------------------------------------------------------------------
# Plain literals (no interpolation): the names above are repeated here on purpose.
_POSTGRESQL_INSTALL = [
    "CREATE INDEX IF NOT EXISTS tenders_tender_search_text_fts ON tenders_tender "
    "USING GIN (to_tsvector('simple'::regconfig, search_text))",
]
_POSTGRESQL_UNINSTALL = ["DROP INDEX IF EXISTS tenders_tender_search_text_fts"]

_SQLITE_INSTALL = [
    "CREATE TABLE IF NOT EXISTS tenders_tender_fts_key "
    "(fts_rowid INTEGER PRIMARY KEY, tender_id CHAR(32) NOT NULL UNIQUE)",
    # Accents are kept, as PostgreSQL's 'simple' configuration keeps them: the same answers on both.
    "CREATE VIRTUAL TABLE IF NOT EXISTS tenders_tender_fts "
    "USING fts5(search_text, tokenize = 'unicode61 remove_diacritics 0')",
    """CREATE TRIGGER IF NOT EXISTS tenders_tender_fts_insert AFTER INSERT ON tenders_tender BEGIN
        INSERT OR IGNORE INTO tenders_tender_fts_key (tender_id) VALUES (new.id);
        DELETE FROM tenders_tender_fts
            WHERE rowid = (SELECT fts_rowid FROM tenders_tender_fts_key WHERE tender_id = new.id);
        INSERT INTO tenders_tender_fts (rowid, search_text)
            VALUES ((SELECT fts_rowid FROM tenders_tender_fts_key WHERE tender_id = new.id), new.search_text);
    END""",
    """CREATE TRIGGER IF NOT EXISTS tenders_tender_fts_update AFTER UPDATE OF search_text ON tenders_tender BEGIN
        INSERT OR IGNORE INTO tenders_tender_fts_key (tender_id) VALUES (new.id);
        DELETE FROM tenders_tender_fts
            WHERE rowid = (SELECT fts_rowid FROM tenders_tender_fts_key WHERE tender_id = new.id);
        INSERT INTO tenders_tender_fts (rowid, search_text)
            VALUES ((SELECT fts_rowid FROM tenders_tender_fts_key WHERE tender_id = new.id), new.search_text);
    END""",
    """CREATE TRIGGER IF NOT EXISTS tenders_tender_fts_delete AFTER DELETE ON tenders_tender BEGIN
        DELETE FROM tenders_tender_fts
            WHERE rowid = (SELECT fts_rowid FROM tenders_tender_fts_key WHERE tender_id = old.id);
        DELETE FROM tenders_tender_fts_key WHERE tender_id = old.id;
    END""",
    # (Re)fill from the table: installing on a database that already has tenders, or again
    # after a migration rebuilt the table, leaves the index complete.
    "DELETE FROM tenders_tender_fts",
    "DELETE FROM tenders_tender_fts_key WHERE tender_id NOT IN (SELECT id FROM tenders_tender)",
    "INSERT OR IGNORE INTO tenders_tender_fts_key (tender_id) SELECT id FROM tenders_tender",
    "INSERT INTO tenders_tender_fts (rowid, search_text) SELECT k.fts_rowid, t.search_text "
    "FROM tenders_tender t JOIN tenders_tender_fts_key k ON k.tender_id = t.id",
]
_SQLITE_UNINSTALL = [
    "DROP TRIGGER IF EXISTS tenders_tender_fts_insert",
    "DROP TRIGGER IF EXISTS tenders_tender_fts_update",
    "DROP TRIGGER IF EXISTS tenders_tender_fts_delete",
    "DROP TABLE IF EXISTS tenders_tender_fts",
    "DROP TABLE IF EXISTS tenders_tender_fts_key",
]
_SQLITE_MATCHING_IDS = (
    "SELECT k.tender_id FROM tenders_tender_fts f JOIN tenders_tender_fts_key k ON k.fts_rowid = f.rowid "
    "WHERE tenders_tender_fts MATCH %s"
)


def install_statements(vendor: str) -> list[str]:
    """The SQL that creates the search index on this database vendor (none for others)."""
    return {"postgresql": _POSTGRESQL_INSTALL, "sqlite": _SQLITE_INSTALL}.get(vendor, [])


def uninstall_statements(vendor: str) -> list[str]:
    return {"postgresql": _POSTGRESQL_UNINSTALL, "sqlite": _SQLITE_UNINSTALL}.get(vendor, [])


# --- Queries ----------------------------------------------------------------------------------
def query_words(text: str) -> list[str]:
    """The words searched for: runs of letters and digits, lower-cased, each once, at most
    MAX_WORDS of them (so a pasted essay cannot make a huge query)."""
    words = [word.lower()[:MAX_WORD_LENGTH] for word in WORD.findall(text or "")]
    return list(dict.fromkeys(words))[:MAX_WORDS]


class SimpleVector(Func):
    """`to_tsvector('simple', column)`: exactly the expression the GIN index is built on."""

    template = "to_tsvector('simple'::regconfig, %(expressions)s)"

    def __init__(self, expression: Any) -> None:
        from django.contrib.postgres.search import SearchVectorField

        super().__init__(expression, output_field=SearchVectorField())


def _postgresql(queryset: QuerySet[Any], words: list[str]) -> QuerySet[Any]:
    from django.contrib.postgres.search import SearchQuery

    # Words hold only letters and digits, so quoting them cannot break out of the tsquery.
    query = " & ".join(f"'{word}':*" for word in words)
    return queryset.alias(search_vector=SimpleVector("search_text")).filter(
        search_vector=SearchQuery(query, config="simple", search_type="raw")
    )


def _sqlite(queryset: QuerySet[Any], words: list[str]) -> QuerySet[Any]:
    query = " ".join(f'"{word}"*' for word in words)
    # Constant SQL; the user's words travel as a parameter, and hold only letters and digits.
    return queryset.filter(pk__in=RawSQL(_SQLITE_MATCHING_IDS, (query,)))  # noqa: S611


def _portable(queryset: QuerySet[Any], words: list[str]) -> QuerySet[Any]:
    """Any other database: a plain scan (substring, not word-prefix, matching)."""
    condition = Q()
    for word in words:
        condition &= Q(search_text__icontains=word)
    return queryset.filter(condition)


def matching(queryset: QuerySet[Any], text: str) -> QuerySet[Any]:
    """The tenders of `queryset` whose search text has a word starting with each word of `text`.
    A text without letters or digits filters nothing."""
    words = query_words(text)
    if not words:
        return queryset
    vendor = connections[queryset.db].vendor
    if vendor == "postgresql":
        return _postgresql(queryset, words)
    if vendor == "sqlite":
        return _sqlite(queryset, words)
    return _portable(queryset, words)
